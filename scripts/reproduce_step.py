#!/usr/bin/python3
"""Reproduces STeP's evaluation (reference/step.md §8) with the step toolchain.

Subcommands:

  dyn-tiling   dynamic tiling versus static token tiles for an MoE layer
               (step.md §8.1): cycles, off-chip traffic and on-chip memory of
               every tile size, the Pareto frontier of the static designs and
               the dynamic design's Pareto improvement distance (PID).
  time-mux     configuration time-multiplexing of an MoE layer (step.md
               §8.2): cycles, on-chip memory, allocated compute and compute
               utilization for P configured regions shared by E/P experts.
  dyn-par      static coarse, static interleaved and dynamic parallelization
               of attention decode (step.md §8.3) over STeP's KV batches:
               cycles per batch and strategy (CSV columns batch_id,
               batch_size,class,strategy,cycles) and a bar plot.

dyn-tiling, per tile (a positive integer or `dyn`):
  - the layer from `step-gen moe --model M --batch B --tiling N|dyn
    --compute-bw BW`, BW = 4096 FLOPs/cycle per node for static tiles and
    6400 for dynamic tiling, STeP's settings (step.md §5.3);
  - per-expert token counts B0..B{E-1} from the routing trace
    (`step-trace check-routing`, which also validates it);
  - on-chip and off-chip bytes from `step-opt --step-insert-broadcast
    --step-report-cost="bind=B0=..,... per-op=false"` (STeP's artifact
    accounting, mode 1, FIFOs not counted); for the dynamic design the weight
    buffers of experts without tokens are subtracted, as STeP's experiment
    scripts do ("on-chip memory allocated on demand", step.md §4); the static
    designs keep buffers for every expert (`on_chip_mem`, the ASPLOS plots);
    (the off-chip figure equals the simulator's bytes read + written when the
    element types are timed as declared);
  - cycles from one `step-sim --sweep` over all tiles on
    arch/sn40l_like.pbtxt with `--bind routing=FILE` and, unless
    --no-mock-bf16, `--mock-bf16`: STeP's MoE runs time their f32 on-chip
    tiles as 2-byte elements (simulator/README.md).

Writes CSV columns model,batch,tile,cycles,offchip_bytes,onchip_bytes (tile
`dyn` for dynamic tiling), prints a table, the static Pareto frontier over
(cycles, on-chip bytes) and the dynamic point's
PID = min over frontier points q of max(cycles(q)/cycles(dyn), mem(q)/mem(dyn)),
and, when matplotlib is present, a Pareto plot (PNG).

time-mux, per region count P (--regions, P = E is the baseline with one
dedicated region per expert):
  - `step-gen moe --tiling N|dyn --tile-f 48 --compute-bw 1024
    --channel-depth 2` (STeP's timeshare settings), then `step-opt
    --step-time-multiplex=regions=P`;
  - cycles from `step-sim --mock-bf16 --bind routing=FILE` (points run in
    parallel, --jobs at a time; the wall time of each simulation is printed);
  - on-chip bytes as STeP's test_static_tile computes them: the cost report
    (mode 1, after --step-insert-broadcast) minus the token-packing accum of
    every expert without tokens, minus the repeat, the three weight loads and
    the down-projection accum of every region whose experts all got no token;
  - allocated FLOPs/cycle = P*5*bw (gate, up, SiLU, product, down per region)
    + E*bw (routing-weight products) + bw (top-k sum);
  - compute utilization % = alg_flops / cycles / allocated * 100, with STeP's
    alg_flops = sum over experts of 2*b*D*F*3 + b*F + 8*b*D*F (b the expert's
    padded rows; the SiLU term's D*F is STeP's script quirk, kept).
Writes CSV columns tiling,regions,cycles,onchip_bytes,alloc_flops_per_cycle,
compute_util_pct and a PNG (utilization and cycles versus P).

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

Usage:
  scripts/reproduce_step.py dyn-tiling --model mixtral-8x7b --batch 64 \\
      --routing examples/moe_expert/routing_calibration.csv \\
      --tiles 8,16,32,64,dyn --out results/dyn_tiling_mixtral_b64.csv
  scripts/reproduce_step.py time-mux --model qwen3-30b-a3b --batch 64 \\
      --routing examples/moe_expert/routing_qwen_b64_synthetic_idle_regions.csv \\
      --tiling static:32 --regions 128,64,32,16,8,4 \\
      --out results/time_mux_qwen_b64_static32.csv
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


def write_rows_csv(path, columns, rows):
    """Writes the `columns` of dict rows (other keys ignored) atomically."""
    def write(tmp):
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n",
                               extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    write_atomically(path, write)


def pyplot():
    """matplotlib.pyplot with a file backend, or None (and a message)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not available: no plot")
        return None
    return plt


