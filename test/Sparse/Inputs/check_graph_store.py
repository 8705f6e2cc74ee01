"""Reads graph stores back from their seg/crd/vals files (without a dense
n x n matrix) and prints what graphs.test checks."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "frontends", "torch"))
from step_torch.tensor_store import load_manifest, load_tensor  # noqa: E402

for path in sys.argv[1:]:
    m = load_manifest(path)
    a = m["tensors"]["adj"]
    f = {k: v for k, v in a["files"].items()}
    seg0, crd0 = (np.load(os.path.join(path, f["levels"][0][k])) for k in ("seg", "crd"))
    seg1, crd1 = (np.load(os.path.join(path, f["levels"][1][k])) for k in ("seg", "crd"))
    vals = np.load(os.path.join(path, f["vals"]))
    assert seg0[0] == 0 and seg0[1] == len(crd0) and len(seg1) == len(crd0) + 1 and seg1[-1] == len(crd1) == len(vals)
    rows = np.repeat(crd0, np.diff(seg1))
    cols = crd1
    n = a["shape"][0]
    fwd = set((rows * n + cols).tolist())
    bwd = set((cols * n + rows).tolist())
    x = load_tensor(path, "x", m)
    print(f"{m['dataset']}: adj {n}x{a['shape'][1]} {a['format']} nnz {len(vals)} "
          f"{'symmetric' if fwd == bwd else 'ASYMMETRIC'} {'no-self-loops' if not (rows == cols).any() else 'SELF-LOOPS'} "
          f"x {x.shape[0]}x{x.shape[1]} synthetic {m['synthetic']}")
