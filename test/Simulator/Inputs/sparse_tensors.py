#!/usr/bin/python3
"""Sparse tensors for the SAM-stream tests (runtime/README.md, "Sparse tensors").

  sparse_tensors.py gen DIR        writes the test matrices as sparse tensor
                                   directories (CSR: level 0 dense, level 1
                                   compressed; x dense) and their dense .npy
  sparse_tensors.py spmv DIR A Y   checks Y (vals of y) against A @ x
  sparse_tensors.py spmm-blocked DIR Y
                                   checks Y (vals of the blocked SpMM) against
                                   the dense product
  sparse_tensors.py spgemm DIR B C X
                                   checks the DCSR output X (mode_0_seg/crd,
                                   mode_1_seg/crd, vals) against B @ C
  sparse_tensors.py ewise DIR OP A B C
                                   checks the CSR output C (a directory of
                                   mode_1_seg/mode_1_crd/vals .npy, written by
                                   step-sim --save) against A OP B (mul, add)
Prints one OK line per check, or the mismatch and exits 1.
"""
import os
import sys

import numpy as np

MATRICES = {
    # 3x4 with an empty middle row.
    "A": [[1, 0, 2, 0], [0, 0, 0, 0], [0, 3, 4, 5]],
    "B": [[6, 7, 0, 0], [0, 0, 8, 0], [0, 9, 0, 10]],
    "Z": [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
    # 4x3 right-hand sides of SpGEMM: C has an empty row (k = 1), ZT is zero.
    "C": [[1, 0, 2], [0, 0, 0], [0, 3, 0], [4, 0, 5]],
    "ZT": [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]],
}
X = [1.0, 2.0, 3.0, 4.0]


def write_csr(path, dense):
    dense = np.asarray(dense, dtype=np.float32)
    os.makedirs(path, exist_ok=True)
    seg, crd, vals = [0], [], []
    for row in dense:
        for j, v in enumerate(row):
            if v != 0:
                crd.append(j)
                vals.append(v)
        seg.append(len(crd))
    np.save(os.path.join(path, "shape.npy"), np.array(dense.shape, dtype=np.int64))
    np.save(os.path.join(path, "mode_1_seg.npy"), np.array(seg, dtype=np.int64))
    np.save(os.path.join(path, "mode_1_crd.npy"), np.array(crd, dtype=np.int64))
    np.save(os.path.join(path, "vals.npy"), np.array(vals, dtype=np.float32))


def blocked_a():
    """A 6x8 matrix of 2x2 blocks with A's pattern (block (i, j) present
    where A[i][j] != 0), and X, 8x2."""
    pattern = np.array(MATRICES["A"]) != 0
    dense = np.zeros((6, 8), dtype=np.float32)
    for i in range(3):
        for j in range(4):
            if pattern[i, j]:
                dense[2 * i:2 * i + 2, 2 * j:2 * j + 2] = (
                    np.arange(4, dtype=np.float32).reshape(2, 2) + 4 * i + j + 1)
    x = (np.arange(16, dtype=np.float32).reshape(8, 2) - 5) / 2
    return pattern, dense, x


def write_blocked(d):
    pattern, dense, x = blocked_a()
    a = os.path.join(d, "Ablk")
    os.makedirs(a, exist_ok=True)
    seg, crd, vals = [0], [], []
    for i in range(3):
        for j in range(4):
            if pattern[i, j]:
                crd.append(j)
                vals.append(dense[2 * i:2 * i + 2, 2 * j:2 * j + 2])
        seg.append(len(crd))
    np.save(os.path.join(a, "shape.npy"), np.array([3, 4], dtype=np.int64))
    np.save(os.path.join(a, "mode_1_seg.npy"), np.array(seg, dtype=np.int64))
    np.save(os.path.join(a, "mode_1_crd.npy"), np.array(crd, dtype=np.int64))
    np.save(os.path.join(a, "vals.npy"), np.array(vals, dtype=np.float32))
    xd = os.path.join(d, "Xblk")
    os.makedirs(xd, exist_ok=True)
    np.save(os.path.join(xd, "shape.npy"), np.array([4], dtype=np.int64))
    # Block j of X is rows 2j, 2j+1 (both columns): a 2x2 block.
    np.save(os.path.join(xd, "vals.npy"), x.reshape(4, 2, 2))