def save_plot(fig, path):
    fig.tight_layout()
    write_atomically(path, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    print(f"wrote {path}")


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
                 "--tiling", str(tile), "--compute-bw",
                 str(a.dyn_compute_bw if tile == "dyn" else a.static_compute_bw),
                 "-o", path], f"step-gen (tiling {tile})")
            graphs[tile] = path
        with open(graphs[tiles[0]]) as f:
            experts, topk = routing_shape(f.read())
        counts = expert_counts(trace, routing, experts, topk, a.batch)

        onchip, offchip = {}, {}
        notes = []
        for tile in tiles:
            totals, text = cost_report(opt, graphs[tile], counts, per_op=(tile == "dyn"))
            onchip[tile] = totals["onchip"]
            offchip[tile] = totals["offchip"]
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
        out = subprocess.run([sim, "--sweep", sweep] + (["--mock-bf16"] if a.mock_bf16 else []),
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise Failure("step-sim --sweep failed:\n" + (out.stderr.strip() or out.stdout))
    sims = {r["label"]: r for r in csv.DictReader(out.stdout.splitlines())}
    for tile in tiles:
        r = sims.get(f"tile_{tile}")
        if r is None:
            raise Failure(f"step-sim --sweep printed no row for tile {tile}:\n{out.stdout}")
        rows.append({"model": a.model, "batch": a.batch, "tile": tile,
                     "cycles": int(r["cycles"]),
                     "offchip_bytes": offchip[tile],
                     "onchip_bytes": onchip[tile]})

    columns = ["model", "batch", "tile", "cycles", "offchip_bytes", "onchip_bytes"]

    write_rows_csv(a.out, columns, rows)

    print(f"{a.model}, batch {a.batch}, routing {os.path.basename(routing)} "
          f"(tokens per expert: {counts})")
    dyn_row = next((r for r in rows if r["tile"] == "dyn"), None)
    ratios = dyn_row is not None and len(rows) > 1
    print(f"{'tile':>6} {'cycles':>12} {'off-chip B':>15} {'on-chip B':>13}"
          + (f" {'cycles/dyn':>11} {'on-chip/dyn':>12}" if ratios else ""))
    for r in rows:
        line = (f"{str(r['tile']):>6} {r['cycles']:>12,} {r['offchip_bytes']:>15,} "
                f"{r['onchip_bytes']:>13,}")
        if ratios:
            line += (f" {r['cycles'] / dyn_row['cycles']:>10.3f}x"
                     f" {r['onchip_bytes'] / dyn_row['onchip_bytes']:>11.3f}x")
        print(line)
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

    plt = pyplot()
    if plt is None:
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
    save_plot(fig, a.plot or os.path.splitext(a.out)[0] + ".png")


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

    write_rows_csv(a.out, columns, rows)

    print(f"attention decode, batch {a.batch_size}, max-kv {max_kv}, regions "
          f"{a.regions} (coarse: {coarse}), {a.depths} FIFO depths"
          f"{', mock bf16' if a.mock_bf16 else ''}")
    print(f"{'batch':<18} {'class':<5} {'strategy':<12} {'regions':>7} {'cycles':>10} "
          f"{'sim s':>6}")
    for r in rows:
        print(f"{r['batch_id']:<18} {r['class']:<5} {r['strategy']:<12} {r['regions']:>7} "
              f"{r['cycles']:>10,} {r['seconds']:>6.2f}")
    print(f"wrote {a.out}")

    plt = pyplot()
    if plt is None:
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
    save_plot(fig, a.plot or os.path.splitext(a.out)[0] + ".png")



# ---------------------------------------------------------------------------
# all

# STeP's published figures the summary sets ours against (reference/step.md
# §8 and §9; reference/anchor_runs.md for the reruns of STeP's simulator).
STEP_DT_CALIBRATION = {16: 4_644_999, 64: 2_813_010, "dyn": 2_782_672}
STEP_DT_ANCHOR = {8: 7_418_870, 16: 4_644_975, 32: 2_810_596, 64: 2_810_632,
                  "dyn": 2_817_876}
STEP_DT_BYTES = {16: (4_229_431_552, 18_915_330), 64: (2_820_145_408, 37_789_698),
                 "dyn": (2_820_145_408, 18_915_330)}
# Time-mux, (tiling, P) -> (cycles, on-chip bytes or None, compute util %):
# STeP's whole published sweep (step_artifact timeshare_mem_bound/figure/
# qwen_2048_768_iter032_layer_012_n32_f48_timeshare_membound_revet_128_4.csv
# and ..._round_1_f48_timeshare_membound_dyn_tile_09071731.csv; the dynamic
# script records on-chip bytes only at P = 128).
STEP_TM = {("static", 128): (789_895, 82_595_842, 6.91),
           ("static", 64): (715_519, 66_998_274, 13.07),
           ("static", 32): (796_725, 44_716_034, 18.23),
           ("static", 16): (839_090, 32_460_802, 23.94),
           ("static", 8): (1_004_877, 24_662_018, 24.72),
           ("static", 4): (1_888_072, 20_205_570, 14.92),
           ("dyn", 128): (713_539, 47_992_834, 2.01),
           ("dyn", 64): (704_732, None, 3.48),
           ("dyn", 32): (754_098, None, 5.05),
           ("dyn", 16): (769_760, None, 6.84),
           ("dyn", 8): (796_622, None, 8.18),
           ("dyn", 4): (1_280_865, None, 5.77),
           ("dyn", 2): (2_189_778, None, 3.62)}
TM_REGIONS = {"static": "128,64,32,16,8,4", "dyn": "128,64,32,16,8,4,2"}
STEP_DP_MED64 = {  # first data row of the batch -> coarse, interleaved, dynamic
    4007: (70_210, 64_362, 49_094),
    3123: (66_610, 79_782, 57_669),
    733: (52_164, 66_244, 42_671)}

# The sweeps of `all`: (label, model, batch, routing file relative to ROOT,
# tiles, where the routing comes from).
DT_SWEEPS = [
    ("mixtral_b64", "mixtral-8x7b", 64, "examples/moe_expert/routing_calibration.csv",
     "8,16,32,64,dyn", "STeP's per-expert counts (iter 8, layer 10), synthetic token order"),
    ("mixtral_b1024", "mixtral-8x7b", 1024,
     "examples/moe_expert/routing_mixtral_b1024_counts_shuffled.csv",
     "16,32,64,128,256,512,1024,dyn",
     "STeP's per-expert counts (iter 19, layer 9), shuffled token order"),
    ("qwen_b64", "qwen3-30b-a3b", 64,
     "examples/moe_expert/routing_qwen_b64_synthetic_idle_regions.csv",
     "8,16,32,64,dyn", "synthetic, with the statistics STeP reports for its trace "
     "and the idle time-mux regions its on-chip bytes imply"),
]
# Which Qwen3 stand-in DT_SWEEPS uses (time_mux_seed_spread.py's name for it):
# `idle_regions` (gen_routing_synthetic.py --idle-regions 64:18,32:6,16:1,8:0,4:0)
# reproduces every published fact `plain` does plus the idle regions per P
# (examples/moe_expert/README.md).
QWEN_STANDIN = "idle_regions"
# v1 paper's static points (step.md §8.1): tiles {16, 64} at B=64, {256, 1024} at B=1024.
V1_TILES = {64: (16, 64), 1024: (256, 1024)}


def geomean(values):
    values = list(values)
    if not values:
        return float("nan")
    prod = 1.0
    for v in values:
        prod *= v
    return prod ** (1.0 / len(values))


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def run_self(args, log):
    """Runs a subcommand of this script, echoing its output into the log."""
    cmd = [sys.executable, os.path.abspath(__file__)] + args
    print("$ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd[1:]),
          flush=True)
    t0 = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True)
    log.append((args[0], out.stdout, out.stderr))
    if out.returncode != 0:
        raise Failure(f"{args[0]} failed:\n{out.stderr.strip() or out.stdout.strip()}")
    print(f"  done in {time.time() - t0:.1f} s", flush=True)
    return out.stdout


