"""Writes random inputs for a small MoE layer (per-expert weights w<k>_e<i>
and, for every region count P, the region tensors w<k>_r<r> that
--step-time-multiplex reads: the region's experts' weights concatenated
along dim 0), prints the matching --bind options, or checks outputs.

  time_multiplex_weights.py write DIR E D F B K P...   -> DIR/*.npy
  time_multiplex_weights.py sim DIR E P|base GRAPH OUT.npy STEP-SIM-ARGS...
                                                       -> runs step-sim --functional
  time_multiplex_weights.py check DIR ROUTING OUT...   -> compares with numpy
"""
import csv
import sys

import numpy as np


def write(d, E, D, F, B, K, regions):
    rng = np.random.default_rng(7)
    np.save(f"{d}/input.npy", rng.standard_normal((B, D)).astype(np.float32))
    np.save(f"{d}/routing_weights.npy", rng.random((B, K)).astype(np.float32))
    for w, shape in (("w1", (D, F)), ("w3", (D, F)), ("w2", (F, D))):
        ws = [(rng.standard_normal(shape) * 0.1).astype(np.float32) for _ in range(E)]
        for e in range(E):
            np.save(f"{d}/{w}_e{e}.npy", ws[e])
        for P in regions:
            k = E // P
            for r in range(P):
                np.save(f"{d}/{w}_r{r}_P{P}.npy", np.concatenate(ws[r * k:(r + 1) * k], 0))


def binds(d, E, which):
    out = [f"--bind input={d}/input.npy", f"--bind routing_weights={d}/routing_weights.npy"]
    for w in ("w1", "w2", "w3"):
        if which == "base":
            out += [f"--bind {w}_e{e}={d}/{w}_e{e}.npy" for e in range(E)]
        else:
            out += [f"--bind {w}_r{r}={d}/{w}_r{r}_P{which}.npy" for r in range(int(which))]
    return " ".join(out).split()


def check(d, routing, outs):
    x = np.load(f"{d}/input.npy")
    rw = np.load(f"{d}/routing_weights.npy")
    rows = list(csv.reader(open(routing)))[1:]
    ref = np.zeros_like(x)
    for t, row in enumerate(rows):
        for j, e in enumerate(int(v) for v in row[1:]):
            w1, w3, w2 = (np.load(f"{d}/{w}_e{e}.npy") for w in ("w1", "w3", "w2"))
            g = x[t] @ w1
            h = (g / (1 + np.exp(-g))) * (x[t] @ w3)
            ref[t] += rw[t, j] * (h @ w2)
    first = np.load(outs[0])
    for o in outs:
        y = np.load(o)
        err = np.abs(y - ref).max() / np.abs(ref).max()
        same = np.array_equal(y, first)
        print(f"{o.split('/')[-1]}: matches numpy {err < 1e-2} identical to first {same}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "write":
        a = [int(v) for v in sys.argv[3:8]]
        write(sys.argv[2], *a, [int(v) for v in sys.argv[8:]])
    elif cmd == "sim":
        import subprocess
        d, E, which, graph, out = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
        cmd = sys.argv[7:] + [graph, "--functional", "--save", f"output={out}"] + binds(d, E, which)
        sys.exit(subprocess.run(cmd).returncode)
    else:
        check(sys.argv[2], sys.argv[3], sys.argv[4:])
