#!/usr/bin/python3
"""STeP's HDL-validation sweep (reference/step.md §6) on our simulator.

One SwiGLU expert (batch 64, hidden 256, intermediate 512, f32 tiles),
tile_b x tile_inter in {16,32,64} x {16,32,64,128,256}, par_dispatch 4,
channel depth 1, 4096 FLOPs/cycle per node, arch/hdl_validation.pbtxt.
All 15 points run in parallel through `step-sim --sweep`.

Writes CSV columns tile_b,tile_inter,cycles,step_sim_cycles,offchip_bytes
(step_sim_cycles: the figures of STeP's own simulator, step.md §6) and, when
matplotlib is present, a PNG comparing the two.

Usage: scripts/hdl_validation.py [--build build] [--out results/hdl_validation.csv]
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# STeP simulator cycles (hdl repo commit c2a4275, step_reference.csv; step.md §6).
STEP_SIM = {
    16: [33289, 29400, 27503, 26993, 27509],
    32: [21223, 17097, 15277, 14773, 15305],
    64: [15218, 11188, 9537, 9260, 11088],
}
TILE_INTER = [16, 32, 64, 128, 256]


def write_atomically(path, write):
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    tmp = path + ".tmp"
    write(tmp)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(ROOT, "results", "hdl_validation.csv"))
    p.add_argument("--plot", default=None, help="PNG path (default: next to the CSV)")
    a = p.parse_args()
    sim = os.path.join(a.build, "bin", "step-sim")
    if not os.access(sim, os.X_OK):
        sys.exit(f"hdl_validation: {sim} not found; build first (make test)")
    arch = os.path.join(ROOT, "arch", "hdl_validation.pbtxt")
    gen = os.path.join(ROOT, "examples", "swiglu_expert", "gen_swiglu.py")

    with tempfile.TemporaryDirectory() as tmp:
        lines = []
        for tb in STEP_SIM:
            for tn in TILE_INTER:
                path = os.path.join(tmp, f"swiglu_{tb}_{tn}.mlir")
                with open(path, "w") as f:
                    subprocess.run([sys.executable, gen, "--tile-b", str(tb),
                                    "--tile-inter", str(tn)], stdout=f, check=True)
                lines.append(f"{tb}_{tn} {path} {arch}")
        sweep = os.path.join(tmp, "sweep.txt")
        with open(sweep, "w") as f:
            f.write("\n".join(lines) + "\n")
        out = subprocess.run([sim, "--sweep", sweep], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("hdl_validation: step-sim failed:\n" + out.stderr)
    results = {}
    for row in csv.DictReader(out.stdout.splitlines()):
        tb, tn = map(int, row["label"].split("_"))
        results[(tb, tn)] = (int(row["cycles"]),
                             int(row["offchip_bytes_read"]) + int(row["offchip_bytes_written"]))

    rows = []
    worst = 0.0
    for tb, refs in STEP_SIM.items():
        for tn, ref in zip(TILE_INTER, refs):
            cycles, traffic = results[(tb, tn)]
            rows.append([tb, tn, cycles, ref, traffic])
            worst = max(worst, abs(cycles - ref) / ref)

    def write_csv(path):
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["tile_b", "tile_inter", "cycles", "step_sim_cycles", "offchip_bytes"])
            w.writerows(rows)
    write_atomically(a.out, write_csv)
    print(f"{'tile_b':>6} {'tile_inter':>10} {'cycles':>8} {'STeP sim':>9} {'error':>7} {'off-chip B':>11}")
    for tb, tn, c, ref, traffic in rows:
        print(f"{tb:>6} {tn:>10} {c:>8} {ref:>9} {100 * (c - ref) / ref:>6.2f}% {traffic:>11}")
    print(f"largest error: {100 * worst:.2f}% (15 points); wrote {a.out}")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not available: no plot")
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for tb in STEP_SIM:
        xs = TILE_INTER
        ax.plot(xs, [results[(tb, tn)][0] for tn in xs], "o-", label=f"step, tile_b={tb}")
        ax.plot(xs, STEP_SIM[tb], "x--", color=ax.lines[-1].get_color(),
                label=f"STeP sim, tile_b={tb}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("tile_inter")
    ax.set_ylabel("cycles")
    ax.set_title("SwiGLU expert, HDL-validation configuration")
    ax.legend(fontsize=7)
    fig.tight_layout()
    plot = a.plot or os.path.splitext(a.out)[0] + ".png"
    write_atomically(plot, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    print(f"wrote {plot}")


if __name__ == "__main__":
    main()
