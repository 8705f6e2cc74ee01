#!/usr/bin/python3
"""Graph inputs for the GCN / GraphSAGE examples, written as step tensor stores.

    graphs.py --dataset karate|cora|cora_ml|dblp|ogb-collab -o DIR [--seed S] [--stats-only]

karate is Zachary's karate club (networkx's copy of the real graph). The
others are SYNTHETIC stand-ins: random graphs with the node count, edge count
and feature width of the named dataset (FuseFlow Table 2 gives nodes x
features; the edge counts are the PyG / OGB published ones) and power-law
(Chung-Lu) degrees. They are not the real datasets. Each store holds `adj`
(the symmetric 0/1 adjacency without self loops, DCSR) and `x` (features:
binary bag of words in CSR for the citation graphs, dense otherwise); the manifest adds dataset, nodes, edges (stored adjacency entries),
features, classes, density, synthetic. One line of statistics goes to stdout.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "frontends", "torch"))
from step_torch.tensor_store import TensorStore  # noqa: E402

# name: (nodes, undirected edges, features, classes, Table 2 sparsity %)
# Edge counts: PyG Planetoid Cora 10,556 and CitationFull Cora_ML 16,316 /
# DBLP 105,734 stored (directed) entries, i.e. half as many undirected edges;
# ogbl-collab 1,285,465 undirected edges (OGB). ogbl-collab is a link
# prediction set without node classes: 16 outputs is our choice.
DATASETS = {
    "cora": (2708, 5278, 1433, 7, 99.7),
    "cora_ml": (2995, 8158, 2879, 7, 99.8),
    "dblp": (17716, 52867, 1639, 4, 99.6),
    "ogb-collab": (235868, 1285465, 128, 16, 99.9),
}
FEATURE_DENSITY = 0.01  # binary bag-of-words features of the citation graphs (our choice)


def karate():
    import networkx as nx
    g = nx.karate_club_graph()
    n = g.number_of_nodes()
    adj = np.zeros((n, n), np.float32)
    for u, v in g.edges():
        adj[u, v] = adj[v, u] = 1
    # one-hot node features and 4 classes, as PyG's KarateClub
    return adj, np.eye(n, dtype=np.float32), 4, {"dataset": "karate", "synthetic": False}


def power_law_edges(n, m, seed, gamma=2.5):
    """m distinct undirected edges (i < j) of a Chung-Lu graph whose expected
    degrees follow a power law with exponent gamma."""
    rng = np.random.default_rng(seed)
    w = (np.arange(1, n + 1, dtype=np.float64)) ** (-1.0 / (gamma - 1))
    w = w[rng.permutation(n)]
    p = w / w.sum()
    keys = np.zeros(0, np.int64)
    while len(keys) < m:
        k = int((m - len(keys)) * 1.3) + 16
        a = rng.choice(n, size=k, p=p)
        b = rng.choice(n, size=k, p=p)
        ok = a != b
        lo, hi = np.minimum(a, b)[ok], np.maximum(a, b)[ok]
        keys = np.unique(np.concatenate([keys, lo.astype(np.int64) * n + hi]))
    keys = np.sort(rng.choice(keys, size=m, replace=False))
    return keys // n, keys % n


def synthetic(name, seed):
    n, m, f, classes, table2 = DATASETS[name]
    src, dst = power_law_edges(n, m, seed)
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    rng = np.random.default_rng(seed + 1)
    if name == "ogb-collab":
        x = rng.standard_normal((n, f), dtype=np.float32)
    else:  # binary bag of words: round(density * n * f) distinct ones, as coordinates
        want = int(round(FEATURE_DENSITY * n * f))
        keys = np.zeros(0, np.int64)
        while len(keys) < want:
            keys = np.unique(np.concatenate([keys, rng.integers(0, n * f, size=want - len(keys) + 16)]))
        keys = np.sort(rng.choice(keys, size=want, replace=False))
        x = (keys // f, keys % f, (n, f))
    return (rows, cols), x, classes, {"dataset": name, "synthetic": True, "table2_sparsity_percent": table2}


def write_coo(store, name, shape, rows, cols, fmt):
    """Writes a 0/1 matrix given by coordinates as CSR or DCSR, straight from
    the coordinates (never as a dense array)."""
    n, m = shape
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    base = store.path
    os.makedirs(base, exist_ok=True)
    if fmt == "dcsr":
        urows, counts = np.unique(rows, return_counts=True)
        level0 = {"seg": f"{name}.mode0.seg.npy", "crd": f"{name}.mode0.crd.npy"}
        np.save(os.path.join(base, level0["seg"]), np.array([0, len(urows)], np.int32))
        np.save(os.path.join(base, level0["crd"]), urows.astype(np.int32))
        levels = ["compressed", "compressed"]
    else:
        counts = np.bincount(rows, minlength=n)
        level0 = None
        levels = ["dense", "compressed"]
    level1 = {"seg": f"{name}.mode1.seg.npy", "crd": f"{name}.mode1.crd.npy"}
    np.save(os.path.join(base, level1["seg"]), np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
    np.save(os.path.join(base, level1["crd"]), cols.astype(np.int32))
    np.save(os.path.join(base, f"{name}.vals.npy"), np.ones(len(cols), np.float32))
    store.tensors[name] = {
        "role": "input", "shape": [n, m], "dtype": "float32", "format": fmt, "levels": levels,
        "nnz": int(len(cols)), "files": {"vals": f"{name}.vals.npy", "levels": [level0, level1]}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True, choices=["karate"] + list(DATASETS))
    ap.add_argument("-o", "--output", help="store directory to write")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stats-only", action="store_true", help="print the statistics line, write nothing")
    a = ap.parse_args()
    if not a.stats_only and not a.output:
        ap.error("-o DIR is required unless --stats-only")
    if a.dataset == "karate":
        adj, x, classes, info = karate()
        rows, cols = np.nonzero(adj)
    else:
        (rows, cols), x, classes, info = synthetic(a.dataset, a.seed)
    n, f = x[2] if isinstance(x, tuple) else x.shape
    nnz = len(rows)
    density = nnz / float(n) / float(n)
    deg = np.bincount(rows, minlength=n)
    print(f"{a.dataset}: nodes {n} features {f} edges {nnz} density {density:.6%} sparsity {100 - 100 * density:.3f}% "
          f"max-degree {deg.max()} mean-degree {deg.mean():.2f} classes {classes}"
          + (f" table2-sparsity {info['table2_sparsity_percent']}%" if info.get("synthetic") else ""))
    if a.stats_only:
        return
    store = TensorStore(a.output)
    write_coo(store, "adj", (n, n), rows, cols, "dcsr")
    if isinstance(x, tuple):
        write_coo(store, "x", (n, f), x[0], x[1], "csr")
    else:
        store.add("x", x, "dense", "input")
    store.write_manifest(nodes=n, edges=nnz, features=f, classes=classes, density=density, seed=a.seed, **info)


if __name__ == "__main__":
    main()
