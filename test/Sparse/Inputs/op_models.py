"""Small models covering every op the torch frontend lowers; --preset picks one.
run-mlir executes their MLIR with upstream's sparse compiler against PyTorch."""
import torch
import torch.nn.functional as F

from step_torch import MaskedSoftmax


class Elementwise(torch.nn.Module):
    """Scalars on either side, broadcasting, sub/div/sigmoid/exp/relu, sparse operands."""

    def forward(self, a, b, row):
        x = 1.0 - torch.sigmoid(a) * 2.0 + row      # row [6] broadcast over [4, 6]
        y = torch.exp(b / 4.0) - x / (row + 3.0)
        z = torch.relu(a) * b                        # sparse a: result in a's pattern
        return F.relu(y + z.contiguous()) + torch.add(a, b)


class Contractions(torch.nn.Module):
    """addmm, t(), bmm, batch broadcast of a rank-2 operand, permute, flatten, view."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(6, 5))
        self.bias = torch.nn.Parameter(torch.randn(5))

    def forward(self, a, b3):
        h = torch.addmm(self.bias, a, self.w)            # [4, 5]
        g = torch.mm(h.t(), a)                           # [5, 6]
        c = torch.bmm(b3, b3.transpose(1, 2))            # [2, 3, 3]
        d = torch.matmul(c, b3)                          # [2, 3, 6]
        e = torch.matmul(d, g.t())                       # [2, 3, 5]
        f = e.permute(2, 0, 1)                           # [5, 2, 3]
        return torch.softmax(f.flatten(1), dim=-1).view(6, 5)   # no dim grouping: via rank 1


class Attention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.sm = MaskedSoftmax()

    def forward(self, q, k, mask):
        s = q @ k.transpose(-2, -1)
        return F.log_softmax(s, dim=0) + self.sm(s, mask)


def make(args):
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    sparse = torch.randn(4, 6, generator=g) * (torch.rand(4, 6, generator=g) < 0.4)
    case = args.preset
    if case == "elementwise":
        return Elementwise(), {"a": sparse, "b": torch.randn(4, 6, generator=g),
                               "row": torch.rand(6, generator=g)}, {"a": "csr"}
    if case == "contractions":
        return Contractions(), {"a": sparse, "b3": torch.randn(2, 3, 6, generator=g)}, {"a": "dcsr"}
    if case == "attention":
        mask = (torch.rand(5, 5, generator=g) < 0.5).float()
        mask[2] = 0  # a row without kept entries
        return Attention(), {"q": torch.randn(2, 5, 3, generator=g), "k": torch.randn(2, 5, 3, generator=g),
                             "mask": mask}, {"mask": "dcsr"}
    raise SystemExit(f"op_models: unknown case {case}")