def gen(d):
    for name, m in MATRICES.items():
        write_csr(os.path.join(d, name), m)
    write_blocked(d)
    # v: a sparse vector of size 4 (one compressed level) holding 2.5 at 1
    # and 4 at 3.
    v = os.path.join(d, "v")
    os.makedirs(v, exist_ok=True)
    np.save(os.path.join(v, "shape.npy"), np.array([4], dtype=np.int64))
    np.save(os.path.join(v, "mode_0_seg.npy"), np.array([0, 2], dtype=np.int64))
    np.save(os.path.join(v, "mode_0_crd.npy"), np.array([1, 3], dtype=np.int64))
    np.save(os.path.join(v, "vals.npy"), np.array([2.5, 4.0], dtype=np.float32))
    x = os.path.join(d, "x")
    os.makedirs(x, exist_ok=True)
    np.save(os.path.join(x, "shape.npy"), np.array([len(X)], dtype=np.int64))
    np.save(os.path.join(x, "vals.npy"), np.array(X, dtype=np.float32))


def fail(msg):
    print("MISMATCH", msg)
    sys.exit(1)


def main():
    cmd, d = sys.argv[1], sys.argv[2]
    if cmd == "gen":
        gen(d)
    elif cmd == "spmv":
        a = np.array(MATRICES[sys.argv[3]], dtype=np.float32)
        y = np.load(sys.argv[4])
        want = a @ np.array(X, dtype=np.float32)
        if y.shape != want.shape or not np.allclose(y, want):
            fail(f"y = {y.tolist()}, expected {want.tolist()}")
        print("OK spmv", sys.argv[3], y.tolist())
    elif cmd == "spmm-blocked":
        _, dense, x = blocked_a()
        y = np.load(sys.argv[3])
        want = dense @ x
        if y.size != want.size or not np.allclose(y.reshape(6, 2), want):
            fail(f"Y = {y.tolist()}, expected {want.tolist()}")
        print("OK spmm-blocked rows", y.reshape(6, 2).flatten().tolist())
    elif cmd == "spgemm":
        b = np.array(MATRICES[sys.argv[3]], dtype=np.float32)
        c = np.array(MATRICES[sys.argv[4]], dtype=np.float32)
        x = sys.argv[5]
        load = lambda n: np.load(os.path.join(x, n + ".npy"))
        seg0, crd0 = load("mode_0_seg"), load("mode_0_crd")
        seg1, crd1, vals = load("mode_1_seg"), load("mode_1_crd"), load("vals")
        want = b @ c
        if seg0.tolist() != [0, len(crd0)] or len(seg1) != len(crd0) + 1:
            fail(f"inconsistent levels: mode_0 seg {seg0.tolist()} crd {crd0.tolist()}, mode_1 seg {seg1.tolist()}")
        if len(crd1) != seg1[-1] or len(vals) != len(crd1):
            fail(f"inconsistent level 1: seg {seg1.tolist()} crd {crd1.tolist()} vals {vals.tolist()}")
        got = np.zeros_like(want)
        for p, i in enumerate(crd0):
            for q in range(seg1[p], seg1[p + 1]):
                got[i, crd1[q]] += vals[q]
        if not np.allclose(got, want):
            fail(f"got {got.tolist()}, expected {want.tolist()}")
        print("OK spgemm rows", crd0.tolist(), "seg", seg1.tolist(), "crd", crd1.tolist(), "vals", vals.tolist())
    elif cmd == "ewise":
        op, a, b, c = sys.argv[3:7]
        a = np.array(MATRICES[a], dtype=np.float32)
        b = np.array(MATRICES[b], dtype=np.float32)
        want = a * b if op == "mul" else a + b
        seg = np.load(os.path.join(c, "mode_1_seg.npy"))
        crd = np.load(os.path.join(c, "mode_1_crd.npy"))
        vals = np.load(os.path.join(c, "vals.npy"))
        if len(seg) != want.shape[0] + 1:
            fail(f"seg {seg.tolist()} has {len(seg)} entries for {want.shape[0]} rows")
        got = np.zeros_like(want)
        for i in range(want.shape[0]):
            for q in range(seg[i], seg[i + 1]):
                got[i, crd[q]] += vals[q]
        if not np.allclose(got, want):
            fail(f"got {got.tolist()}, expected {want.tolist()}")
        print("OK", op, "seg", seg.tolist(), "crd", crd.tolist(), "vals", vals.tolist())
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main()
