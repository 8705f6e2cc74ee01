#!/usr/bin/python3
"""Fusion-granularity exploration of the sparse models (FuseFlow §8.3, Fig. 12).

usage: explore_fusion.py [--models gcn,graphsage,sae,gpt3_bigbird]
                         [--datasets karate,cora] [--presets tiny,imagenet]
                         [--blocks 16,32,64] [--value-block B|same] [--gpt3-decoders N]
                         [--configs unfused,per-layer,full,groups]
                         [--grouping groups=A+B,C ...]
                         [--orders N] [--prune M] [--jobs J] [--out DIR] [--build DIR]
       explore_fusion.py --order-sweep [--sweep-max K] [--out DIR]
       explore_fusion.py --par-sweep [--par-factors 1,2,4,8,16] [--out DIR]
       explore_fusion.py --block-sweep [--blocks 16,32,64] [--gpt3-seq S] [--out DIR]

For every model and dataset (GCN and GraphSAGE on graphs, SAE on size
presets, GPT-3 BigBird on block sizes) and every fusion configuration
(unfused, per-layer = FuseFlow's "partial", full) it

 1. imports the model with `frontends/torch/torch-import --fusion CONFIG`;
 2. simulates it with `frontends/torch/run-step --json --estimate
    --orders N` (each region's fastest of N loop orders; output checked
    against PyTorch). est_flops / est_bytes are the heuristic's estimate
    of the same lowered regions (`step-opt --step-sam-estimate`, FuseFlow's
    coordinate-count heuristic over the lowered graph, fed with the bound
    tensors' statistics; nothing simulated). When the simulation fails or
    times out, `run-step --estimate-only` still gives the estimate (the
    configuration can be pruned without simulating it);
 3. also runs FuseFlow's per-op formula, `step-opt --step-fusion-estimate`,
    on the store's model.mlir with the density of every sparse argument
    computed from the store (P = (nnz / size)^(1/L) for L compressed
    levels, since the pass applies P to each non-dense level):
    est_flops_linalg / est_bytes_linalg (its counts are elements: bytes =
    4 x elements), and _nocopy with copy-per-use=false.

sim_bytes = off-chip bytes read + written. Errors are |est - sim| / sim.

Writes (atomically) OUT/fusion.csv with the columns
model,dataset,config,est_flops,est_bytes,sim_flops,sim_bytes,cycles,
speedup_vs_unfused then flops_err_pct,bytes_err_pct,orders,match,
frontend_s,compile_s,est_note,note; OUT/fusion_regions.csv (the same per
fusion region); est_*_nocopy is the estimate with copy-per-use=false
(no recomputation of a result used twice); OUT/fusion_<model>.png (speedup bars per dataset and
config; estimated vs simulated FLOPs and bytes).

A model whose lowering or simulation fails (GPT-3 BigBird until its
lowering exists) is reported on stderr and appears in the CSV with empty
simulation columns and the reason in `note`.

--value-block B (an integer, or `same`: each mask block of --blocks):
FuseFlow's sparsity blocking for GPT-3, every configuration run with
`run-step --block B` (values are B x B tiles; see frontends/README.md);
the dataset column names it, e.g. `block16-seq1024-hidden768-vblock16`.

--gpt3-decoders N: GPT-3 as N decoder blocks (gpt3_bigbird.py --decoders N)
instead of the attention block; every configuration is lowered with
`run-step --chain-first` (under the default numbering the FFN chain is
recomputed per output column at order 0 and does not finish). The results
go to OUT/fusion_gpt3_decoders.csv, OUT/fusion_gpt3_decoders_regions.csv
and OUT/fusion_gpt3_decoders.png (fusion.csv is left alone).

--configs takes unfused, per-layer, full (torch-import --fusion) and
`groups`, which stands for the enumerated explicit
groupings of GCN and GraphSAGE (nothing for the other models): their
layers' stages in program order (STAGES: per layer the aggregation and the
transform; GraphSAGE's transform is split into the neighbor and the self
term plus the sum), every partition of that sequence into contiguous runs
(2^(n-1) for n stages: 8 for GCN, 8 for GraphSAGE), except the one-group
run (= full) and the run cut at the layer boundaries only (= per-layer).
Contiguous runs of a topological order cannot form a region cycle. The
config name is the grouping (`groups=matmul,layer1.linear+relu+...`).
--grouping groups=A+B,C (repeatable) adds one explicit grouping of
torch-import's syntax to every model.

--order-sweep: FuseFlow Fig. 18. The per-layer GCN's first layer
(relu(Â X W1ᵀ + b1), the nested matmul) on karate club, simulated for
every loop order the lowering accepts (`run-step --order K --orders 1`),
twice: with adj and x read in storage order only, and with both allowed
from permuted copies (as the weights always are), which admits more
orders. Into OUT/fusion_orders.csv and OUT/fusion_orders.png; prints
best/worst per variant.

--block-sweep: FuseFlow Fig. 17. GPT-3 BigBird attention (full fusion;
sequence 256, hidden 64 unless --gpt3-seq/-hidden) per mask block of
--blocks, simulated with scalar values and with sparsity blocking at the
same block (`run-step --block B`), both checked against PyTorch. Rows of
OUT/fusion_block.csv (per dataset, replacing earlier rows of the same
one): cycles of both, the speedup, the attention region's alone, FLOPs,
bytes, wall seconds.

--par-sweep: FuseFlow Fig. 16, the parallelization factor. GPT-3 BigBird
(full fusion; sequence 64, hidden 64, blocks 16 unless --gpt3-seq/-hidden,
--blocks give others) and the per-layer GCN on karate club, simulated with
their row level forked over each factor of --par-factors (`run-step --par`,
i.e. --step-sam-parallelize): level 1 of every region (the attention
region's result, [seq, heads, 64], is written row-major, so its level 1 is
the query rows too; --models gpt3_bigbird,gcn picks them). Order 0; output checked against PyTorch. Into
OUT/fusion_par.csv (model,dataset,config,factor,levels,cycles,speedup,
match,note, then per-region cycles) and OUT/fusion_par.png.
"""
import argparse
import concurrent.futures as cf
import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
IMPORT = os.path.join(REPO, "frontends", "torch", "torch-import")
RUNSTEP = os.path.join(REPO, "frontends", "torch", "run-step")
MODELS = os.path.join(REPO, "examples", "sparse_models")
COLUMNS = ["model", "dataset", "config", "est_flops", "est_bytes", "sim_flops",
           "sim_bytes", "cycles", "speedup_vs_unfused"]
