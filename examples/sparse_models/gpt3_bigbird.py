"""GPT-3 Small (125M) attention block with a BigBird block-sparse mask.

x [seq, 768] -> q, k, v = linear(x) -> reshape to [seq, 12, 64] and permute
to [12, seq, 64] -> scores = q kᵀ / 8 -> MaskedSoftmax over the BigBird
pattern (a [seq, seq] DCSR mask of ones) -> p v -> permute/reshape back to
[seq, 768] -> output projection. Sequence 1024, 12 heads x 64 (FuseFlow's
`1x12x1024x64` Q/K/V; `--hidden` gives 64-wide heads of a smaller block,
for tests). The reshapes are fusion barriers, as in FuseFlow, so
the block has three regions per-layer (QKV, attention, output projection).

BigBird mask (FuseFlow's artifact generator as the digest describes it): with
blocks of B x B (B = 16, 32 or 64), every block row keeps its diagonal block
and the blocks at +-1 (window), the first 2 block rows and the first 2 block
columns are kept entirely (global), and every block row keeps 2 further
blocks drawn uniformly without replacement from all block columns (random;
they may coincide with window or global blocks). Seeded.
"""
import numpy as np
import torch

import common
from step_torch import MaskedSoftmax

HIDDEN, HEADS, HEAD_DIM = 768, 12, 64


def bigbird_mask(seq, block, seed, window=1, globals_=2, randoms=2):
    if seq % block:
        raise SystemExit(f"bigbird: sequence {seq} is not a multiple of the block size {block}")
    nb = seq // block
    rng = np.random.default_rng(seed)
    keep = np.zeros((nb, nb), bool)
    for r in range(nb):
        keep[r, max(0, r - window):min(nb, r + window + 1)] = True
        keep[r, rng.choice(nb, size=min(randoms, nb), replace=False)] = True
    keep[:globals_, :] = True
    keep[:, :globals_] = True
    return np.kron(keep, np.ones((block, block), bool)).astype(np.float32), keep


class BigBirdAttention(torch.nn.Module):
    def __init__(self, hidden=HIDDEN, heads=HEADS):
        super().__init__()
        self.heads, self.head_dim = heads, hidden // heads
        self.qkv = torch.nn.Module()
        self.qkv.q = torch.nn.Linear(hidden, hidden)
        self.qkv.k = torch.nn.Linear(hidden, hidden)
        self.qkv.v = torch.nn.Linear(hidden, hidden)
        self.attn = Attention(self.head_dim)
        self.out = torch.nn.Linear(hidden, hidden)

    def forward(self, x, mask):
        q = self.qkv.q(x).reshape(-1, self.heads, self.head_dim)
        k = self.qkv.k(x).reshape(-1, self.heads, self.head_dim)
        v = self.qkv.v(x).reshape(-1, self.heads, self.head_dim)
        o = self.attn(q, k, v, mask)
        return self.out(o.reshape(-1, self.heads * self.head_dim))


class Attention(torch.nn.Module):
    """Per-head masked attention on [seq, heads, dim] tensors."""

    def __init__(self, head_dim):
        super().__init__()
        self.scale = 1.0 / float(np.sqrt(head_dim))
        self.softmax = MaskedSoftmax()

    def forward(self, q, k, v, mask):
        q, k, v = (t.permute(1, 0, 2) for t in (q, k, v))
        s = torch.matmul(q, k.transpose(1, 2)) * self.scale
        p = self.softmax(s, mask)
        return torch.matmul(p, v).permute(1, 0, 2)


def make(args):
    seq = args.seq or 1024
    block = args.block or 64
    hidden = getattr(args, "hidden", None) or HIDDEN
    if hidden % HEAD_DIM:
        raise SystemExit(f"gpt3_bigbird: the hidden size {hidden} is not a multiple of the head size {HEAD_DIM}")
    mask, _ = bigbird_mask(seq, block, args.seed)
    torch.manual_seed(args.seed)
    model = BigBirdAttention(hidden, hidden // HEAD_DIM)
    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal((seq, hidden), dtype=np.float32)
    return model, {"x": torch.from_numpy(x), "mask": torch.from_numpy(mask)}, {"mask": "dcsr"}


def reference(t):
    x, mask = t["x"], t["mask"]
    seq, hidden = x.shape
    heads = hidden // HEAD_DIM

    def lin(h, p):
        return h @ t[p + "_weight"].T + t[p + "_bias"]
    q, k, v = (lin(x, "qkv_" + n).reshape(seq, heads, HEAD_DIM).transpose(1, 0, 2) for n in "qkv")
    s = q @ k.transpose(0, 2, 1) / np.sqrt(HEAD_DIM)
    o = (common.masked_softmax(s, mask) @ v).transpose(1, 0, 2).reshape(seq, hidden)
    return lin(o, "out")


def check_mask(keep, window=1, globals_=2, randoms=2):
    """Structure of a block mask: window and global blocks kept, at most
    `randoms` further blocks per non-global block row. Returns problems."""
    nb = keep.shape[0]
    problems = []
    for r in range(nb):
        win = set(range(max(0, r - window), min(nb, r + window + 1)))
        glob = set(range(globals_))
        kept = set(np.nonzero(keep[r])[0])
        if not win <= kept or not glob <= kept:
            problems.append(f"block row {r}: window or global block missing")
        if r >= globals_ and len(kept - win - glob) > randoms:
            problems.append(f"block row {r}: {len(kept - win - glob)} random blocks > {randoms}")
        if r < globals_ and len(kept) != nb:
            problems.append(f"block row {r}: global row not full")
    return problems


if __name__ == "__main__":
    # Mask statistics for the three block sizes (FuseFlow Table 2: 53.9%-86.5%).
    import sys
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    bad = 0
    for block in (16, 32, 64):
        mask, keep = bigbird_mask(1024, block, seed)
        problems = check_mask(keep)
        bad += len(problems)
        print(f"bigbird seq 1024 block {block}: {keep.shape[0]}x{keep.shape[1]} blocks, {int(keep.sum())} kept, "
              f"nnz {int(mask.sum())}, sparsity {100 * (1 - mask.mean()):.1f}%, "
              + ("structure ok" if not problems else "; ".join(problems)))
    sys.exit(1 if bad else 0)