def pct(ours, theirs):
    return f"{(ours / theirs - 1) * 100:+.1f}%"


def all_figures(a):
    start = time.time()
    outdir = a.out_dir
    os.makedirs(outdir, exist_ok=True)
    common = ["--build", a.build]
    log = []
    summary = []   # (section, claim, STeP, ours, note)
    calib = []     # (experiment, point, STeP, ours, difference)

    # 1. Dynamic tiling.
    dt = {}
    for label, model, batch, routing, tiles, source in DT_SWEEPS:
        path = os.path.join(ROOT, routing)
        if not os.path.isfile(path):
            raise Failure(f"routing file {routing} not found")
        out = os.path.join(outdir, f"dyn_tiling_{label}.csv")
        run_self(["dyn-tiling", "--model", model, "--batch", str(batch), "--routing", path,
                  "--tiles", tiles, "--out", out] + common, log)
        dt[label] = (model, batch, read_csv(out), source)
    cyc_ratios, mem_ratios, used = [], [], []
    for label, (model, batch, rows, _) in dt.items():
        by_tile = {r["tile"]: r for r in rows}
        dyn = by_tile.get("dyn")
        for t in V1_TILES.get(batch, ()):
            r = by_tile.get(str(t))
            if dyn and r:
                cyc_ratios.append(int(r["cycles"]) / int(dyn["cycles"]))
                mem_ratios.append(int(r["onchip_bytes"]) / int(dyn["onchip_bytes"]))
                used.append(f"{label}/{t}")
    note = ("geomean of static/dynamic over " + ", ".join(used)
            + "; STeP's Qwen B=1024 trace is not available, so its two points are missing")
    summary.append(("dynamic tiling", "speedup (geomean, v1)", "1.45x",
                    f"{geomean(cyc_ratios):.2f}x", note))
    summary.append(("dynamic tiling", "on-chip memory saving (geomean, v1)", "2.18x",
                    f"{geomean(mem_ratios):.2f}x",
                    "same points; STeP's own CSVs give 2.09x by this rule (step.md §8.1)"))
    step_pid = {"mixtral_b64": "1.33x", "qwen_b64": "2.11x", "mixtral_b1024": "1.86x"}
    for label, (model, batch, rows, source) in dt.items():
        static = [(r["tile"], int(r["cycles"]), int(r["onchip_bytes"])) for r in rows
                  if r["tile"] != "dyn"]
        dyn = next((r for r in rows if r["tile"] == "dyn"), None)
        if static and dyn:
            d, q = pid(pareto_frontier(static), int(dyn["cycles"]), int(dyn["onchip_bytes"]))
            summary.append(("dynamic tiling", f"PID {model} B={batch} (ASPLOS)",
                            step_pid.get(label, "-"), f"{d:.2f}x",
                            f"vs tile {q[0]}; routing: {source}"))
    rows = {r["tile"]: r for r in dt["mixtral_b64"][2]}
    for t in (8, 16, 32, 64, "dyn"):
        r = rows.get(str(t))
        if r:
            c = int(r["cycles"])
            calib.append(("dyn-tiling Mixtral B=64", f"tile {t} cycles",
                          f"{STEP_DT_ANCHOR[t]:,} (rerun)", f"{c:,}", pct(c, STEP_DT_ANCHOR[t])))
            if t in STEP_DT_CALIBRATION:
                calib.append(("", f"tile {t} cycles (paper v1)",
                              f"{STEP_DT_CALIBRATION[t]:,}", f"{c:,}",
                              pct(c, STEP_DT_CALIBRATION[t])))
            if t in STEP_DT_BYTES:
                off, on = STEP_DT_BYTES[t]
                calib.append(("", f"tile {t} off-chip / on-chip B", f"{off:,} / {on:,}",
                              f"{int(r['offchip_bytes']):,} / {int(r['onchip_bytes']):,}",
                              f"{pct(int(r['offchip_bytes']), off)} / "
                              f"{pct(int(r['onchip_bytes']), on)}"))

    # 2. Time-multiplexing (Qwen3 B=64).
    qwen_routing = os.path.join(ROOT, DT_SWEEPS[2][3])
    tm = {}
    for tiling, label in (("static:32", "static"), ("dyn", "dyn")):
        fname = "static32" if label == "static" else label
        out = os.path.join(outdir, f"time_mux_qwen_b64_{fname}.csv")
        run_self(["time-mux", "--model", "qwen3-30b-a3b", "--batch", "64", "--routing",
                  qwen_routing, "--tiling", tiling, "--regions", TM_REGIONS[label],
                  "--out", out] + common, log)
        tm[label] = {int(r["regions"]): r for r in read_csv(out)}
    # The seed spread of the stand-ins (examples/moe_expert/time_mux_seed_spread.py):
    # cycles at every P over eight seeds of the same generator.
    spread, bands, seeds = {}, {}, set()
    seeds_csv = os.path.join(outdir, "time_mux_qwen_b64_seeds.csv")
    spread_cmd = [sys.executable, os.path.join(ROOT, "examples", "moe_expert",
                                               "time_mux_seed_spread.py"),
                  "--build", a.build, "--out", seeds_csv]
    print("$ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c
                          for c in spread_cmd[1:]), flush=True)
    t0 = time.time()
    out = subprocess.run(spread_cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise Failure("time_mux_seed_spread.py failed:\n"
                      + (out.stderr.strip() or out.stdout.strip()))
    print(f"  done in {time.time() - t0:.1f} s", flush=True)
    if os.path.isfile(seeds_csv):
        for r in read_csv(seeds_csv):
            if r["standin"] == QWEN_STANDIN:
                bands.setdefault((r["tiling"], int(r["regions"])), []).append(int(r["cycles"]))
                seeds.add(int(r["seed"]))
        spread = {label: bands.get((label, 32)) for label in ("static", "dyn")}
    gains = []
    for label, claim in (("static", "2.64x"), ("dyn", "2.51x")):
        base, p32 = tm[label].get(128), tm[label].get(32)
        if base and p32:
            g = float(p32["compute_util_pct"]) / float(base["compute_util_pct"])
            gains.append(g)
            over = int(p32["cycles"]) / int(base["cycles"]) * 100 - 100
            ref = STEP_TM[(label, 32)][0]
            note = (f"cycle overhead {over:+.1f}% (STeP "
                    f"{STEP_TM[(label, 32)][0] / STEP_TM[(label, 128)][0] * 100 - 100:+.1f}%); "
                    "P=32 depends on which experts share a region, which the synthetic "
                    "routing only partly fixes")
            if spread.get(label):
                c = sorted(spread[label])
                note += (f" (seeds of the same stand-in give {c[0] / 1000:.0f}k-"
                         f"{c[-1] / 1000:.0f}k cycles, STeP {ref / 1000:.0f}k; "
                         "time_mux_qwen_b64_seeds.csv)")
            summary.append(("time-multiplexing", f"utilization gain P=32 vs 128, {label} tiling",
                            claim, f"{g:.2f}x", note + "; examples/moe_expert/README.md"))
        for p in sorted((p for (t, p) in STEP_TM if t == label), reverse=True):
            r = tm[label].get(p)
            ref = STEP_TM[(label, p)]
            if r:
                c = int(r["cycles"])
                calib.append((f"time-mux {label} P={p}", "cycles", f"{ref[0]:,}", f"{c:,}",
                              pct(c, ref[0])))
                band = sorted(bands.get((label, p), []))
                if band:
                    calib.append(("", f"cycles, {len(seeds)} seeds {min(seeds)}-{max(seeds)}",
                                  f"{ref[0]:,}", f"{band[0]:,} - {band[-1]:,}",
                                  f"{pct(band[0], ref[0])} .. {pct(band[-1], ref[0])}"))
                calib.append(("", "compute util %", f"{ref[2]:.2f}",
                              f"{float(r['compute_util_pct']):.2f}", ""))
                if ref[1]:
                    calib.append(("", "on-chip B", f"{ref[1]:,}",
                                  f"{int(r['onchip_bytes']):,}",
                                  pct(int(r["onchip_bytes"]), ref[1])
                                  + (" (by construction)" if label == "static" and p < 128
                                     and QWEN_STANDIN == "idle_regions" else "")))
    summary.append(("time-multiplexing", "compute utilization (geomean, v1)", "2.57x",
                    f"{geomean(gains):.2f}x",
                    "Qwen routing is synthetic with STeP's reported statistics"
                    + (" and idle regions per P" if QWEN_STANDIN == "idle_regions" else "")))

    # 3. Dynamic parallelization.
    dp_rows = []
    for bs in (16, 64, 80):
        out = os.path.join(outdir, f"dyn_par_b{bs}.csv")
        run_self(["dyn-par", "--batch-size", str(bs), "--class", "high,med,low",
                  "--mock-bf16", "--out", out] + common, log)
        dp_rows += read_csv(out)
    by_batch = {}
    for r in dp_rows:
        by_batch.setdefault((r["batch_id"], int(r["batch_size"]), r["class"]), {})[
            r["strategy"]] = int(r["cycles"])
    vs_int = [v["interleaved"] / v["dynamic"] for v in by_batch.values()
              if "interleaved" in v and "dynamic" in v]
    vs_coarse = [v["coarse"] / v["dynamic"] for v in by_batch.values()
                 if "coarse" in v and "dynamic" in v]
    summary.append(("dynamic parallelization", "speedup vs static (geomean, v1)", "1.5x",
                    f"{geomean(vs_int + vs_coarse):.2f}x",
                    f"over both static designs, {len(by_batch)} batches of 16/64/80"))
    summary.append(("dynamic parallelization", "speedup vs interleaved (geomean, ASPLOS)",
                    "1.36x", f"{geomean(vs_int):.2f}x", ""))
    summary.append(("dynamic parallelization", "speedup vs coarse (geomean, ASPLOS)",
                    "1.85x", f"{geomean(vs_coarse):.2f}x", ""))
    for (bid, bs, cls), v in sorted(by_batch.items()):
        m = re.match(r"b(\d+)_s(\d+)_e(\d+)", bid)
        if bs == 64 and m and int(m.group(2)) in STEP_DP_MED64:
            ref = STEP_DP_MED64[int(m.group(2))]
            for i, strat in enumerate(("coarse", "interleaved", "dynamic")):
                if strat in v:
                    calib.append((f"dyn-par B=64 med {bid}" if i == 0 else "", strat,
                                  f"{ref[i]:,}", f"{v[strat]:,}", pct(v[strat], ref[i])))

    # Summary.
    lines = ["# STeP's evaluation reproduced with step", "",
             f"`scripts/reproduce_step.py all`, {time.time() - start:.0f} s on this machine.", "",
             "## Headline claims (reference/step.md §9)", "",
             "| optimization | claim | STeP | step | how ours is computed |",
             "|---|---|---|---|---|"]
    lines += [f"| {a_} | {b} | {c} | {d} | {e} |" for a_, b, c, d, e in summary]
    lines += ["", "## Calibration points", "",
              "| experiment | point | STeP | step | difference |", "|---|---|---|---|---|"]
    lines += [f"| {a_} | {b} | {c} | {d} | {e} |" for a_, b, c, d, e in calib]
    text = "\n".join(lines) + "\n"
    path = os.path.join(outdir, "summary.md")
    write_atomically(path, lambda tmp: open(tmp, "w").write(text))
    print()
    print(text)
    print(f"wrote {path}")


# ---------------------------------------------------------------------------

def reexec_with_system_python():
    """The plots need Debian's python3-matplotlib. When this interpreter lacks
    it (a pyenv or venv python3 first on PATH) but Debian's /usr/bin/python3
    has it, run again under that one."""
    try:
        import matplotlib  # noqa: F401
        return
    except ImportError:
        pass
    system = "/usr/bin/python3"
    if os.environ.get("REPRODUCE_STEP_REEXEC") or not os.access(system, os.X_OK):
        return
    if os.path.realpath(sys.executable) == os.path.realpath(system):
        return
    probe = subprocess.run([system, "-c", "import matplotlib"], capture_output=True)
    if probe.returncode == 0:
        os.environ["REPRODUCE_STEP_REEXEC"] = "1"
        os.execv(system, [system, os.path.abspath(__file__)] + sys.argv[1:])

# time-mux

REPORT_OP_RE = re.compile(r'^  (step\.\w+)(?: "([^"]+)")? \(line (\d+)\)')
SYMBOL_RE = re.compile(r"\bB(\d+)\b")
TENSOR_RE = re.compile(r"^w\d+_(e|r)(\d+)$")
WEIGHT_SHAPE_RE = re.compile(r'step\.linear_load "w1_e0" \[(\d+), (\d+)\]')


def parse_tiling(text):
    if text == "dyn":
        return "dyn", None
    m = re.fullmatch(r"static:([0-9]+)", text)
    if not m or int(m.group(1)) <= 0:
        raise Failure(f"bad --tiling '{text}': expected static:N (N > 0) or dyn")
    return f"static:{m.group(1)}", int(m.group(1))


def parse_regions(text):
    out = []
    for item in text.split(","):
        item = item.strip()
        if not re.fullmatch(r"[0-9]+", item) or int(item) <= 0:
            raise Failure(f"bad --regions value '{item}': expected positive integers")
        if int(item) in out:
            raise Failure(f"bad --regions value: {item} is listed twice")
        out.append(int(item))
    return out


def per_op_onchip(report):
    """(op, tensor, line, on-chip bytes) for every operator of a per-op report."""
    entries, current = [], None
    for line in report.splitlines():
        m = REPORT_OP_RE.match(line)
        if m:
            current = [m.group(1), m.group(2), int(m.group(3)), 0]
            entries.append(current)
            continue
        m = ONCHIP_RE.search(line)
        if m and current is not None and "on-chip:" in line:
            current[3] = int(m.group(1))
    return entries


def idle_onchip(report, mlir_lines, counts, per_region):
    """On-chip bytes STeP's script subtracts: the token-packing accum of every
    expert without tokens, and the repeat, weight loads and down accum of
    every region (of `per_region` experts) that got no token at all."""
    experts = len(counts)
    idle_region = [sum(counts[r * per_region:(r + 1) * per_region]) == 0
                   for r in range(experts // per_region)]
    saved = 0
    for op, tensor, line, onchip in per_op_onchip(report):
        if not onchip:
            continue
        text = mlir_lines[line - 1]
        region = None
        if tensor and TENSOR_RE.match(tensor):
            kind, idx = TENSOR_RE.match(tensor).groups()
            region = int(idx) // per_region if kind == "e" else int(idx)
        elif op in ("step.repeat", "step.accum"):
            m = SYMBOL_RE.search(text.split(":", 1)[1] if ":" in text else text)
            if not m:
                continue  # the top-k sum: no expert
            expert = int(m.group(1))
            body = "\n".join(mlir_lines[line:line + 6])
            if op == "step.accum" and "step.retile_rows" in body:
                if counts[expert] == 0:
                    saved += onchip  # an idle expert's token packing
                continue
            region = expert // per_region
        if region is not None and idle_region[region]:
            saved += onchip
    return saved, sum(idle_region)


def time_mux_point(a, gen_path, regions, experts, counts, tmp, tools):
    gen, opt, sim = tools
    path = os.path.join(tmp, f"moe_p{regions}.mlir")
    run([opt, gen_path, f"--step-time-multiplex=regions={regions}", "-o", path],
        f"step-opt --step-time-multiplex=regions={regions}")
    bind = ",".join(f"B{i}={c}" for i, c in enumerate(counts))
    report = run([opt, path, "--step-insert-broadcast",
                  f"--step-report-cost=bind={bind} per-op=true", "-o", os.devnull],
                 f"step-opt --step-report-cost (regions={regions})")
    m = COST_RE["onchip"].search(report)
    if not m:
        raise Failure(f"no total on-chip memory in the cost report (regions={regions})")
    with open(path) as f:
        lines = f.read().split("\n")
    saved, idle_regions = idle_onchip(report, lines, counts, experts // regions)
    start = time.monotonic()
    out = run([sim, path, "--arch", os.path.join(ROOT, "arch", "sn40l_like.pbtxt"),
               "--bind", f"routing={os.path.abspath(a.routing)}", "--mock-bf16", "--quiet"],
              f"step-sim (regions={regions})")
    wall = time.monotonic() - start
    cm = re.search(r"^cycles: (\d+)", out, re.M)
    if not cm:
        raise Failure(f"step-sim printed no cycle count (regions={regions}):\n{out}")
    return {"regions": regions, "cycles": int(cm.group(1)),
            "onchip_bytes": int(m.group(1)) - saved, "idle_regions": idle_regions,
            "wall_s": wall}


def time_mux(a):
    label, tile = parse_tiling(a.tiling)
    regions = parse_regions(a.regions)
    tools = tuple(tool(a.build, n) for n in ("step-gen", "step-opt", "step-sim"))
    trace = tool(a.build, "step-trace")
    if not os.path.isfile(a.routing):
        raise Failure(f"routing file {a.routing} not found")
    if a.jobs < 1:
        raise Failure(f"bad --jobs {a.jobs}: expected at least 1")
    rows = []
    with tempfile.TemporaryDirectory(prefix="reproduce_step.") as tmp:
        gen_path = os.path.join(tmp, "moe.mlir")
        run([tools[0], "moe", "--model", a.model, "--batch", str(a.batch),
             "--tiling", "dyn" if tile is None else str(tile), "--tile-f", str(a.tile_f),
             "--compute-bw", str(a.compute_bw), "--channel-depth", str(a.channel_depth),
             *[arg for name in ("experts", "topk", "dim", "inter")
               if getattr(a, name) is not None
               for arg in (f"--{name}", str(getattr(a, name)))],
             "-o", gen_path], "step-gen")
        with open(gen_path) as f:
            text = f.read()
        experts, topk = routing_shape(text)
        m = WEIGHT_SHAPE_RE.search(text)
        if not m:
            raise Failure("could not find expert 0's W1 load in step-gen's output")
        dim, inter = int(m.group(1)), int(m.group(2))
        for p in regions:
            if experts % p:
                raise Failure(f"--regions {p} does not divide the {experts} experts")
        counts = expert_counts(trace, a.routing, experts, topk, a.batch)
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            futures = [pool.submit(time_mux_point, a, gen_path, p, experts, counts, tmp,
                                   tools) for p in regions]
            points = [f.result() for f in futures]
    rows_per_expert = [c if tile is None else -(-c // tile) * tile for c in counts]
    alg_flops = sum(2 * b * dim * inter * 3 + b * inter + 8 * b * dim * inter
                    for b in rows_per_expert)
    bw = a.compute_bw
    for pt in points:
        alloc = pt["regions"] * 5 * bw + experts * bw + bw
        util = alg_flops / pt["cycles"] / alloc * 100
        rows.append({"tiling": label, "regions": pt["regions"], "cycles": pt["cycles"],
                     "onchip_bytes": pt["onchip_bytes"], "alloc_flops_per_cycle": alloc,
                     "compute_util_pct": f"{util:.2f}", "_wall": pt["wall_s"],
                     "_idle": pt["idle_regions"]})
    columns = ["tiling", "regions", "cycles", "onchip_bytes", "alloc_flops_per_cycle",
               "compute_util_pct"]

    write_rows_csv(a.out, columns, rows)

    print(f"{a.model}, batch {a.batch}, {label}, routing {os.path.basename(a.routing)}: "
          f"{counts.count(0)} of {experts} experts without tokens, "
          f"{sum(rows_per_expert)} rows (alg FLOPs {alg_flops:,})")
    print(f"{'P':>5} {'cycles':>10} {'on-chip B':>12} {'idle P':>6} {'alloc':>9} "
          f"{'util %':>7} {'sim s':>6}")
    base = next((r for r in rows if r["regions"] == experts), None)
    for r in rows:
        print(f"{r['regions']:>5} {r['cycles']:>10,} {r['onchip_bytes']:>12,} "
              f"{r['_idle']:>6} {r['alloc_flops_per_cycle']:>9,} "
              f"{r['compute_util_pct']:>7} {r['_wall']:>6.2f}")
    if base:
        for r in rows:
            if r is not base:
                print(f"P={r['regions']}: utilization x"
                      f"{float(r['compute_util_pct']) / float(base['compute_util_pct']):.2f}, "
                      f"cycles {100 * (r['cycles'] / base['cycles'] - 1):+.2f}% vs P={experts}")
    print(f"wrote {a.out}")

    plt = pyplot()
    if plt is None:
        return
    ordered = sorted(rows, key=lambda r: -r["regions"])
    xs = [str(r["regions"]) for r in ordered]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(xs, [float(r["compute_util_pct"]) for r in ordered], color="tab:blue",
           alpha=0.7, label="compute utilization")
    ax.set_xlabel("configured regions P (experts per region = E/P)")
    ax.set_ylabel("compute utilization (%)")
    ax2 = ax.twinx()
    ax2.plot(xs, [r["cycles"] for r in ordered], "o-", color="tab:red", label="cycles")
    ax2.set_ylabel("cycles")
    ax2.set_ylim(bottom=0)
    ax.set_title(f"{a.model} MoE, batch {a.batch}, {label}: time-multiplexing",
                 fontsize=10)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax2.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    save_plot(fig, a.plot or os.path.splitext(a.out)[0] + ".png")


# ---------------------------------------------------------------------------

def main():
    reexec_with_system_python()
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
    d.add_argument("--static-compute-bw", type=int, default=4096,
                   help="FLOPs/cycle of every compute node of the static designs "
                   "(default %(default)s, STeP's run_ws_tile_mn_mk)")
    d.add_argument("--dyn-compute-bw", type=int, default=6400,
                   help="FLOPs/cycle of every compute node of the dynamic design "
                   "(default %(default)s, STeP's run_ws_tile_mn_mk_dyn_tile)")
    d.add_argument("--mock-bf16", action=argparse.BooleanOptionalAction, default=True,
                   help="simulate with step-sim --mock-bf16, as STeP's MoE runs did "
                   "(default on)")
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

    al = sub.add_parser("all", help="every figure and the summary of STeP's claims",
                        description="Runs every sweep (dyn-tiling for Mixtral B=64/1024 "
                        "and Qwen3 B=64, time-mux static and dynamic at every P STeP "
                        "published, dyn-par for batch sizes 16/64/80) and writes "
                        "OUT_DIR/summary.md: each STeP headline claim and calibration "
                        "point next to ours. The Qwen3 routing is the synthetic "
                        "stand-in with idle regions "
                        "(examples/moe_expert/routing_qwen_b64_synthetic_idle_regions.csv); "
                        "the time-mux seed ranges come from "
                        "examples/moe_expert/time_mux_seed_spread.py, run into "
                        "OUT_DIR/time_mux_qwen_b64_seeds.csv.")
    al.add_argument("--out-dir", default=os.path.join(ROOT, "results"),
                    help="where the CSVs, PNGs and summary.md go (default %(default)s)")
    al.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build directory with bin/step-* (default %(default)s)")
    al.set_defaults(func=all_figures)
    t = sub.add_parser("time-mux", help="configuration time-multiplexing of an MoE layer (§8.2)",
                       description="Configuration time-multiplexing of an MoE layer "
                       "(reference/step.md §8.2): P regions shared by E/P experts.")
    t.add_argument("--model", default="qwen3-30b-a3b", help="step-gen model (default %(default)s)")
    t.add_argument("--batch", type=int, default=64, help="tokens (default %(default)s)")
    t.add_argument("--routing", required=True,
                   help="routing trace CSV (token,expert_0,...; see step-trace)")
    t.add_argument("--tiling", default="static:32",
                   help="static:N (N-row token tiles) or dyn (default %(default)s)")
    t.add_argument("--regions", default="128,64,32,16,8,4",
                   help="comma-separated region counts P; each must divide E; P = E is "
                   "the baseline (default %(default)s)")
    for name in ("experts", "topk", "dim", "inter"):
        t.add_argument(f"--{name}", type=int, default=None,
                       help=f"override the model's {name} (step-gen --{name})")
    t.add_argument("--tile-f", type=int, default=48, help="tile_F (default %(default)s)")
    t.add_argument("--compute-bw", type=int, default=1024,
                   help="FLOPs/cycle of every compute node (default %(default)s)")
    t.add_argument("--channel-depth", type=int, default=2,
                   help="FIFO depth (default %(default)s)")
    t.add_argument("--jobs", type=int, default=2,
                   help="points simulated in parallel (default %(default)s)")
    t.add_argument("--out", required=True, help="CSV to write")
    t.add_argument("--build", default=os.path.join(ROOT, "build"),
                   help="build directory with bin/step-* (default %(default)s)")
    t.add_argument("--plot", default=None, help="PNG path (default: next to the CSV)")
    t.set_defaults(func=time_mux)

    a = p.parse_args()
    try:
        a.func(a)
    except Failure as e:
        print(f"{PROG} {a.command}: error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