EXTRA = ["flops_err_pct", "bytes_err_pct", "est_flops_linalg", "est_bytes_linalg",
         "flops_err_linalg_pct", "bytes_err_linalg_pct", "est_flops_nocopy",
         "est_bytes_nocopy", "flops_err_nocopy_pct", "bytes_err_nocopy_pct", "orders",
         "match", "frontend_s", "compile_s", "est_note", "note"]
CONFIGS = ["unfused", "per-layer", "full"]
# Explicit-grouping stages (torch-import --fusion groups= names), in program
# order, and the stage index where each layer after the first starts.
STAGES = {
    "gcn": (["matmul", "layer1.linear+relu", "matmul_1", "layer2.linear+log_softmax"], [2]),
    "graphsage": (["matmul+layer1.lin_nbr", "layer1.lin_self+add+relu",
                   "matmul_1+layer2.lin_nbr", "layer2.lin_self+add_1+log_softmax"], [2]),
}


def groupings(model):
    """The explicit groupings explored for `model` (see the usage text)."""
    if model not in STAGES:
        return []
    stages, layer_cuts = STAGES[model]
    n = len(stages)
    out = []
    for mask in range(1 << (n - 1)):
        cuts = [i + 1 for i in range(n - 1) if mask >> i & 1]
        if not cuts or cuts == layer_cuts:
            continue  # full, per-layer
        bounds = [0] + cuts + [n]
        out.append("groups=" + ",".join("+".join(stages[a:b]) for a, b in zip(bounds, bounds[1:])))
    return out


def configs_for(model, configs, extra=()):
    """--configs for one model, `groups` expanded."""
    out = []
    for c in configs:
        out += groupings(model) if c == "groups" else [c]
    return out + [g for g in extra if g not in out]
_lock = threading.Lock()


GPT3_SIZE = {"seq": 0, "hidden": 0, "decoders": 0}


def log(msg):
    with _lock:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, timeout=None):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def densities(store):
    """density=NAME:P for every sparse tensor of the store's manifest."""
    man = json.load(open(os.path.join(store, "manifest.json")))
    out = []
    for name, t in man["tensors"].items():
        levels = t.get("levels")
        if t.get("format", "dense") == "dense" or not levels:
            continue
        ncomp = sum(1 for lv in levels if lv != "dense")
        size = float(np.prod(t["shape"]))
        d = t["nnz"] / size if size else 1.0
        if ncomp == 0 or d <= 0:
            continue
        out.append(f"{name}:{min(1.0, d ** (1.0 / ncomp)):.6g}")
    return ",".join(out)


def estimate(a, store, extra=""):
    """(ops, elements, {region: (ops, elements)}, note) of the heuristic."""
    opt = os.path.join(a.build, "bin", "step-opt")
    mlir = os.path.join(store, "model.mlir")
    dens = densities(store)
    note = ""
    p = run([opt, mlir, f"--step-fusion-estimate={extra}density={dens}", "-o", os.devnull])
    if p.returncode and "has a cycle" in p.stderr:
        # Dataflow edges (Alg. 1 step 3) can close a cycle with a sparse
        # operand's storage order; the lowering reads such operands from
        # permuted copies instead. Estimate without them.
        note = "dataflow-edges=false (cycle)"
        p = run([opt, mlir, f"--step-fusion-estimate={extra}dataflow-edges=false "
                 f"density={dens}", "-o", os.devnull])
    if p.returncode:
        return None, None, {}, "estimate failed: " + p.stderr.strip().splitlines()[-1][:200]
    text = p.stdout + p.stderr
    m = re.search(r"module estimate: ops ([0-9.e+-]+), bytes ([0-9.e+-]+)", text)
    if not m:
        return None, None, {}, "no 'module estimate' line"
    regions = {r: (float(o), float(b)) for r, o, b in re.findall(
        r"total @(\w+): ops ([0-9.e+-]+), bytes ([0-9.e+-]+)", text)}
    return float(m.group(1)), float(m.group(2)), regions, note


def job_args(model, dataset, a):
    """torch-import model options for one (model, dataset)."""
    if model in ("gcn", "graphsage"):
        return [] if dataset == "karate" else ["--graph", graph_store(a, dataset)]
    if model == "sae":
        return ["--preset", dataset]
    if model == "gpt3_bigbird":
        extra = []
        if GPT3_SIZE["seq"]:
            extra += ["--seq", str(GPT3_SIZE["seq"])]
        if GPT3_SIZE["hidden"]:
            extra += ["--hidden", str(GPT3_SIZE["hidden"])]
        if GPT3_SIZE["decoders"]:
            extra += ["--decoders", str(GPT3_SIZE["decoders"])]
        return ["--block", dataset.removeprefix("block").split("-")[0]] + extra
    raise ValueError(model)


