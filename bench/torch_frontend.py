#!/usr/bin/python3
"""Times the PyTorch frontend (trace -> shapes -> MLIR text) on the sparse example models.

    bench/torch_frontend.py [--repeat N] [--csv results/bench_torch_frontend.csv]

For every model and fusion mode: the first import in the process (cold: includes
torch.fx's and the meta kernels' first-use costs) and the median of N further
imports (warm), split into trace / shape propagation / lowering+emission. Data
writing (tensor store) is not included: it is input preparation, not compilation.
The budget these numbers are a share of: 1 s from model to simulator graph
(FuseFlow: "All models compile in < 750ms").
"""
import argparse
import csv
import os
import statistics
import sys
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "frontends", "torch"))
sys.path.insert(0, os.path.join(ROOT, "examples", "sparse_models"))

import torch  # noqa: E402,F401  (imported before any timing)

from step_torch import import_module  # noqa: E402

CASES = [
    ("gcn", "karate", {}),
    ("graphsage", "karate", {}),
    ("sae", "imagenet", {"preset": "imagenet"}),
    ("gpt3_bigbird", "seq1024-b16", {"seq": 1024, "block": 16}),
    ("gpt3_bigbird", "seq1024-b64", {"seq": 1024, "block": 64}),
]


def args_for(extra):
    a = SimpleNamespace(seed=0, graph=None, preset=None, batch=None, input_sparsity=0.5, weight_sparsity=None,
                        weight_format=None, seq=None, block=None, hidden=None)
    a.__dict__.update(extra)
    return a


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--csv", default=os.path.join(ROOT, "results", "bench_torch_frontend.csv"))
    a = ap.parse_args()
    rows = []
    print(f"{'model':14} {'input':12} {'fusion':9} {'regions':>7} {'cold ms':>8} {'warm ms':>8} "
          f"{'trace':>7} {'shapes':>7} {'emit':>7}")
    for model_name, label, extra in CASES:
        mod = __import__(model_name)
        model, inputs, formats = mod.make(args_for(extra))
        for fusion in ("unfused", "per-layer", "full"):
            first = import_module(model, inputs, formats, fusion=fusion)
            runs = [import_module(model, inputs, formats, fusion=fusion).timing for _ in range(a.repeat)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            row = {"model": model_name, "input": label, "fusion": fusion, "regions": len(first.regions),
                   "cold_ms": 1000 * first.timing["total"], "warm_ms": 1000 * med["total"],
                   "trace_ms": 1000 * med["trace"], "shape_ms": 1000 * med["shape_prop"],
                   "emit_ms": 1000 * med["lower_emit"]}
            rows.append(row)
            print(f"{model_name:14} {label:12} {fusion:9} {row['regions']:7d} {row['cold_ms']:8.1f} {row['warm_ms']:8.1f} "
                  f"{row['trace_ms']:7.1f} {row['shape_ms']:7.1f} {row['emit_ms']:7.1f}")
    os.makedirs(os.path.dirname(a.csv), exist_ok=True)
    with open(a.csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {a.csv}")


if __name__ == "__main__":
    main()
