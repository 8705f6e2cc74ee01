#!/usr/bin/python3
"""Sparse tensors for the SAM-stream tests (runtime/README.md, "Sparse tensors").

  sparse_tensors.py gen DIR        writes the test matrices as sparse tensor
                                   directories (CSR: level 0 dense, level 1
                                   compressed; x dense) and their dense .npy
  sparse_tensors.py random DIR SEED ROWS COLS N
                                   random RA, RB (ROWS x COLS), RC (COLS x N),
                                   Rx (COLS), with empty rows and a column
  sparse_tensors.py instantiate GRAPH ROWS COLS
                                   prints a test graph with its sizes 3 and 4
                                   (rows, columns) replaced
  sparse_tensors.py spmv DIR A Y [X]
                                   checks Y (vals of y) against A @ X (x)
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
    np.save(os.path.join(path, "dense.npy"), dense)
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


def write_dense_vector(path, x):
    os.makedirs(path, exist_ok=True)
    np.save(os.path.join(path, "shape.npy"), np.array([len(x)], dtype=np.int64))
    np.save(os.path.join(path, "vals.npy"), x.astype(np.float32))
    np.save(os.path.join(path, "dense.npy"), x.astype(np.float32))


def gen_random(d, seed, rows, cols, n):
    """RA, RB: rows x cols; RC: cols x n; Rx: cols. About 25% nonzeros,
    small integers (exact in f32), with empty rows in RA and RC and an
    empty column in RB."""
    rng = np.random.default_rng(seed)

    def rand(r, c):
        m = rng.integers(1, 9, size=(r, c)) * (rng.random((r, c)) < 0.25)
        return m.astype(np.float32)

    a, b, c = rand(rows, cols), rand(rows, cols), rand(cols, n)
    a[1, :] = 0
    a[rows - 1, :] = 0
    b[:, 0] = 0
    c[2, :] = 0
    write_csr(os.path.join(d, "RA"), a)
    write_csr(os.path.join(d, "RB"), b)
    write_csr(os.path.join(d, "RC"), c)
    write_dense_vector(os.path.join(d, "Rx"), rng.integers(-4, 5, size=cols))


def instantiate(path, rows, cols):
    """A test graph for other sizes: its row count 3 and column count 4
    replaced (dims and static shapes)."""
    text = open(path).read()
    text = text.replace("dim 3", f"dim {rows}").replace("dim 4", f"dim {cols}")
    text = text.replace("[1, 3", f"[1, {rows}").replace(", 4]", f", {cols}]")
    sys.stdout.write(text)


def dense_of(d, name):
    return np.load(os.path.join(d, name, "dense.npy"))


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
    write_dense_vector(x, np.array(X, dtype=np.float32))


def fail(msg):
    print("MISMATCH", msg)
    sys.exit(1)


def main():
    cmd, d = sys.argv[1], sys.argv[2]
    if cmd == "gen":
        gen(d)
    elif cmd == "random":
        gen_random(d, *[int(v) for v in sys.argv[3:7]])
    elif cmd == "instantiate":
        instantiate(d, int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "spmv":
        a = dense_of(d, sys.argv[3])
        x = dense_of(d, sys.argv[5] if len(sys.argv) > 5 else "x")
        y = np.load(sys.argv[4])
        want = a @ x
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
        b = dense_of(d, sys.argv[3])
        c = dense_of(d, sys.argv[4])
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
        a = dense_of(d, a)
        b = dense_of(d, b)
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