def value_block(dataset):
    """The value block size of a GPT-3 dataset name (`-vblockB`), 0 if none."""
    m = re.search(r"-vblock(\d+)", dataset)
    return int(m.group(1)) if m else 0


_graphs = {}


def graph_store(a, dataset):
    with _lock:
        if dataset in _graphs:
            return _graphs[dataset]
        d = os.path.join(a.work, "graph_" + dataset)
        p = run([os.path.join(MODELS, "graphs.py"), "--dataset", dataset, "-o", d])
        if p.returncode:
            raise RuntimeError(f"graphs.py --dataset {dataset}: {p.stderr.strip()}")
        _graphs[dataset] = d
        return d


def one(a, model, dataset, config):
    tag = f"{model}/{dataset}/{config}"
    row = {"model": model, "dataset": dataset, "config": config, "orders": a.orders}
    # Groupings differ only in separators ("a,b+c" / "a+b,c"): the digest
    # keeps their stores apart.
    store = os.path.join(a.work, re.sub(r"[^A-Za-z0-9_.-]", "_", f"{model}_{dataset}_{config}")
                         + "_" + hashlib.sha1(config.encode()).hexdigest()[:8])
    log(f"{tag}: import")
    t0 = time.time()
    p = run([IMPORT, os.path.join(MODELS, model + ".py"), "--fusion", config,
             "--timing", "-o", store] + job_args(model, dataset, a))
    row["frontend_s"] = round(time.time() - t0, 3)
    m = re.search(r"total ([0-9.]+)", p.stderr)
    row["frontend_trace_ms"] = float(m.group(1)) if m else ""
    if p.returncode:
        row["note"] = "import failed: " + p.stderr.strip().splitlines()[-1][:200]
        log(f"{tag}: {row['note']}")
        return row, []
    ops, elems, est_regions, row["est_note"] = estimate(a, store)
    if ops is not None:
        row["est_flops_linalg"] = ops
        row["est_bytes_linalg"] = 4 * elems
    # The same heuristic without a copy per use (no recomputation at all):
    # with the default estimate it brackets what the lowering recomputes.
    ops_nc, elems_nc, _, _ = estimate(a, store, "copy-per-use=false ")
    if ops_nc is not None:
        row["est_flops_nocopy"] = ops_nc
        row["est_bytes_nocopy"] = 4 * elems_nc
    log(f"{tag}: simulate (--orders {a.orders})")
    t0 = time.time()
    cmd = [RUNSTEP, store, "--json", "--estimate", "--orders", str(a.orders), "--build", a.build,
           "--prune-by-estimate", str(a.prune),
           "--timeout", str(a.timeout), "--mem-gb", str(a.mem_gb)]
    if model == "gpt3_bigbird" and GPT3_SIZE["decoders"]:
        cmd.append("--chain-first")
    vblock = value_block(dataset)
    if vblock:
        cmd += ["--block", str(vblock)]
    try:
        p = run(cmd, timeout=a.timeout * a.orders * 20 + 60)
    except subprocess.TimeoutExpired:
        p = None
    sim_s = time.time() - t0
    regions = []
    if p is None or p.returncode not in (0, 1) or not p.stdout.strip():
        msg = "timeout" if p is None else (p.stderr.strip() or f"exit {p.returncode}")
        lines = [ln for ln in msg.splitlines() if ln.strip()]
        row["note"] = "run-step failed: " + " | ".join(lines[:3])[:300]
        log(f"{tag}: SKIPPED ({row['note']})")
        # The heuristic needs no simulation: order 0's estimate, and its
        # lowering's time still counts as the compile time.
        q = run([RUNSTEP, store, "--json", "--estimate-only", "--build", a.build]
                + (["--block", str(vblock)] if vblock else [])
                + (["--chain-first"] if "--chain-first" in cmd else []))
        if q.returncode == 0 and q.stdout.strip():
            est = json.loads(q.stdout.strip().splitlines()[-1])
            row["compile_s"] = est.get("compile_seconds")
            tot = est["total"]
            row["est_flops"] = tot.get("est_flops")
            row["est_bytes"] = tot.get("est_bytes_read", 0) + tot.get("est_bytes_written", 0)
            row["est_note"] = ((row.get("est_note") or "") + " estimate of order 0, not simulated").strip()
    else:
        res = json.loads(p.stdout.strip().splitlines()[-1])
        tot = res["total"]
        row.update(sim_flops=tot["flops"], sim_bytes=tot["bytes_read"] + tot["bytes_written"],
                   cycles=tot["cycles"], match=res["match"],
                   compile_s=res["compile_seconds"], est_flops=tot.get("est_flops"),
                   est_bytes=tot.get("est_bytes_read", 0) + tot.get("est_bytes_written", 0))
        if not res["match"]:
            row["note"] = f"output differs from PyTorch (max abs {res['max_abs_error']})"
        for r in res["regions"]:
            e = est_regions.get(r["region"], (None, None))
            regions.append({"model": model, "dataset": dataset, "config": config,
                            "region": r["region"], "order": r["order"],
                            "loop_order": r["loop_order"],
                            "est_flops": r.get("est_flops"),
                            "est_bytes": r.get("est_bytes_read", 0) + r.get("est_bytes_written", 0),
                            "est_flops_linalg": e[0],
                            "est_bytes_linalg": None if e[1] is None else 4 * e[1],
                            "sim_flops": r["flops"],
                            "sim_bytes": r["bytes_read"] + r["bytes_written"],
                            "cycles": r["cycles"]})
        log(f"{tag}: cycles {tot['cycles']} ({sim_s:.1f} s)")
    if not a.keep:
        shutil.rmtree(store, ignore_errors=True)
    return row, regions


