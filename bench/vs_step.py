#!/usr/bin/python3
"""Simulation speed and memory of step against STeP's own simulator.

For every configuration STeP's simulator was timed on (reference/anchor_runs.md,
a 2-core machine like ours), builds the same graph with step-gen (and
step-opt for the time-multiplexed and parallelized ones), simulates it REPEAT
times with step-sim, and prints our cycles next to STeP's, our median
time next to STeP's simulator time, and the speed ratios: for the whole
step-sim process (which spends about 25 ms loading the MLIR and LLVM shared
libraries it needs to read .mlir input) and for the simulation alone
(`wall_seconds` of --stats json: graph set-up and run).

Usage: bench/vs_step.py [--build DIR] [--repeat N] [--out CSV]

Writes results/bench_vs_step.csv by default. Timing is noisy on shared
machines: quote the ratios of one run together with the command.
"""

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EX = os.path.join(ROOT, "examples", "moe_expert")
KV = os.path.join(ROOT, "data", "traces", "step_kv_batches_azure2023_conv.csv")

# (label, step-gen arguments, step-opt passes or None, bindings, STeP cycles,
#  STeP simulator seconds, STeP peak GB) from reference/anchor_runs.md.
MIXTRAL = ["moe", "--model", "mixtral-8x7b", "--batch", "64", "--compute-bw", "4096"]
MIXTRAL_DYN = ["moe", "--model", "mixtral-8x7b", "--batch", "64", "--compute-bw", "6400"]
CONFIGS = [
    ("mixtral b64 tile 64", MIXTRAL + ["--tiling", "64"], None,
     {"routing": os.path.join(EX, "routing_calibration.csv")}, "2,810,632", 67, 11.7),
    ("mixtral b64 dyn", MIXTRAL_DYN + ["--tiling", "dyn"], None,
     {"routing": os.path.join(EX, "routing_calibration.csv")}, "2,817,876", 65, 12.0),
    ("mixtral b64 tile 32", MIXTRAL + ["--tiling", "32"], None,
     {"routing": os.path.join(EX, "routing_calibration.csv")}, "2,810,596", 67, 12.0),
    ("mixtral b64 tile 16", MIXTRAL + ["--tiling", "16"], None,
     {"routing": os.path.join(EX, "routing_calibration.csv")}, "4,644,975", 94, 12.0),
    ("mixtral b64 tile 8", MIXTRAL + ["--tiling", "8"], None,
     {"routing": os.path.join(EX, "routing_calibration.csv")}, "7,418,870", 173, 12.0),
    ("qwen b64 time-mux P=32",
     ["moe", "--model", "qwen3-30b-a3b", "--batch", "64", "--tiling", "32", "--tile-f", "48",
      "--compute-bw", "1024", "--channel-depth", "2"],
     ["--step-time-multiplex=regions=32"],
     {"routing": os.path.join(EX, "routing_qwen_b64_synthetic_idle_regions.csv")},
     "800,780 / 796,160 (STeP's trace)", 53, 9.8),
]
DYN_PAR = [("coarse", ["--step-parallelize=regions=4 strategy=coarse"], "70,210"),
           ("interleaved", ["--step-parallelize=regions=4 strategy=interleaved"], "64,361"),
           ("dynamic", ["--step-dynamic-parallelize=regions=4"], "49,094")]


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"vs_step.py: {' '.join(cmd)} failed:\n{out.stderr.strip() or out.stdout}")
    return out.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--out", default=os.path.join(ROOT, "results", "bench_vs_step.csv"))
    a = p.parse_args()
    gen, opt, sim, trace = (os.path.join(a.build, "bin", n)
                            for n in ("step-gen", "step-opt", "step-sim", "step-trace"))
    arch = os.path.join(ROOT, "arch", "sn40l_like.pbtxt")
    rows = []
    with tempfile.TemporaryDirectory(prefix="vs_step.") as tmp:
        configs = list(CONFIGS)
        kv = os.path.join(tmp, "kv.npy")
        run([trace, "kv-lengths", "--batches", KV, "--batch", "b64_s4007_e4070", "-o", kv])
        for name, passes, cycles in DYN_PAR:
            configs.append((f"attention b64 4007-4070 {name}",
                            ["attention", "--model", "qwen3-30b-a3b", "--batch", "64",
                             "--max-kv", "6464", "--metadata-depth", "0",
                             "--write-back-depth", "0"],
                            passes, {"kv_lens": kv}, cycles, 1.0, 0.5))
        for label, gen_args, passes, binds, step_cycles, step_s, step_gb in configs:
            missing = [f for f in binds.values() if not os.path.exists(f)]
            if missing:
                print(f"skip {label}: {missing[0]} not found", file=sys.stderr)
                continue
            graph = os.path.join(tmp, "g.mlir")
            if os.path.exists(graph):
                os.unlink(graph)
            run([gen] + gen_args + ["-o", graph])
            if passes:
                text = run([opt, graph] + passes + ["--step-insert-broadcast"])
                with open(graph, "w") as f:
                    f.write(text)
            cmd = [sim, graph, "--arch", arch, "--quiet", "--stats", "json", "--mock-bf16"]
            for k, v in binds.items():
                cmd += ["--bind", f"{k}={v}"]
            walls, sims, cycles = [], [], None
            for _ in range(a.repeat):
                t0 = time.time()
                stats = json.loads(run(cmd))
                walls.append(time.time() - t0)
                sims.append(stats["wall_seconds"])
                cycles = stats["cycles"]
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            wall = statistics.median(walls)
            simwall = statistics.median(sims)
            rows.append({"config": label, "step_cycles": cycles, "stepref_cycles": step_cycles,
                         "step_seconds": f"{wall:.3f}", "step_sim_seconds": f"{simwall:.3f}",
                         "stepref_seconds": step_s,
                         "speedup": f"{step_s / wall:.0f}",
                         "speedup_sim_only": f"{step_s / simwall:.0f}",
                         "step_peak_mb_max_so_far": f"{peak_mb:.0f}",
                         "stepref_peak_gb": step_gb})
            print(f"{label:36} cycles {cycles:>10,} (STeP {step_cycles}); process "
                  f"{wall:6.3f} s, simulation {simwall:6.3f} s vs STeP {step_s} s: "
                  f"{step_s / wall:4.0f}x / {step_s / simwall:4.0f}x", flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    fd, tmpcsv = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(a.out)), suffix=".tmp")
    with os.fdopen(fd, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["config"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmpcsv, a.out)
    print(f"wrote {a.out} (peak memory: the largest step-sim child so far, whole process)")


if __name__ == "__main__":
    main()
