#!/usr/bin/python3
"""Runs every step-tune strategy over several seeds on the MoE, attention and
GCN workloads and measures sample efficiency.

For each workload and each strategy (mcts with the heuristic proposer, mcts
with the random proposer, random, evolutionary, bo) and each seed, one
`step-tune WORKLOAD --strategy S --seed N --budget B --csv ...` run; the
runs of a workload share one transposition file (--cache), so a schedule is
simulated once per sweep while every run still counts it as one of its own
samples. Two runs go at a time (--parallel), each with --jobs 1.

Writes:
  OUT/convergence.csv   workload,strategy,seed,samples,best_cycles (OUT/runs/
                        has each run's CSV, OUT/WORKLOAD_cache.tsv the
                        shared transposition files)
  OUT/convergence.png   best cycles / best known versus samples (median
                        over seeds, one panel per workload)
  OUT/efficiency.md     the sample-efficiency tables: per distance in
                        --within (5% and 1%), workload and strategy, the
                        simulations each seed needed to reach that close to
                        the best known schedule,
                        their median (a seed that never got there counts as
                        budget + 1, and the median is then a lower bound,
                        marked >), and how many seeds reached it.
The best known schedule is the best over every run of the sweep and, with
--exhaustive WORKLOAD (repeatable), over an exhaustive enumeration of that
workload's space (attention: 1080 schedules, about 2 minutes on 2 cores;
gcn: 96 programs, about 4 minutes).
With --readme, the table replaces the text between the sweep markers of
tuner/README.md: `tune-sweep table` for the default workloads (moe,
attention), `tune-sweep WORKLOADS table` (e.g. `tune-sweep gcn table`)
for another --workloads list.

Usage:
  scripts/tune_sweep.py --build build --out results/tune_sweep \\
      --exhaustive attention --readme
  scripts/tune_sweep.py --build build --out results/tune_sweep_gcn \\
      --workloads gcn --exhaustive gcn --readme
"""

import argparse
import concurrent.futures
import csv
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STRATEGIES = [("mcts-heuristic", ["--strategy", "mcts", "--proposer", "heuristic"]),
              ("mcts-random", ["--strategy", "mcts", "--proposer", "random"]),
              ("random", ["--strategy", "random"]),
              ("evolutionary", ["--strategy", "evolutionary"]),
              ("bo", ["--strategy", "bo"])]
# Workloads with a static estimate (step-tune --estimates) also run the
# heuristic without it, so the table shows what the estimate contributes.
WITH_ESTIMATES = {"gcn"}
DEFAULT_WORKLOADS = "moe,attention"


def strategies(workload):
    extra = ([("mcts-heuristic-noest", ["--strategy", "mcts", "--proposer", "heuristic",
                                        "--estimates", "off"])]
             if workload in WITH_ESTIMATES else [])
    return STRATEGIES[:1] + extra + STRATEGIES[1:]
TITLES = {"moe": "moe, batch 64", "attention": "attention, batch 64",
          "gcn": "gcn, karate club"}


def markers(workloads):
    name = "" if ",".join(workloads) == DEFAULT_WORKLOADS else " ".join(workloads) + " "
    return (f"<!-- tune-sweep {name}table begin -->",
            f"<!-- tune-sweep {name}table end -->")


class Failure(Exception):
    pass