def err(est, sim):
    if est in (None, "") or sim in (None, "", 0):
        return ""
    return round(100.0 * abs(est - sim) / sim, 2)


def fmt(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    return "" if v is None else v


def read_csv(path):
    """Rows of an earlier fusion CSV, numbers as numbers (for --merge)."""
    if not os.path.exists(path):
        return []
    out = []
    for r in csv.DictReader(open(path)):
        for k, v in r.items():
            try:
                r[k] = int(v) if re.fullmatch(r"-?[0-9]+", v) else float(v)
            except ValueError:
                r[k] = None if v == "" else v
        out.append(r)
    return out


def write_csv(path, cols, rows):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", suffix=".tmp")
    with os.fdopen(fd, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            w.writerow([fmt(r.get(c)) for c in cols])
    os.replace(tmp, path)


def plot(out, model, rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    dsets = list(dict.fromkeys(r["dataset"] for r in rows))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.2))
    configs = list(dict.fromkeys(r["config"] for r in rows))
    w = 0.8 / len(configs)
    for i, c in enumerate(configs):
        ys = [next((r.get("speedup_vs_unfused") or 0 for r in rows
                    if r["dataset"] == d and r["config"] == c), 0) for d in dsets]
        xs = np.arange(len(dsets)) + i * w
        ax1.bar(xs, ys, w, label=c)
        for x, y in zip(xs, ys):
            ax1.text(x, y, f"{y:.2f}" if y else "n/a", ha="center", va="bottom", fontsize=7)
    ax1.axhline(1.0, color="gray", lw=0.8)
    ax1.set_xticks(np.arange(len(dsets)) + w * (len(configs) - 1) / 2, dsets)
    ax1.set_ylabel("speedup over unfused (cycles)")
    ax1.set_title(f"{model}: fusion granularity")
    ax1.legend(fontsize=8 if len(configs) <= 4 else 5)
    for key, mk in (("flops", "o"), ("bytes", "s")):
        pts = [(r[f"sim_{key}"], r[f"est_{key}"]) for r in rows
               if r.get(f"sim_{key}") and r.get(f"est_{key}")]
        if pts:
            ax2.scatter(*zip(*pts), marker=mk, label=key)
    lim = [v for r in rows for k in ("sim_flops", "est_flops", "sim_bytes", "est_bytes")
           for v in [r.get(k)] if v]
    if lim:
        lo, hi = min(lim) / 2, max(lim) * 2
        ax2.plot([lo, hi], [lo, hi], color="gray", lw=0.8)
        ax2.set_xscale("log")
        ax2.set_yscale("log")
    ax2.set_xlabel("simulated (FLOPs / bytes)")
    ax2.set_ylabel("heuristic estimate (--step-sam-estimate)")
    ax2.set_title("estimate vs simulation (one point per dataset x config)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, f"fusion_{model}.png"), dpi=110)
    plt.close(fig)


def explore(a):
    datasets = {"gcn": a.datasets, "graphsage": a.datasets, "sae": a.presets,
                "gpt3_bigbird": ["block" + b + (f"-seq{a.gpt3_seq}" if a.gpt3_seq else "")
                                 + (f"-hidden{a.gpt3_hidden}" if a.gpt3_hidden else "")
                                 + (f"-dec{a.gpt3_decoders}" if a.gpt3_decoders else "")
                                 + (f"-vblock{b if a.value_block == 'same' else a.value_block}"
                                    if a.value_block not in ("", "0") else "")
                                 for b in a.blocks]}
    jobs = [(m, d, c) for m in a.models for d in datasets[m] for c in configs_for(m, a.configs, a.grouping)]
    log(f"{len(jobs)} configurations, {a.jobs} in parallel, --orders {a.orders}")
    rows, regions = [], []
    with cf.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = {ex.submit(one, a, *j): j for j in jobs}
        for n, f in enumerate(cf.as_completed(futs), 1):
            r, rg = f.result()
            rows.append(r)
            regions += rg
            log(f"done {n}/{len(jobs)}")
    csv_base = "fusion_gpt3_decoders" if a.gpt3_decoders else "fusion"
    if a.merge:
        old, old_regions = read_csv(os.path.join(a.out, csv_base + ".csv")), read_csv(
            os.path.join(a.out, csv_base + "_regions.csv"))
        done = set(jobs)
        keep = lambda r: (r["model"], r["dataset"], r["config"]) not in done  # noqa: E731
        # Kept rows keep their derived fields as written (recomputing them
        # from the stored, rounded estimates would change their last digit).
        rows += [dict(r, _kept=True) for r in old if keep(r)]
        regions += [dict(r, _kept=True) for r in old_regions if keep(r)]
        jobs = list(dict.fromkeys(jobs + [(r["model"], r["dataset"], r["config"])
                                          for r in old]))
    key = {(m, d, c): i for i, (m, d, c) in enumerate(jobs)}
    rows.sort(key=lambda r: key[(r["model"], r["dataset"], r["config"])])
    regions.sort(key=lambda r: key[(r["model"], r["dataset"], r["config"])])
    for r in rows:
        base = next((u for u in rows if u["model"] == r["model"] and
                     u["dataset"] == r["dataset"] and u["config"] == "unfused"), None)
        if r.get("_kept") and (base is None or base.get("_kept")):
            continue
        r["speedup_vs_unfused"] = None
        if base and base.get("cycles") and r.get("cycles"):
            r["speedup_vs_unfused"] = round(base["cycles"] / r["cycles"], 4)
        if r.get("_kept"):
            continue  # only the speedup depends on a recomputed row
        r["flops_err_pct"] = err(r.get("est_flops"), r.get("sim_flops"))
        r["bytes_err_pct"] = err(r.get("est_bytes"), r.get("sim_bytes"))
        r["flops_err_linalg_pct"] = err(r.get("est_flops_linalg"), r.get("sim_flops"))
        r["bytes_err_linalg_pct"] = err(r.get("est_bytes_linalg"), r.get("sim_bytes"))
        r["flops_err_nocopy_pct"] = err(r.get("est_flops_nocopy"), r.get("sim_flops"))
        r["bytes_err_nocopy_pct"] = err(r.get("est_bytes_nocopy"), r.get("sim_bytes"))
    for r in regions:
        if r.get("_kept"):
            continue
        r["flops_err_pct"] = err(r["est_flops"], r["sim_flops"])
        r["bytes_err_pct"] = err(r["est_bytes"], r["sim_bytes"])
    os.makedirs(a.out, exist_ok=True)
    write_csv(os.path.join(a.out, csv_base + ".csv"), COLUMNS + EXTRA + ["frontend_trace_ms"], rows)
    write_csv(os.path.join(a.out, csv_base + "_regions.csv"),
              ["model", "dataset", "config", "region", "order", "loop_order", "est_flops",
               "est_bytes", "sim_flops", "sim_bytes", "cycles", "flops_err_pct",
               "bytes_err_pct", "est_flops_linalg", "est_bytes_linalg"], regions)
    if not a.no_plots:
        for m in dict.fromkeys(r["model"] for r in rows):
            mr = [r for r in rows if r["model"] == m]
            if any(r.get("cycles") for r in mr):
                plot(a.out, m + ("_decoders" if a.gpt3_decoders and m == "gpt3_bigbird" else ""), mr)
    print(f"{'model':<13}{'dataset':<10}{'config':<10}{'cycles':>10}{'speedup':>9}"
          f"{'FLOPs err%':>12}{'bytes err%':>12}  note")
    for r in rows:
        print(f"{r['model']:<13}{r['dataset']:<10}{r['config']:<10}{fmt(r.get('cycles')):>10}"
              f"{fmt(r.get('speedup_vs_unfused')):>9}{fmt(r.get('flops_err_pct')):>12}"
              f"{fmt(r.get('bytes_err_pct')):>12}  {r.get('note') or ''}")
    return 0


def layer1_store(a, views):
    """A store holding only the per-layer GCN's first region on karate
    (the nested matmul), with its own numpy reference as the output. With
    `views` the sparse inputs adj and x are marked as parameters, so
    run-step lets the lowering read them from permuted copies too."""
    full = os.path.join(a.work, "gcn_karate_per-layer_sweep")
    p = run([IMPORT, os.path.join(MODELS, "gcn.py"), "--fusion", "per-layer", "-o", full])
    if p.returncode:
        sys.exit("explore_fusion: torch-import failed:\n" + p.stderr)
    man = json.load(open(os.path.join(full, "manifest.json")))
    r0 = man["regions"][0]
    src = open(os.path.join(full, man["mlir"])).read()
    # Keep the module header and the first function only.
    start = src.index("  func.func @" + r0["func"] + "(")
    end = src.index("\n  }\n", start) + len("\n  }\n")
    head = src[:src.index("  func.func @")]
    store = os.path.join(a.work, "gcn_karate_layer1" + ("_views" if views else ""))
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(full, store)
    with open(os.path.join(store, man["mlir"]), "w") as fh:
        fh.write(head + src[start:end] + "}\n")
    adj = dense_of(store, man, "adj")
    x = dense_of(store, man, "x")
    w = dense_of(store, man, "layer1_linear_weight")
    b = dense_of(store, man, "layer1_linear_bias")
    ref = np.maximum(adj @ x @ w.T + b, 0).astype(np.float32)
    np.save(os.path.join(store, man["tensors"]["output"]["file"]), ref)
    man["tensors"]["output"]["shape"] = list(ref.shape)
    man["regions"] = [r0]
    if views:
        for arg in man["arguments"]:
            if arg["name"] in ("adj", "x"):
                arg["kind"] = "param"
    json.dump(man, open(os.path.join(store, "manifest.json"), "w"), indent=1)
    return store


def dense_of(store, man, name):
    t = man["tensors"][name]
    if t.get("format", "dense") == "dense":
        return np.load(os.path.join(store, t["file"])).reshape(t["shape"]).astype(np.float64)
    f = t["files"]
    vals = np.load(os.path.join(store, f["vals"]))
    assert t["levels"] == ["compressed", "compressed"], t["levels"]
    s0 = np.load(os.path.join(store, f["levels"][0]["seg"]))
    c0 = np.load(os.path.join(store, f["levels"][0]["crd"]))
    s1 = np.load(os.path.join(store, f["levels"][1]["seg"]))
    c1 = np.load(os.path.join(store, f["levels"][1]["crd"]))
    out = np.zeros(t["shape"])
    for p in range(s0[0], s0[1]):
        for q in range(s1[p], s1[p + 1]):
            out[c0[p], c1[q]] = vals[q]
    return out


def sweep_one(a, views):
    store = layer1_store(a, views)
    tag = "adj,x permuted copies" if views else "storage order"
    rows = []
    for k in range(a.sweep_max):
        p = run([RUNSTEP, store, "--json", "--order", str(k), "--orders", "1",
                 "--build", a.build, "--timeout", str(a.timeout)])
        if p.returncode == 2 and "no lowerable loop order" in p.stderr:
            log(f"{tag}: order {k}: none (the lowering accepts orders 0..{k - 1})")
            break
        if p.returncode not in (0, 1) or not p.stdout.strip():
            msg = p.stderr.strip().splitlines()
            rows.append({"inputs": tag, "order": k,
                         "note": (msg[-1] if msg else f"exit {p.returncode}")[:200]})
            log(f"{tag}: order {k}: failed ({rows[-1]['note']})")
            continue
        res = json.loads(p.stdout.strip().splitlines()[-1])
        r = res["regions"][0]
        if any(q.get("loop_order") == r["loop_order"] for q in rows):
            # --step-lower-sparse clamps K to the region's last order.
            log(f"{tag}: order {k}: same as an earlier one (the lowering accepts "
                f"orders 0..{k - 1})")
            break
        rows.append({"inputs": tag, "order": k, "loop_order": r["loop_order"],
                     "cycles": r["cycles"], "flops": r["flops"],
                     "bytes": r["bytes_read"] + r["bytes_written"], "match": res["match"]})
        log(f"{tag}: order {k} ({r['loop_order']}): cycles {r['cycles']} match {res['match']}")
    return rows


def order_sweep(a):
    groups = [sweep_one(a, False), sweep_one(a, True)]
    os.makedirs(a.out, exist_ok=True)
    write_csv(os.path.join(a.out, "fusion_orders.csv"),
              ["inputs", "order", "loop_order", "cycles", "flops", "bytes", "match", "note"],
              groups[0] + groups[1])
    status = 0
    for rows in groups:
        ok = [r for r in rows if r.get("cycles")]
        if not ok:
            print("no order ran")
            status = 1
            continue
        best = min(ok, key=lambda r: r["cycles"])
        worst = max(ok, key=lambda r: r["cycles"])
        print(f"{rows[0]['inputs']}: {len(ok)} orders simulated ({len(rows) - len(ok)} failed): "
              f"best order {best['order']} ({best['loop_order']}) {best['cycles']} cycles, "
              f"worst order {worst['order']} ({worst['loop_order']}) {worst['cycles']} cycles, "
              f"worst/best {worst['cycles'] / best['cycles']:.2f}x")
    if not a.no_plots:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
        for ax, rows in zip(axes, groups):
            ok = [r for r in rows if r.get("cycles")]
            if not ok:
                continue
            ax.bar([f"{r['order']}\n{r['loop_order']}" for r in ok], [r["cycles"] for r in ok])
            ax.set_yscale("log")
            ax.set_xlabel("order index K / loop order (variables v0..)")
            ratio = max(r["cycles"] for r in ok) / min(r["cycles"] for r in ok)
            ax.set_title(f"{rows[0]['inputs']}: worst/best {ratio:.1f}x", fontsize=10)
            ax.tick_params(axis="x", labelsize=7)
        axes[0].set_ylabel("cycles")
        fig.suptitle("GCN layer 1, relu(Â·X·W1ᵀ + b1), on karate club: dataflow orders")
        fig.tight_layout()
        fig.savefig(os.path.join(a.out, "fusion_orders.png"), dpi=110)
        plt.close(fig)
    return status


def par_sweep(a):
    """FuseFlow Fig. 16: cycles per parallelization factor of the row level."""
    seq = a.gpt3_seq or 64
    hidden = a.gpt3_hidden or 64
    block = a.blocks[0] if a.blocks != ["16", "32", "64"] else "16"
    cases = [("gpt3_bigbird", f"block{block}-seq{seq}-hidden{hidden}", "full",
              ["--seq", str(seq), "--hidden", str(hidden), "--block", block]),
             ("gcn", "karate", "per-layer", [])]
    cases = [c for c in cases if c[0] in a.models]
    rows = []
    for model, dataset, config, extra in cases:
        store = os.path.join(a.work, f"par_{model}_{dataset}")
        p = run([IMPORT, os.path.join(MODELS, model + ".py"), "--fusion", config,
                 "-o", store] + extra)
        if p.returncode:
            sys.exit(f"explore_fusion: torch-import {model} failed:\n" + p.stderr)
        base = None
        for f in a.par_factors:
            # Rows are level 1 of every region (the attention region's
            # [seq, heads, 64] result is written row-major).
            spec = ["--par", f"1={f}"]
            levels = "1"
            t0 = time.time()
            p = run([RUNSTEP, store, "--json", "--build", a.build, "--timeout", str(a.timeout),
                     "--mem-gb", str(a.mem_gb)] + spec)
            row = {"model": model, "dataset": dataset, "config": config, "factor": f,
                   "levels": levels}
            if p.returncode not in (0, 1) or not p.stdout.strip():
                msg = [ln for ln in p.stderr.strip().splitlines() if ln.strip()]
                err = [ln for ln in msg if "error:" in ln and "run-step: error" not in ln]
                row["note"] = ((err or msg)[-1] if msg else f"exit {p.returncode}")[:300]
                log(f"{model} factor {f}: failed ({row['note']})")
                rows.append(row)
                continue
            res = json.loads(p.stdout.strip().splitlines()[-1])
            row.update(cycles=res["total"]["cycles"], match=res["match"])
            for r in res["regions"]:
                row[f"cycles_{r['region']}"] = r["cycles"]
            if f == 1:
                base = row["cycles"]
            if base:
                row["speedup"] = round(base / row["cycles"], 3)
            log(f"{model} factor {f}: cycles {row['cycles']} speedup {row.get('speedup')} "
                f"match {row['match']} ({time.time() - t0:.1f} s)")
            rows.append(row)
    os.makedirs(a.out, exist_ok=True)
    cols = ["model", "dataset", "config", "factor", "levels", "cycles", "speedup", "match", "note"]
    extra_cols = sorted({k for r in rows for k in r if k.startswith("cycles_")})
    write_csv(os.path.join(a.out, "fusion_par.csv"), cols + extra_cols, rows)
    for r in rows:
        print(f"{r['model']:<13} {r['dataset']:<24} factor {r['factor']:>3}: "
              f"cycles {fmt(r.get('cycles')) or '-':>8}  speedup {fmt(r.get('speedup')) or '-':>6}  "
              f"match {r.get('match', '-')}  {r.get('note') or ''}")
    if not a.no_plots:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 4))
        top = max(a.par_factors)
        ax.plot([1, top], [1, top], color="gray", lw=0.8, ls="--", label="linear")
        for model in dict.fromkeys(r["model"] for r in rows):
            ok = [r for r in rows if r["model"] == model and r.get("speedup")]
            if ok:
                ax.plot([r["factor"] for r in ok], [r["speedup"] for r in ok], marker="o",
                        label=f"{model} ({ok[0]['dataset']}, {ok[0]['config']})")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        ax.set_xlabel("parallelization factor of the row level")
        ax.set_ylabel("speedup over factor 1 (cycles)")
        ax.set_title("Stream parallelization (FuseFlow Fig. 16)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(os.path.join(a.out, "fusion_par.png"), dpi=110)
        plt.close(fig)
    return 0 if all(r.get("match") for r in rows if r.get("cycles")) else 1


def block_sweep(a):
    """FuseFlow Fig. 17: the attention block with scalar values against
    sparsity blocking (value block = mask block), per block size."""
    seq = a.gpt3_seq or 256
    hidden = a.gpt3_hidden or 64
    path = os.path.join(a.out, "fusion_block.csv")
    cols = ["model", "dataset", "config", "block", "scalar_cycles", "block_cycles", "speedup",
            "scalar_attn_cycles", "block_attn_cycles", "attn_speedup", "scalar_flops",
            "block_flops", "scalar_bytes", "block_bytes", "match", "scalar_s", "block_s", "note"]
    rows = []
    for b in a.blocks:
        dataset = f"block{b}-seq{seq}-hidden{hidden}"
        store = os.path.join(a.work, f"blk_{dataset}")
        p = run([IMPORT, os.path.join(MODELS, "gpt3_bigbird.py"), "--fusion", "full", "-o", store,
                 "--seq", str(seq), "--hidden", str(hidden), "--block", b])
        if p.returncode:
            sys.exit(f"explore_fusion: torch-import failed:\n{p.stderr}")
        man = json.load(open(os.path.join(store, "manifest.json")))
        attn = next(r["func"] for r in man["regions"] if "mask" in r["inputs"])
        row = {"model": "gpt3_bigbird", "dataset": dataset, "config": "full", "block": b}
        res = {}
        for mode, extra in (("scalar", []), ("block", ["--block", b])):
            log(f"{dataset}: {mode}")
            t0 = time.time()
            q = run([RUNSTEP, store, "--json", "--build", a.build, "--timeout", str(a.timeout),
                     "--mem-gb", str(a.mem_gb)] + extra)
            row[f"{mode}_s"] = round(time.time() - t0, 1)
            if q.returncode not in (0, 1) or not q.stdout.strip():
                row["note"] = f"{mode} failed: " + (q.stderr.strip().splitlines() or ["?"])[-1][:200]
                break
            res[mode] = json.loads(q.stdout.strip().splitlines()[-1])
            tot = res[mode]["total"]
            row[f"{mode}_cycles"] = tot["cycles"]
            row[f"{mode}_flops"] = tot["flops"]
            row[f"{mode}_bytes"] = tot["bytes_read"] + tot["bytes_written"]
            row[f"{mode}_attn_cycles"] = next(r["cycles"] for r in res[mode]["regions"]
                                              if r["region"] == attn)
        if len(res) == 2:
            row["match"] = res["scalar"]["match"] and res["block"]["match"]
            row["speedup"] = round(row["scalar_cycles"] / row["block_cycles"], 1)
            row["attn_speedup"] = round(row["scalar_attn_cycles"] / row["block_attn_cycles"], 1)
        rows.append(row)
        log(f"{dataset}: speedup {row.get('speedup')} (attention {row.get('attn_speedup')})")
    old = [r for r in read_csv(path) if r["dataset"] not in {r["dataset"] for r in rows}]
    os.makedirs(a.out, exist_ok=True)
    write_csv(path, cols, old + rows)
    for r in rows:
        print(f"{r['dataset']:<26} scalar {fmt(r.get('scalar_cycles')):>10}  block "
              f"{fmt(r.get('block_cycles')):>8}  speedup {fmt(r.get('speedup')):>7}  "
              f"attention {fmt(r.get('attn_speedup')):>7}  match {r.get('match')}  {r.get('note') or ''}")
    return 0


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n")[0],
        epilog=__doc__.split("\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    lst = lambda s: [x for x in s.split(",") if x]  # noqa: E731
    ap.add_argument("--models", type=lst, default=["gcn", "graphsage", "sae", "gpt3_bigbird"],
                    help="comma-separated: gcn, graphsage, sae, gpt3_bigbird")
    ap.add_argument("--datasets", type=lst, default=["karate", "cora"],
                    help="graphs for gcn/graphsage (karate, or a graphs.py dataset)")
    ap.add_argument("--presets", type=lst, default=["tiny", "imagenet"],
                    help="SAE presets (sae.py --preset)")
    ap.add_argument("--gpt3-seq", type=int, default=0,
                    help="GPT-3 sequence length (default: the model's 1024; scalar SAM "
                         "streams make 1024 x 768 hours long: use e.g. 64)")
    ap.add_argument("--gpt3-hidden", type=int, default=0,
                    help="GPT-3 hidden size (64 per head; default the model's 768)")
    ap.add_argument("--gpt3-decoders", type=int, default=0,
                    help="GPT-3 as N decoder blocks (default 0: the attention block); "
                         "lowered with run-step --chain-first, results in "
                         "OUT/fusion_gpt3_decoders*.csv")
    ap.add_argument("--blocks", type=lst, default=["16", "32", "64"],
                    help="GPT-3 BigBird block sizes")
    ap.add_argument("--value-block", default="0", metavar="B",
                    help="GPT-3: sparsity blocking of the values (run-step --block B): "
                         "an integer, or 'same' for each mask block of --blocks; the "
                         "dataset column gets -vblockB (default 0: scalar values)")
    ap.add_argument("--configs", type=lst, default=CONFIGS,
                    help="fusion configurations: unfused, per-layer, full (torch-import "
                         "--fusion) and groups (the enumerated groupings of GCN and GraphSAGE)")
    ap.add_argument("--grouping", action="append", default=[],
                    help="an explicit grouping groups=A+B,C (torch-import --fusion), for "
                         "every model; repeatable")
    ap.add_argument("--orders", type=int, default=8,
                    help="loop orders tried per region (run-step --orders)")
    ap.add_argument("--prune", type=int, default=0, metavar="M",
                    help="simulate only each region's M orders of least estimated "
                         "work among the --orders N (run-step --prune-by-estimate; "
                         "0: simulate all N)")
    ap.add_argument("--jobs", type=int, default=2, help="configurations run in parallel")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds per simulation of one order (run-step --timeout)")
    ap.add_argument("--mem-gb", type=float, default=6,
                    help="address-space limit per simulation (run-step --mem-gb)")
    ap.add_argument("--out", default=os.path.join(REPO, "results"))
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--work", help="scratch directory (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the stores under --work")
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--merge", action="store_true",
                    help="keep the rows of OUT/fusion.csv that this run does not redo "
                         "(speedups and plots are recomputed over all rows)")
    ap.add_argument("--order-sweep", action="store_true",
                    help="the dataflow-order sweep (Fig. 18) instead of the exploration")
    ap.add_argument("--par-sweep", action="store_true",
                    help="the parallelization-factor sweep (Fig. 16) instead of the exploration")
    ap.add_argument("--block-sweep", action="store_true",
                    help="scalar values against sparsity blocking (Fig. 17) instead of "
                         "the exploration")
    ap.add_argument("--par-factors", type=lambda t: [int(x) for x in t.split(",") if x],
                    default=[1, 2, 4, 8, 16], help="factors of --par-sweep (1 first)")
    ap.add_argument("--sweep-max", type=int, default=64,
                    help="highest order index tried by --order-sweep, exclusive")
    a = ap.parse_args()
    if a.value_block != "same" and not re.fullmatch(r"\d+", a.value_block):
        ap.error(f"--value-block '{a.value_block}': expected an integer or 'same'")
    GPT3_SIZE["seq"], GPT3_SIZE["hidden"] = a.gpt3_seq, a.gpt3_hidden
    GPT3_SIZE["decoders"] = a.gpt3_decoders
    if a.gpt3_decoders and a.models != ["gpt3_bigbird"]:
        ap.error("--gpt3-decoders goes with --models gpt3_bigbird (its own CSV)")
    for m in a.models:
        if m not in ("gcn", "graphsage", "sae", "gpt3_bigbird"):
            ap.error(f"unknown model '{m}'")
    for c in a.configs:
        if c not in CONFIGS and c != "groups":
            ap.error(f"unknown configuration '{c}' (expected {', '.join(CONFIGS)} or groups; "
                     "one explicit grouping: --grouping groups=A+B,C)")
    for g in a.grouping:
        if not g.startswith("groups="):
            ap.error(f"--grouping '{g}': expected groups=A+B,C")
    for tool in ("step-opt", "step-sim"):
        if not os.access(os.path.join(a.build, "bin", tool), os.X_OK):
            ap.error(f"{a.build}/bin/{tool} not found: build first")
    tmp = a.work is None
    a.work = a.work or tempfile.mkdtemp(prefix="explore-fusion-")
    os.makedirs(a.work, exist_ok=True)
    try:
        if a.par_sweep:
            return par_sweep(a)
        if a.block_sweep:
            return block_sweep(a)
        return order_sweep(a) if a.order_sweep else explore(a)
    finally:
        if tmp and not a.keep:
            shutil.rmtree(a.work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
