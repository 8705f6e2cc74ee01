"""Models the torch frontend must reject with an error naming the fx node.
--preset picks the case."""
import torch

from step_torch import MaskedSoftmax


class Tanh(torch.nn.Module):
    def forward(self, x):
        return torch.tanh(x @ x)


class SparseSoftmax(torch.nn.Module):
    def forward(self, adj):
        return torch.softmax(adj * 2.0, dim=-1)


class SparseTranspose(torch.nn.Module):
    def forward(self, adj, x):
        return torch.relu(adj).transpose(0, 1) + x


class SparseReshape(torch.nn.Module):
    def forward(self, adj):
        return torch.relu(adj).reshape(2, 8)


class DenseMask(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.sm = MaskedSoftmax()

    def forward(self, s, mask):
        return self.sm(s, mask)


class Shared(torch.nn.Module):
    """A module called twice: per-layer gives one region per call."""

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)
        self.other = torch.nn.Linear(4, 4)

    def forward(self, x):
        return self.lin(torch.relu(self.other(self.lin(x))))


def make(args):
    x = torch.ones(4, 4)
    adj = torch.eye(4)
    case = args.preset
    if case == "tanh":
        return Tanh(), {"x": x}, {}
    if case == "sparse-softmax":
        return SparseSoftmax(), {"adj": adj}, {"adj": "csr"}
    if case == "sparse-transpose":
        return SparseTranspose(), {"adj": adj, "x": x}, {"adj": "dcsr"}
    if case == "sparse-reshape":
        return SparseReshape(), {"adj": adj}, {"adj": "dcsr"}
    if case == "dense-mask":
        return DenseMask(), {"s": x, "mask": adj}, {}
    if case == "unknown-format":
        return Tanh(), {"x": x}, {"x": "coo"}
    if case == "unknown-tensor":
        return SparseReshape(), {"adj": adj}, {"adjacency": "dcsr"}
    if case == "shared":
        return Shared(), {"x": x}, {}
    if case == "cycle":
        return Cycle(), {"x": x}, {}
    if case == "gelu-exact":
        return GeluExact(), {"x": x}, {}
    if case == "layer-norm-2d":
        return LayerNorm2d(), {"x": x}, {}
    if case == "reshape-order":
        return ReshapeOrder(), {"x": x, "y": torch.ones(2, 8)}, {}
    raise SystemExit(f"bad_models: unknown case {case}")


class Cycle(torch.nn.Module):
    """Per-layer puts enc.a and enc.b (one top-level module) in one region, but
    enc.b needs dec's result, which needs enc.a's: a cycle of regions."""

    def __init__(self):
        super().__init__()
        self.enc = torch.nn.Module()
        self.enc.a = torch.nn.Linear(4, 4)
        self.enc.b = torch.nn.Linear(4, 4)
        self.dec = torch.nn.Linear(4, 4)

    def forward(self, x):
        return self.enc.b(self.dec(self.enc.a(x)))


class ReshapeOrder(torch.nn.Module):
    """A region whose later op needs a reshape placed after its first op."""

    def forward(self, x, y):
        h = torch.relu(x.reshape(16))        # after one reshape
        z = y.reshape(16)                    # a reshape placed after relu...
        return h + z                         # ...that relu's region needs


class GeluExact(torch.nn.Module):
    """The exact (erf) GELU: only the tanh approximation lowers."""

    def forward(self, x):
        return torch.nn.functional.gelu(x)


class LayerNorm2d(torch.nn.Module):
    """layer_norm over two dims: only the last dim is supported."""

    def __init__(self):
        super().__init__()
        self.ln = torch.nn.LayerNorm([4, 4])

    def forward(self, x):
        return self.ln(x)
