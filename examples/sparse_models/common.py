"""Helpers shared by the sparse example models (graph inputs, pruning, numpy maths)."""
import os
import sys

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "..", "frontends", "torch"))

from step_torch.tensor_store import load_manifest, load_tensor  # noqa: E402


def graph_inputs(args):
    """(adjacency 0/1 [n, n], features [n, f], classes) from --graph DIR, or
    Zachary's karate club (graphs.py's karate) when no directory is given."""
    if args.graph:
        m = load_manifest(args.graph)
        return load_tensor(args.graph, "adj", m), load_tensor(args.graph, "x", m), int(m["classes"])
    import graphs
    adj, x, classes, _ = graphs.karate()
    return adj, x, classes


def prune_(model, sparsity, seed):
    """Zeroes a random `sparsity` fraction of every rank-2 weight (in place)."""
    if not sparsity:
        return
    import torch
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.mul_((torch.rand(p.shape, generator=g) >= sparsity).float())


def weight_formats(model, fmt):
    if fmt in (None, "dense"):
        return {}
    return {name: fmt for name, p in model.named_parameters() if p.dim() == 2}


def feature_formats(args, x):
    """Format of the node features `x` (torch-import --feature-format):
    sparse features (one-hot, bag-of-words) are a sparse input, as in
    FuseFlow's Table 2 ("ZB lossless (in)"); auto: DCSR when under half the
    entries are nonzero."""
    feature = getattr(args, "feature_format", "auto") or "auto"
    if feature == "dcsr" or (feature == "auto" and (x != 0).mean() < 0.5):
        return {"x": "dcsr"}
    return {}


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def masked_softmax(s, mask):
    keep = mask != 0
    s = np.where(keep, s, -np.inf)
    mx = s.max(axis=-1, keepdims=True)
    mx = np.where(np.isfinite(mx), mx, 0)
    e = np.where(keep, np.exp(s - mx), 0)
    d = e.sum(axis=-1, keepdims=True)
    return e / np.where(d == 0, 1, d)
