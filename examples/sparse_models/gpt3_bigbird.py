"""GPT-3 Small (125M) attention block with a BigBird block-sparse mask, or
`--decoders N` GPT-3 decoder blocks around it.

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

`--decoders N` (N >= 1) chains N pre-LN GPT decoder blocks, as GPT-2/3:
h = x + out(attn(LN1(x))), y = h + fc2(GELU(fc1(LN2(h)))), FFN width 4 x
hidden, GELU in its tanh approximation (GPT-2/3's own `gelu_new`; the exact
erf form has no lowering), LayerNorm eps 1e-5 with random (not unit) scale
and shift so that the test sees them. No embedding, no final LayerNorm:
the decoders alone, as FuseFlow's GPT-3 kernels. The top-level modules are
`dec0`, `dec1`, ... so per-layer regions are per decoder; the reshapes
split each decoder into FuseFlow's three subsets (LN1 + QKV, attention,
out projection + residual + LN2 + FFN + residual), and full fusion merges
subset 3 of decoder n with subset 1 of decoder n + 1.
Without `--decoders` (0) the model is the attention block alone.
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


class Decoder(torch.nn.Module):
    """Pre-LN GPT decoder block with BigBird attention."""

    def __init__(self, hidden=HIDDEN, heads=HEADS):
        super().__init__()
        self.ln1 = torch.nn.LayerNorm(hidden, eps=LN_EPS)
        self.attn = BigBirdAttention(hidden, heads)
        self.ln2 = torch.nn.LayerNorm(hidden, eps=LN_EPS)
        self.fc1 = torch.nn.Linear(hidden, 4 * hidden)
        self.act = torch.nn.GELU(approximate="tanh")
        self.fc2 = torch.nn.Linear(4 * hidden, hidden)

    def forward(self, x, mask):
        h = x + self.attn(self.ln1(x), mask)
        return h + self.fc2(self.act(self.fc1(self.ln2(h))))


class GPT3Decoders(torch.nn.Module):
    """N decoder blocks, top-level modules dec0, dec1, ... (one layer each)."""

    def __init__(self, n, hidden=HIDDEN, heads=HEADS):
        super().__init__()
        self.n = n
        for i in range(n):
            self.add_module(f"dec{i}", Decoder(hidden, heads))

    def forward(self, x, mask):
        for i in range(self.n):
            x = getattr(self, f"dec{i}")(x, mask)
        return x


LN_EPS = 1e-5


def make(args):
    seq = args.seq or 1024
    block = args.block or 64
    hidden = getattr(args, "hidden", None) or HIDDEN
    if hidden % HEAD_DIM:
        raise SystemExit(f"gpt3_bigbird: the hidden size {hidden} is not a multiple of the head size {HEAD_DIM}")
    mask, _ = bigbird_mask(seq, block, args.seed)
    torch.manual_seed(args.seed)
    decoders = getattr(args, "decoders", None) or 0
    if decoders < 0:
        raise SystemExit(f"gpt3_bigbird: --decoders {decoders} must be >= 0")
    if decoders:
        model = GPT3Decoders(decoders, hidden, hidden // HEAD_DIM)
        with torch.no_grad():  # LayerNorm scale and shift away from 1 and 0
            for name, p in model.named_parameters():
                if ".ln" in name:
                    p.add_(0.1 * torch.randn(p.shape))
    else:
        model = BigBirdAttention(hidden, hidden // HEAD_DIM)
    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal((seq, hidden), dtype=np.float32)
    return model, {"x": torch.from_numpy(x), "mask": torch.from_numpy(mask)}, {"mask": "dcsr"}


def reference(t):
    x, mask = t["x"], t["mask"]
    if "dec0_ln1_weight" not in t:
        return _attention_ref(t, x, mask, "")
    i = 0
    while f"dec{i}_ln1_weight" in t:
        p = f"dec{i}_"
        h = x + _attention_ref(t, _layer_norm(x, t[p + "ln1_weight"], t[p + "ln1_bias"]), mask, p + "attn_")
        f = _gelu_tanh(_lin(t, _layer_norm(h, t[p + "ln2_weight"], t[p + "ln2_bias"]), p + "fc1"))
        x = h + _lin(t, f, p + "fc2")
        i += 1
    return x


def _lin(t, h, p):
    return h @ t[p + "_weight"].T + t[p + "_bias"]


def _layer_norm(h, w, b):
    m = h.mean(-1, keepdims=True)
    v = ((h - m) ** 2).mean(-1, keepdims=True)
    return (h - m) / np.sqrt(v + LN_EPS) * w + b


def _gelu_tanh(h):
    return 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h ** 3)))


def _attention_ref(t, x, mask, p):
    seq, hidden = x.shape
    heads = hidden // HEAD_DIM
    q, k, v = (_lin(t, x, p + "qkv_" + n).reshape(seq, heads, HEAD_DIM).transpose(1, 0, 2) for n in "qkv")
    s = q @ k.transpose(0, 2, 1) / np.sqrt(HEAD_DIM)
    o = (common.masked_softmax(s, mask) @ v).transpose(1, 0, 2).reshape(seq, hidden)
    return _lin(t, o, p + "out")


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
