#!/usr/bin/python3
"""Seed spread of the time-multiplexing sweep over synthetic Qwen3 stand-ins.

For each seed, writes the two synthetic stand-ins of STeP's Qwen3-30B-A3B
B=64 trace with gen_routing_synthetic.py (`plain`: the published statistics
only; `idle_regions`: also the idle-region counts per P inferred from STeP's
on-chip bytes, examples/moe_expert/README.md), runs
`scripts/reproduce_step.py time-mux` on each with static 32-row tiles and
with dynamic tiles, and writes one CSV row per (stand-in, seed, tiling, P):

    standin,seed,tiling,regions,cycles,onchip_bytes,compute_util_pct

Then prints, per stand-in, tiling and P, the min / median / max cycles over
the seeds next to STeP's published point.

Usage: time_mux_seed_spread.py --build BUILD [--seeds 32012-32019]
                               [--out results/time_mux_qwen_b64_seeds.csv]
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from reproduce_step import STEP_TM  # noqa: E402  (STeP's published sweep)

IDLE_REGIONS = "64:18,32:6,16:1,8:0,4:0"
STANDINS = {"plain": [], "idle_regions": ["--idle-regions", IDLE_REGIONS]}
TILINGS = {"static": ("static:32", "128,64,32,16,8,4"),
           "dyn": ("dyn", "128,64,32,16,8,4,2")}


def parse_seeds(text):
    if "-" in text:
        lo, hi = (int(x) for x in text.split("-"))
        return list(range(lo, hi + 1))
    return [int(x) for x in text.split(",")]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", required=True)
    p.add_argument("--seeds", default="32012-32019")
    p.add_argument("--out", default=os.path.join(ROOT, "results",
                                                 "time_mux_qwen_b64_seeds.csv"))
    a = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="tm_seeds.") as tmp:
        for standin, extra in STANDINS.items():
            for seed in parse_seeds(a.seeds):
                routing = os.path.join(tmp, f"{standin}_{seed}.csv")
                with open(routing, "w") as f:
                    subprocess.run([sys.executable, os.path.join(HERE, "gen_routing_synthetic.py"),
                                    "--seed", str(seed)] + extra, stdout=f,
                                   stderr=subprocess.DEVNULL, check=True)
                for label, (tiling, regions) in TILINGS.items():
                    out = os.path.join(tmp, f"{standin}_{seed}_{label}.csv")
                    subprocess.run([sys.executable, os.path.join(ROOT, "scripts",
                                                                 "reproduce_step.py"),
                                    "time-mux", "--model", "qwen3-30b-a3b", "--batch", "64",
                                    "--routing", routing, "--tiling", tiling,
                                    "--regions", regions, "--out", out, "--plot",
                                    os.path.join(tmp, "plot.png"), "--build", a.build],
                                   stdout=subprocess.DEVNULL, check=True)
                    with open(out, newline="") as f:
                        for r in csv.DictReader(f):
                            rows.append({"standin": standin, "seed": seed, "tiling": label,
                                         "regions": int(r["regions"]),
                                         "cycles": int(r["cycles"]),
                                         "onchip_bytes": int(r["onchip_bytes"]),
                                         "compute_util_pct": r["compute_util_pct"]})
                print(f"{standin} seed {seed} done", flush=True)
    cols = ["standin", "seed", "tiling", "regions", "cycles", "onchip_bytes",
            "compute_util_pct"]
    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {a.out}")
    print(f"{'stand-in':>12} {'tiling':>6} {'P':>4} {'min':>10} {'median':>10} {'max':>10} "
          f"{'STeP':>10}  STeP within")
    for standin in STANDINS:
        for label in TILINGS:
            for p_ in sorted({r["regions"] for r in rows if r["tiling"] == label}, reverse=True):
                cyc = sorted(r["cycles"] for r in rows if r["standin"] == standin
                             and r["tiling"] == label and r["regions"] == p_)
                ref = STEP_TM.get((label, p_))
                inside = "" if not ref else ("yes" if cyc[0] <= ref[0] <= cyc[-1] else "no")
                print(f"{standin:>12} {label:>6} {p_:>4} {cyc[0]:>10,} "
                      f"{int(statistics.median(cyc)):>10,} {cyc[-1]:>10,} "
                      f"{(f'{ref[0]:,}' if ref else '-'):>10}  {inside}")


if __name__ == "__main__":
    main()
