#!/usr/bin/python3
"""Reproduces STeP's evaluation (reference/step.md §8) with the step toolchain.

Subcommands:

  dyn-tiling   dynamic tiling versus static token tiles for an MoE layer
               (step.md §8.1): cycles, off-chip traffic and on-chip memory of
               every tile size, the Pareto frontier of the static designs and
               the dynamic design's Pareto improvement distance (PID).
  dyn-par      static coarse, static interleaved and dynamic parallelization
               of attention decode (step.md §8.3) over STeP's KV batches:
               cycles per batch and strategy (CSV columns batch_id,
               batch_size,class,strategy,cycles) and a bar plot.

dyn-par, per batch of the size and classes asked for:
  - KV lengths from `step-trace kv-lengths --batches FILE --batch ID`;
  - the single-region graph from `step-gen attention --batch B --max-kv N`
    (maxN 4672/6464/6528 at B = 16/64/80, as STeP);
  - `step-opt --step-parallelize="regions=R strategy=coarse|interleaved"` or
    `--step-dynamic-parallelize="regions=R"` (R = --regions, default 4;
    coarse uses B/16 regions up to B = 64, so B = 16 stays one region, and
    chunks of 16 requests dealt round robin, so at B = 80 region 0 gets
    requests 0-15 and 64-79 as in STeP's run_static_coarse_par_b80);
  - `step-sim --bind kv_lens=FILE` on arch/sn40l_like.pbtxt, --jobs at once;
  - FIFO depths (--depths): `as-run` (default) builds the metadata broadcasts
    and write-backs with the channel depth, as STeP's simulator did (its
    proto driver creates broadcast outputs with the global depth and never
    reads the per-broadcast 16/4 its scripts set); `stated` uses 16 and 4.
  scripts/reproduce_step.py dyn-par --batch-size 64 --class med \\
      --out results/dyn_par_b64_med.csv

dyn-tiling, per tile (a positive integer or `dyn`):
  - the layer from `step-gen moe --model M --batch B --tiling N|dyn`;
  - per-expert token counts B0..B{E-1} from the routing trace
    (`step-trace check-routing`, which also validates it);
  - on-chip bytes from `step-opt --step-insert-broadcast
    --step-report-cost="bind=B0=..,... per-op=false"` (STeP's artifact
    accounting, mode 1, FIFOs not counted); for the dynamic design the weight
    buffers of experts without tokens are subtracted, as STeP's experiment
    scripts do ("on-chip memory allocated on demand", step.md §4); the static
    designs keep buffers for every expert (`on_chip_mem`, the ASPLOS plots);
  - cycles and off-chip bytes (read + written) from one `step-sim --sweep`
    over all tiles on arch/sn40l_like.pbtxt with `--bind routing=FILE`.

Writes CSV columns model,batch,tile,cycles,offchip_bytes,onchip_bytes (tile
`dyn` for dynamic tiling), prints a table, the static Pareto frontier over
(cycles, on-chip bytes) and the dynamic point's
PID = min over frontier points q of max(cycles(q)/cycles(dyn), mem(q)/mem(dyn)),
and, when matplotlib is present, a Pareto plot (PNG).

Usage:
  scripts/reproduce_step.py dyn-tiling --model mixtral-8x7b --batch 64 \\
      --routing examples/moe_expert/routing_calibration.csv \\
      --tiles 8,16,32,64,dyn --out results/dyn_tiling_mixtral_b64.csv
"""

import argparse
import concurrent.futures
import csv
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROG = "reproduce_step"


class Failure(Exception):
    """A user-facing error: printed as one message, exit status 1."""