def run_tune(tune, workload, label, args, seed, budget, cache, out):
    csv_path = os.path.join(out, "runs", f"{workload}_{label}_s{seed}.csv")
    cmd = [tune, workload, *args, "--seed", str(seed), "--budget", str(budget),
           "--jobs", "1", "--cache", cache, "--csv", csv_path, "--progress", "0",
           "--progress-seconds", "0"]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failure(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    rows = []
    with open(csv_path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append((int(r["samples"]), int(r["best_cycles"])))
    m = re.search(r"^best: (.*): cycles (\d+)", proc.stdout, re.M)
    best = (int(m.group(2)), m.group(1)) if m else None
    e = re.search(r"^static estimates: (\d+)", proc.stdout, re.M)
    return rows, best, time.monotonic() - start, int(e.group(1)) if e else 0


def exhaustive(tune, workload, cache):
    proc = subprocess.run([tune, workload, "--strategy", "exhaustive", "--budget",
                           "1000000", "--jobs", "2", "--cache", cache,
                           "--progress", "0", "--progress-seconds", "60"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failure(f"exhaustive {workload} failed:\n{proc.stderr}")
    m = re.search(r"^best: (.*): cycles (\d+)", proc.stdout, re.M)
    n = re.search(r"^strategy: exhaustive, seed \d+: (\d+) samples", proc.stdout, re.M)
    return int(m.group(2)), m.group(1), int(n.group(1))


def reach(rows, target):
    for samples, best in rows:
        if 0 < best <= target:
            return samples
    return None


def main():
    p = argparse.ArgumentParser(prog="tune_sweep",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"),
                   help="build directory with bin/step-tune (default %(default)s)")
    p.add_argument("--out", default=os.path.join(ROOT, "results", "tune_sweep"),
                   help="output directory (default %(default)s)")
    p.add_argument("--seeds", type=int, default=5, help="seeds 1..N (default 5)")
    p.add_argument("--budget-moe", type=int, default=40,
                   help="simulations per MoE run (default %(default)s)")
    p.add_argument("--budget-attention", type=int, default=40,
                   help="simulations per attention run (default %(default)s)")
    p.add_argument("--budget-gcn", type=int, default=24,
                   help="simulations per GCN run (default %(default)s; the "
                        "space has 96 programs)")
    p.add_argument("--workloads", default=DEFAULT_WORKLOADS,
                   help="comma-separated workloads (default %(default)s)")
    p.add_argument("--within", default="0.05,0.01",
                   help="comma-separated distances to the best known schedule, "
                        "one table each; the first is the headline (default "
                        "%(default)s)")
    p.add_argument("--parallel", type=int, default=2,
                   help="step-tune runs at a time (default 2)")
    p.add_argument("--exhaustive", action="append", default=[],
                   help="also enumerate this workload's whole space (repeatable)")
    p.add_argument("--readme", action="store_true",
                   help="write the table into tuner/README.md")
    a = p.parse_args()
    tune = os.path.join(a.build, "bin", "step-tune")
    if not os.access(tune, os.X_OK):
        raise Failure(f"{tune} not found: build step-tune first")
    if a.seeds < 1 or a.parallel < 1:
        raise Failure("--seeds and --parallel must be at least 1")
    workloads = [w for w in a.workloads.split(",") if w]
    try:
        withins = [float(x) for x in a.within.split(",") if x]
    except ValueError:
        raise Failure(f"bad --within '{a.within}'")
    if not withins or any(x < 0 for x in withins):
        raise Failure(f"bad --within '{a.within}'")
    budgets = {"moe": a.budget_moe, "attention": a.budget_attention,
               "gcn": a.budget_gcn}
    for w in workloads:
        if w not in budgets:
            raise Failure(f"unknown workload '{w}' (expected moe, attention or gcn)")
    os.makedirs(os.path.join(a.out, "runs"), exist_ok=True)
    start = time.monotonic()

    results = {}  # (workload, label, seed) -> rows
    estimates = {}  # (workload, label, seed) -> static estimates of the run
    best_known = {}  # workload -> (cycles, key, source)
    for w in workloads:
        cache = os.path.join(a.out, f"{w}_cache.tsv")
        if w in a.exhaustive:
            cycles, key, n = exhaustive(tune, w, cache)
            best_known[w] = (cycles, key, f"exhaustive ({n} schedules)")
            print(f"{w}: exhaustive over {n} schedules: best {cycles} ({key})", flush=True)
        jobs = [(label, args, seed) for label, args in strategies(w)
                for seed in range(1, a.seeds + 1)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.parallel) as pool:
            futs = {pool.submit(run_tune, tune, w, label, args, seed, budgets[w], cache,
                                a.out): (label, seed) for label, args, seed in jobs}
            for fut in concurrent.futures.as_completed(futs):
                label, seed = futs[fut]
                rows, best, secs, n_est = fut.result()
                results[(w, label, seed)] = rows
                estimates[(w, label, seed)] = n_est
                print(f"{w} {label} seed {seed}: best {best[0] if best else '-'} "
                      f"({secs:.1f} s)", flush=True)
                if best and (w not in best_known or best[0] < best_known[w][0]):
                    best_known[w] = (best[0], best[1], "best over the sweep's runs")

    with open(os.path.join(a.out, "convergence.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["workload", "strategy", "seed", "samples", "best_cycles"])
        for w in workloads:
            for label, _ in strategies(w):
                for seed in range(1, a.seeds + 1):
                    for samples, best in results[(w, label, seed)]:
                        wr.writerow([w, label, seed, samples, best])

    lines = []
    elapsed = time.monotonic() - start
    lines.append(f"{a.seeds} seeds; budgets: " +
                 ", ".join(f"{w} {budgets[w]}" for w in workloads) +
                 f"; sweep wall time {elapsed / 60:.1f} min.")
    lines.append("")
    for within in withins:
        medians = {}
        for w in workloads:
            cycles, key, source = best_known[w]
            target = cycles * (1 + within)
            lines.append(f"**{w}, within {within:.0%}** — best known {cycles} cycles, "
                         f"`{key}` ({source}); target ≤ {int(target)} cycles.")
            lines.append("")
            lines.append("| strategy | samples to target per seed | median | seeds reaching |")
            lines.append("|---|---|---|---|")
            for label, _ in strategies(w):
                per = [reach(results[(w, label, s)], target)
                       for s in range(1, a.seeds + 1)]
                counted = [x if x is not None else budgets[w] + 1 for x in per]
                med = statistics.median(counted)
                lower = sum(x is None for x in per) * 2 >= len(per)
                medians[(w, label)] = (med, lower)
                cells = ", ".join("—" if x is None else str(x) for x in per)
                lines.append(f"| {label} | {cells} | {'>' if lower else ''}{med:g} | "
                             f"{sum(x is not None for x in per)}/{len(per)} |")
            evo, evo_lower = medians[(w, "evolutionary")]
            mh, mh_lower = medians[(w, "mcts-heuristic")]
            if mh_lower:
                verdict = "MCTS+heuristic did not reach the target in most seeds"
            else:
                ratio = evo / mh
                if ratio >= 3:
                    verdict = (f"evolutionary / MCTS+heuristic median samples = "
                               f"{'≥' if evo_lower else ''}{ratio:.2f}× (meets the "
                               f"3× goal)")
                elif evo_lower:
                    verdict = (f"evolutionary / MCTS+heuristic median samples ≥ "
                               f"{ratio:.2f}× (undecided: evolutionary missed the "
                               f"target in most seeds within the budget)")
                else:
                    verdict = (f"evolutionary / MCTS+heuristic median samples = "
                               f"{ratio:.2f}× (misses the 3× goal)")
            lines.append("")
            lines.append(verdict + ".")
            n_est = [estimates[(w, "mcts-heuristic", s)] for s in range(1, a.seeds + 1)]
            if any(n_est):
                lines.append("")
                lines.append(f"mcts-heuristic also ran {statistics.median(n_est):g} static "
                             f"estimates per run (median; {min(n_est)}–{max(n_est)}): "
                             f"`run-step --estimate-only`, no simulation, not in the "
                             f"budget; mcts-heuristic-noest is the same search without "
                             f"them (`--estimates off`).")
            lines.append("")
    table = "\n".join(lines)
    with open(os.path.join(a.out, "efficiency.md"), "w") as f:
        f.write(table + "\n")
    print(table)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
    if plt is not None:
        fig, axes = plt.subplots(1, len(workloads), figsize=(6 * len(workloads), 4),
                                 squeeze=False)
        for ax, w in zip(axes[0], workloads):
            ref = best_known[w][0]
            for label, _ in strategies(w):
                curves = [dict(results[(w, label, s)]) for s in range(1, a.seeds + 1)]
                xs = list(range(1, budgets[w] + 1))
                ys = []
                for x in xs:
                    vals = [c[x] / ref for c in curves if x in c and c[x] > 0]
                    ys.append(statistics.median(vals) if vals else float("nan"))
                ax.plot(xs, ys, label=label)
            ax.axhline(1 + withins[0], color="gray", linestyle=":", linewidth=1)
            ax.set_xlabel("simulations")
            ax.set_ylabel("best cycles / best known (median over seeds)")
            ax.set_title(TITLES.get(w, w))
            ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(a.out, "convergence.png"), dpi=120)

    if a.readme:
        path = os.path.join(ROOT, "tuner", "README.md")
        with open(path) as f:
            text = f.read()
        BEGIN, END = markers(workloads)
        if BEGIN not in text or END not in text:
            raise Failure(f"{path} has no markers {BEGIN} ... {END}")
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(path, "w") as f:
            f.write(head + BEGIN + "\n" + table + "\n" + END + tail)
        print(f"wrote the table into {path}")
    print(f"wrote {a.out}/convergence.csv, convergence.png, efficiency.md")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print(f"tune_sweep: error: {e}", file=sys.stderr)
        sys.exit(1)
