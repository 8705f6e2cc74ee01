#!/usr/bin/python3
"""Checks a torch-import store against a model's numpy reference.

    check.py MODEL.py STORE [--rtol R] [--atol A]

Loads every tensor of STORE back from its files (numpy only), runs MODEL's
reference(tensors) and compares it with the stored PyTorch `output`. Prints
the maximum absolute error and exits 1 when it exceeds atol + rtol * |output|.
"""
import argparse
import importlib.util
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402,F401  (sets the frontend's path)
from step_torch.tensor_store import load_all  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("store")
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--atol", type=float, default=1e-5)
    a = ap.parse_args()
    spec = importlib.util.spec_from_file_location("model", a.model)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    t = {k: v.astype(np.float64) for k, v in load_all(a.store).items()}
    ref = mod.reference(t)
    out = t["output"]
    if ref.shape != out.shape:
        print(f"check: shape mismatch: reference {ref.shape} vs output {out.shape}")
        return 1
    err = np.abs(ref - out)
    bad = err > a.atol + a.rtol * np.abs(out)
    print(f"check: {os.path.basename(a.model)} output {list(out.shape)} max-abs-error {err.max():.3e} "
          f"{'MISMATCH' if bad.any() else 'match'} (rtol {a.rtol}, atol {a.atol})")
    return 1 if bad.any() else 0


if __name__ == "__main__":
    sys.exit(main())
