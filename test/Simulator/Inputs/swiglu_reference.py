#!/usr/bin/env python3
"""An independent NumPy reference for the SwiGLU expert of
examples/swiglu_expert/gen_swiglu.py: out = (silu(x Wg) * (x Wu)) Wd.

  swiglu_reference.py inputs DIR --batch B --dim D --inter F [--seed S]
      writes DIR/{x,w_gate,w_up,w_down}.npy, float32, fixed seed:
      x [B, D] ~ N(0, 1), weights ~ N(0, 1) / sqrt(fan_in)
  swiglu_reference.py check DIR OUT.npy [--swap-gate-up]
      computes the reference in float64 and compares: shape, dtype float32,
      np.allclose(out, ref, rtol=1e-4, atol=1e-4). Prints the largest
      error; exits 1 on a mismatch. --swap-gate-up computes the wrong
      function silu(x Wu) * (x Wg) (to show the check can fail).

Needs numpy (run with %pysys).
"""
import argparse
import os
import sys

import numpy as np


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("inputs")
    i.add_argument("dir")
    i.add_argument("--batch", type=int, required=True)
    i.add_argument("--dim", type=int, required=True)
    i.add_argument("--inter", type=int, required=True)
    i.add_argument("--seed", type=int, default=20240607)
    c = sub.add_parser("check")
    c.add_argument("dir")
    c.add_argument("out")
    c.add_argument("--swap-gate-up", action="store_true")
    a = p.parse_args()

    names = ["x", "w_gate", "w_up", "w_down"]
    if a.cmd == "inputs":
        rng = np.random.default_rng(a.seed)
        B, D, F = a.batch, a.dim, a.inter
        shapes = {"x": (B, D), "w_gate": (D, F), "w_up": (D, F), "w_down": (F, D)}
        os.makedirs(a.dir, exist_ok=True)
        for n in names:
            scale = 1.0 if n == "x" else 1.0 / np.sqrt(shapes[n][0])
            np.save(os.path.join(a.dir, n + ".npy"),
                    (rng.standard_normal(shapes[n]) * scale).astype(np.float32))
        print(f"wrote x [{B}, {D}], w_gate/w_up [{D}, {F}], w_down [{F}, {D}]")
        return

    x, wg, wu, wd = (np.load(os.path.join(a.dir, n + ".npy")).astype(np.float64)
                     for n in names)
    if a.swap_gate_up:
        wg, wu = wu, wg
    g = x @ wg
    ref = (g / (1.0 + np.exp(-g)) * (x @ wu)) @ wd
    out = np.load(a.out)
    if out.dtype != np.float32 or out.shape != ref.shape:
        print(f"mismatch: out is {out.dtype} {list(out.shape)}, "
              f"expected float32 {list(ref.shape)}")
        sys.exit(1)
    err = np.abs(out.astype(np.float64) - ref)
    ok = np.allclose(out, ref, rtol=1e-4, atol=1e-4)
    print(f"shape {list(out.shape)}, max abs error {err.max():.3e}, "
          f"max |ref| {np.abs(ref).max():.3f}: {'match' if ok else 'mismatch'}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