def write_atomically(path, write):
    """Calls write(tmp) on a temporary next to path, then renames it into place."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def tool(build, name):
    path = os.path.join(build, "bin", name)
    if not os.access(path, os.X_OK):
        raise Failure(f"{path} not found (build the project first, or pass --build DIR)")
    return path


def run(cmd, what):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        msg = (out.stderr.strip() or out.stdout.strip() or f"exit status {out.returncode}")
        raise Failure(f"{what} failed:\n{msg}")
    return out.stdout


# ---------------------------------------------------------------------------
# dyn-tiling

def parse_tiles(text):
    tiles = []
    for item in text.split(","):
        item = item.strip()
        if item == "dyn":
            tile = "dyn"
        elif re.fullmatch(r"[0-9]+", item) and int(item) > 0:
            tile = int(item)
        else:
            raise Failure(f"bad --tiles value '{item}': expected a positive integer or 'dyn' "
                          f"(e.g. --tiles 16,64,dyn)")
        if tile in tiles:
            raise Failure(f"bad --tiles value: '{item}' is listed twice")
        tiles.append(tile)
    return tiles


def routing_shape(mlir_text):
    """Expert count and top-k of the generated layer (its token partition)."""
    m = re.search(r"step\.partition .*names \[([^\]]*)\].*selector<(\d+), hot = (\d+)>",
                  mlir_text)
    if not m:
        raise Failure("could not find the token partition in step-gen's output")
    experts, topk = int(m.group(2)), int(m.group(3))
    if len(m.group(1).split(",")) != experts:
        raise Failure("step-gen's partition names do not match its selector width")
    return experts, topk


def expert_counts(trace, routing, experts, topk, batch):
    out = subprocess.run([trace, "check-routing", routing, "--experts", str(experts),
                          "--topk", str(topk)], capture_output=True, text=True)
    if out.returncode != 0:
        msg = out.stderr.strip() or out.stdout.strip()
        raise Failure(f"routing file {routing} is invalid:\n{msg}")
    lines = out.stdout.splitlines()
    tokens = None
    for line in lines:
        if line.startswith("tokens:"):
            tokens = int(line.split(":")[1])
    if "expert,tokens" not in lines:
        raise Failure("unexpected output of step-trace check-routing:\n" + out.stdout)
    body = lines[lines.index("expert,tokens") + 1:]
    counts = [0] * experts
    for row in csv.reader(body):
        if len(row) == 2 and row[0].isdigit():
            counts[int(row[0])] = int(row[1])
    if tokens != batch:
        raise Failure(f"routing file {routing} has {tokens} tokens, but --batch is {batch}")
    return counts


COST_RE = {
    "offchip": re.compile(r"total off-chip traffic = (\d+) B"),
    "onchip": re.compile(r"total on-chip memory = (\d+) B"),
}
LOAD_RE = re.compile(r'step\.linear_load "(w\d+)_e(\d+)"')
ONCHIP_RE = re.compile(r"on-chip:\s+(?:.*= )?(\d+)\s*$")


def cost_report(opt, mlir, counts, per_op):
    bind = ",".join(f"B{i}={c}" for i, c in enumerate(counts))
    text = run([opt, mlir, "--step-insert-broadcast",
                f"--step-report-cost=bind={bind} per-op={'true' if per_op else 'false'}",
                "-o", os.devnull], f"step-opt --step-report-cost on {os.path.basename(mlir)}")
    totals = {}
    for key, rx in COST_RE.items():
        m = rx.search(text)
        if not m:
            raise Failure(f"no '{rx.pattern}' in step-opt's cost report:\n{text}")
        totals[key] = int(m.group(1))
    return totals, text


def weight_buffers(per_op_text):
    """On-chip bytes of the weight loads, per expert, from a per-op cost report."""
    per_expert = {}
    current = None
    for line in per_op_text.splitlines():
        m = LOAD_RE.search(line)
        if m:
            current = int(m.group(2))
            continue
        m = ONCHIP_RE.search(line)
        if m and current is not None:
            per_expert[current] = per_expert.get(current, 0) + int(m.group(1))
        if line.startswith("  step.") and not LOAD_RE.search(line):
            current = None
    return per_expert


def pareto_frontier(points):
    """Points (label, cycles, mem) not dominated by another (both minimized)."""
    front = []
    for p in points:
        dominated = any(q[1] <= p[1] and q[2] <= p[2] and (q[1] < p[1] or q[2] < p[2])
                        for q in points)
        if not dominated:
            front.append(p)
    return sorted(front, key=lambda p: p[2])


def pid(front, cycles, mem):
    """Pareto improvement distance (step.md §8.1) and the frontier point attaining it."""
    best = min(front, key=lambda q: max(q[1] / cycles, q[2] / mem))
    return max(best[1] / cycles, best[2] / mem), best


def dyn_tiling(a):
    tiles = parse_tiles(a.tiles)
    gen, opt, sim, trace = (tool(a.build, n) for n in
                            ("step-gen", "step-opt", "step-sim", "step-trace"))
    arch = os.path.join(ROOT, "arch", "sn40l_like.pbtxt")
    if not os.path.isfile(a.routing):
        raise Failure(f"routing file {a.routing} not found")
    routing = os.path.abspath(a.routing)
    if a.batch <= 0:
        raise Failure(f"bad --batch {a.batch}: expected a positive integer")

    rows = []
    with tempfile.TemporaryDirectory(prefix="reproduce_step.") as tmp:
        graphs = {}
        for tile in tiles:
            path = os.path.join(tmp, f"moe_{a.model}_tile{tile}.mlir")
            run([gen, "moe", "--model", a.model, "--batch", str(a.batch),
                 "--tiling", str(tile), "-o", path], f"step-gen (tiling {tile})")
            graphs[tile] = path
        with open(graphs[tiles[0]]) as f:
            experts, topk = routing_shape(f.read())
        counts = expert_counts(trace, routing, experts, topk, a.batch)

        onchip = {}
        notes = []
        for tile in tiles:
            totals, text = cost_report(opt, graphs[tile], counts, per_op=(tile == "dyn"))
            onchip[tile] = totals["onchip"]
            if tile == "dyn":
                idle = [e for e, c in enumerate(counts) if c == 0]
                buffers = weight_buffers(text)
                if idle and len(buffers) != experts:
                    raise Failure("could not find the weight loads of every expert "
                                  "in the per-op cost report")
                saved = sum(buffers[e] for e in idle)
                onchip[tile] -= saved
                if idle:
                    notes.append(f"dyn: {len(idle)} expert(s) without tokens; their weight "
                                 f"buffers ({saved} B) subtracted from on-chip memory")

        sweep = os.path.join(tmp, "sweep.txt")
        with open(sweep, "w") as f:
            for tile in tiles:
                f.write(f"tile_{tile} {graphs[tile]} {arch} routing={routing}\n")
        out = subprocess.run([sim, "--sweep", sweep], capture_output=True, text=True)
        if out.returncode != 0:
            raise Failure("step-sim --sweep failed:\n" + (out.stderr.strip() or out.stdout))
    sims = {r["label"]: r for r in csv.DictReader(out.stdout.splitlines())}
    for tile in tiles:
        r = sims.get(f"tile_{tile}")
        if r is None:
            raise Failure(f"step-sim --sweep printed no row for tile {tile}:\n{out.stdout}")
        rows.append({"model": a.model, "batch": a.batch, "tile": tile,
                     "cycles": int(r["cycles"]),
                     "offchip_bytes": int(r["offchip_bytes_read"])
                     + int(r["offchip_bytes_written"]),
                     "onchip_bytes": onchip[tile]})

    columns = ["model", "batch", "tile", "cycles", "offchip_bytes", "onchip_bytes"]

    def write_csv(path):
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
    write_atomically(a.out, write_csv)

    print(f"{a.model}, batch {a.batch}, routing {os.path.basename(routing)} "
          f"(tokens per expert: {counts})")
    print(f"{'tile':>6} {'cycles':>12} {'off-chip B':>15} {'on-chip B':>13}")
    for r in rows:
        print(f"{str(r['tile']):>6} {r['cycles']:>12,} {r['offchip_bytes']:>15,} "
              f"{r['onchip_bytes']:>13,}")
    for note in notes:
        print(note)

    static = [(str(r["tile"]), r["cycles"], r["onchip_bytes"]) for r in rows
              if r["tile"] != "dyn"]
    dyn = next((r for r in rows if r["tile"] == "dyn"), None)
    front = pareto_frontier(static) if static else []
    if front:
        print("Pareto frontier of the static tiles (cycles, on-chip B): "
              + ", ".join(f"tile {p[0]} ({p[1]:,}, {p[2]:,})" for p in front))
    if dyn and front:
        d, q = pid(front, dyn["cycles"], dyn["onchip_bytes"])
        print(f"PID of dynamic tiling: {d:.3f}x (against tile {q[0]}: cycles "
              f"{q[1] / dyn['cycles']:.3f}x, on-chip {q[2] / dyn['onchip_bytes']:.3f}x; "
              f"> 1 means beyond the static frontier)")
    elif dyn:
        print("PID: no static tiles to compare with")
    print(f"wrote {a.out}")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not available: no plot")
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    mb = 1 / (1 << 20)
    if static:
        ax.scatter([p[2] * mb for p in static], [p[1] for p in static], marker="o",
                   color="tab:blue", label="static tiling", zorder=3)
        for label, c, m in static:
            ax.annotate(f"tile {label}", (m * mb, c), textcoords="offset points",
                        xytext=(5, 5), fontsize=8)
        # The frontier as a staircase through its points (memory ascending).
        xs, ys = [], []
        for i, (_, c, m) in enumerate(front):
            if i:
                xs.append(m * mb)
                ys.append(ys[-1])
            xs.append(m * mb)
            ys.append(c)
        ax.plot(xs, ys, "--", color="tab:blue", alpha=0.6, label="static Pareto frontier")
    if dyn:
        ax.scatter([dyn["onchip_bytes"] * mb], [dyn["cycles"]], marker="*", s=200,
                   color="tab:red", label="dynamic tiling", zorder=4)
    ax.set_xlabel("on-chip memory (MiB)")
    ax.set_ylabel("cycles")
    ax.set_title(f"{a.model} MoE layer, batch {a.batch}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plot = a.plot or os.path.splitext(a.out)[0] + ".png"
    write_atomically(plot, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    print(f"wrote {plot}")


# ---------------------------------------------------------------------------
# dyn-par: static vs dynamic parallelization of attention decode (§8.3)

DYN_PAR_MAX_KV = {16: 4672, 64: 6464, 80: 6528}
DYN_PAR_STRATEGIES = ("coarse", "interleaved", "dynamic")
CYCLES_RE = re.compile(r"^cycles: (\d+)$", re.M)


def read_kv_batches(path, batch_size, classes):
    """(batch_id, class) of the batches of that size and those classes, file order."""
    if not os.path.isfile(path):
        raise Failure(f"KV batches file {path} not found")
    seen = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        need = {"batch_id", "batch_size", "step_fig11_class"}
        if not reader.fieldnames or not need <= set(reader.fieldnames):
            raise Failure(f"{path}: expected columns {sorted(need)}")
        for row in reader:
            key = (row["batch_id"], row["step_fig11_class"])
            try:
                size = int(row["batch_size"])
            except ValueError:
                raise Failure(f"{path}: bad batch_size '{row['batch_size']}'")
            if size == batch_size and key[1] in classes and key not in seen:
                seen.append(key)
    return seen


def coarse_regions(batch_size, regions):
    """STeP's batch sweep: B/16 coarse regions up to B = 64, else `regions`."""
    return max(1, batch_size // 16) if batch_size <= 64 else regions


def dyn_par_point(tools, arch, graph, strategy, regions, kv, mock_bf16, tmp, tag):
    """Cycles and wall seconds of one (batch, strategy) point."""
    gen, opt, sim = tools
    if strategy == "dynamic":
        flags = [f"--step-dynamic-parallelize=regions={regions}"]
    elif strategy == "coarse" and regions > 1:
        # Chunks of 16 requests dealt round robin: contiguous slices up to
        # B = 64, and at B = 80 region 0 takes requests 0-15 and 64-79, as
        # STeP's run_static_coarse_par_b80.
        flags = [f"--step-parallelize=regions={regions} strategy=coarse chunk=16"]
    elif regions > 1:
        flags = [f"--step-parallelize=regions={regions} strategy={strategy}"]
    else:
        flags = []
    path = graph
    if flags:
        path = os.path.join(tmp, f"{tag}_{strategy}.mlir")
        run([opt, graph, *flags, "-o", path], f"step-opt {flags[0]}")
    cmd = [sim, path, "--arch", arch, "--bind", f"kv_lens={kv}"]
    if mock_bf16:
        cmd.append("--mock-bf16")
    start = time.monotonic()
    out = run(cmd, f"step-sim ({tag}, {strategy})")
    seconds = time.monotonic() - start
    m = CYCLES_RE.search(out)
    if not m:
        raise Failure(f"step-sim printed no cycle count ({tag}, {strategy}):\n{out}")
    return int(m.group(1)), seconds


def dyn_par(a):
    if a.batch_size not in DYN_PAR_MAX_KV:
        raise Failure(f"bad --batch-size {a.batch_size}: expected 16, 64 or 80")
    classes = [c for c in a.cls.split(",") if c]
    if not classes or any(c not in ("high", "med", "low") for c in classes):
        raise Failure(f"bad --class '{a.cls}': expected a comma-separated subset of "
                      "high,med,low")
    if a.regions < 2:
        raise Failure(f"bad --regions {a.regions}: expected at least 2")
    if a.jobs < 1:
        raise Failure(f"bad --jobs {a.jobs}: expected at least 1")
    max_kv = a.max_kv or DYN_PAR_MAX_KV[a.batch_size]
    tools = tuple(tool(a.build, n) for n in ("step-gen", "step-opt", "step-sim"))
    trace = tool(a.build, "step-trace")
    arch = os.path.join(ROOT, "arch", "sn40l_like.pbtxt")
    batches = read_kv_batches(a.batches, a.batch_size, classes)
    if not batches:
        raise Failure(f"{a.batches}: no batch of size {a.batch_size} in classes {classes}")
    coarse = coarse_regions(a.batch_size, a.regions)

    rows = []
    with tempfile.TemporaryDirectory(prefix="reproduce_step.") as tmp:
        graph = os.path.join(tmp, f"attention_b{a.batch_size}.mlir")
        # STeP's scripts ask for FIFOs of 16 after the metadata broadcasts and
        # 4 before the write-backs, but its simulator builds broadcast outputs
        # with the global channel depth (make_broadcast! ignores config_dict):
        # --depths as-run reproduces that (0: the channel depth).
        depth_flags = (["--metadata-depth", "0", "--write-back-depth", "0"]
                       if a.depths == "as-run" else [])
        run([tools[0], "attention", "--batch", str(a.batch_size), "--max-kv", str(max_kv),
             *depth_flags, "-o", graph], "step-gen attention")
        jobs = []
        for batch_id, cls in batches:
            kv = os.path.join(tmp, f"{batch_id}.npy")
            run([trace, "kv-lengths", "--batches", a.batches, "--batch", batch_id,
                 "-o", kv], f"step-trace kv-lengths ({batch_id})")
            for strategy in DYN_PAR_STRATEGIES:
                regions = coarse if strategy == "coarse" else a.regions
                jobs.append((batch_id, cls, strategy, regions, kv))
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            futures = [pool.submit(dyn_par_point, tools, arch, graph, s, r, kv,
                                   a.mock_bf16, tmp, b) for b, _, s, r, kv in jobs]
            for (batch_id, cls, strategy, regions, _), fut in zip(jobs, futures):
                cycles, seconds = fut.result()
                rows.append({"batch_id": batch_id, "batch_size": a.batch_size,
                             "class": cls, "strategy": strategy, "cycles": cycles,
                             "regions": regions, "seconds": seconds})

    columns = ["batch_id", "batch_size", "class", "strategy", "cycles"]

    def write_csv(path):
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n",
                               extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    write_atomically(a.out, write_csv)

    print(f"attention decode, batch {a.batch_size}, max-kv {max_kv}, regions "
          f"{a.regions} (coarse: {coarse}), {a.depths} FIFO depths"
          f"{', mock bf16' if a.mock_bf16 else ''}")
    print(f"{'batch':<18} {'class':<5} {'strategy':<12} {'regions':>7} {'cycles':>10} "
          f"{'sim s':>6}")
    for r in rows:
        print(f"{r['batch_id']:<18} {r['class']:<5} {r['strategy']:<12} {r['regions']:>7} "
              f"{r['cycles']:>10,} {r['seconds']:>6.2f}")
    print(f"wrote {a.out}")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not available: no plot")
        return
    ids = [b for b, _ in batches]
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(ids) + 2), 4))
    width = 0.8 / len(DYN_PAR_STRATEGIES)
    for k, strategy in enumerate(DYN_PAR_STRATEGIES):
        ys = [next(r["cycles"] for r in rows if r["batch_id"] == b and r["strategy"] == strategy)
              for b in ids]
        ax.bar([i + (k - 1) * width for i in range(len(ids))], ys, width, label=strategy)
    ax.set_xticks(range(len(ids)))
    ax.set_xticklabels([f"{b}\n({c})" for b, c in batches], fontsize=7)
    ax.set_ylabel("cycles")
    ax.set_title(f"attention decode, batch {a.batch_size}: static vs dynamic parallelization")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plot = a.plot or os.path.splitext(a.out)[0] + ".png"
    write_atomically(plot, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    print(f"wrote {plot}")


# ---------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(prog="reproduce_step.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    d = sub.add_parser("dyn-tiling", help="dynamic vs static tiling of an MoE layer (§8.1)",
                       description="Dynamic tiling versus static token tiles of an MoE "
                       "layer (reference/step.md §8.1).")
    d.add_argument("--model", default="mixtral-8x7b", help="step-gen model (default %(default)s)")
    d.add_argument("--batch", type=int, default=64, help="tokens (default %(default)s)")
    d.add_argument("--routing", required=True,
                   help="routing trace CSV (token,expert_0,...; see step-trace)")
    d.add_argument("--tiles", default="8,16,32,64,dyn",
                   help="comma-separated tile rows and/or 'dyn' (default %(default)s)")
    d.add_argument("--out", required=True, help="CSV to write")
    d.add_argument("--build", default=os.path.join(ROOT, "build"),
                   help="build directory with bin/step-* (default %(default)s)")
    d.add_argument("--plot", default=None, help="PNG path (default: next to the CSV)")
    d.set_defaults(func=dyn_tiling)

    dp = sub.add_parser("dyn-par", help="static vs dynamic parallelization of attention "
                        "decode (§8.3)",
                        description="Static coarse, static interleaved and dynamic "
                        "parallelization of grouped-query attention decode over the KV "
                        "lengths of STeP's Azure batches (reference/step.md §8.3).")
    dp.add_argument("--batches", default=os.path.join(ROOT, "data", "traces",
                                                      "step_kv_batches_azure2023_conv.csv"),
                    help="KV batches CSV (default %(default)s)")
    dp.add_argument("--batch-size", type=int, required=True, help="16, 64 or 80")
    dp.add_argument("--class", dest="cls", default="high,med,low",
                    help="batch classes, comma-separated (default %(default)s)")
    dp.add_argument("--regions", type=int, default=4,
                    help="regions of interleaved and dynamic (default %(default)s); coarse "
                    "uses B/16 up to B = 64, as STeP's batch sweep")
    dp.add_argument("--max-kv", type=int, default=None,
                    help="cache rows per request (default: STeP's 4672/6464/6528 at "
                    "B = 16/64/80)")
    dp.add_argument("--depths", choices=("as-run", "stated"), default="as-run",
                    help="FIFO depths of the metadata broadcasts and write-backs: as STeP's "
                    "simulator ran them (the channel depth, 1; default) or as its scripts "
                    "state them (16 and 4)")
    dp.add_argument("--mock-bf16", action="store_true", help="pass --mock-bf16 to step-sim")
    dp.add_argument("--jobs", type=int, default=2, help="parallel simulations "
                    "(default %(default)s)")
    dp.add_argument("--out", required=True, help="CSV to write")
    dp.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build directory with bin/step-* (default %(default)s)")
    dp.add_argument("--plot", default=None, help="PNG path (default: next to the CSV)")
    dp.set_defaults(func=dyn_par)

    a = p.parse_args()
    try:
        a.func(a)
    except Failure as e:
        print(f"{PROG} {a.command}: error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
