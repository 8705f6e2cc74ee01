"""Model-side helpers the importer recognizes (leaf modules of the trace)."""
import torch


class MaskedSoftmax(torch.nn.Module):
    """Softmax over the stored entries of a sparse mask: masked (block-sparse) attention.

    forward(scores, mask): scores [..., M, N]; mask [M, N] whose nonzero entries
    (value 1) are the kept positions. Row r of the result is the softmax of
    scores[..., r, j] over the j with mask[r, j] != 0 and exactly 0 elsewhere;
    a row without kept entries is all zero. The importer lowers it to a
    sampling product, row max, exp(x - max) on stored entries only, row sum
    and a division, all on tensors carrying the mask's sparse encoding.
    """

    def __init__(self, dim=-1):
        super().__init__()
        if dim != -1:
            raise ValueError("MaskedSoftmax supports dim=-1 only")
        self.dim = dim

    def forward(self, scores, mask):
        keep = mask != 0
        masked = scores.masked_fill(~keep, float("-inf"))
        out = torch.softmax(masked, dim=-1)
        return torch.nan_to_num(out, nan=0.0) * keep
