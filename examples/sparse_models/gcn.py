"""2-layer GCN (Kipf & Welling) as FuseFlow evaluates it.

out = log_softmax(Â · relu(Â · X · W1ᵀ + b1) · W2ᵀ + b2), with Â = D^-1/2 (A + I) D^-1/2
precomputed (it is an input, declared DCSR as in FuseFlow's artifact). Each
layer computes Â·X first and then the linear map, the order of FuseFlow's
unfused op list (adj·X, linear mul, linear bias, relu, ...). Hidden size 16.
"""
import numpy as np
import torch

import common


class GCNLayer(torch.nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.linear = torch.nn.Linear(fin, fout)

    def forward(self, adj, x):
        return self.linear(torch.matmul(adj, x))


class GCN(torch.nn.Module):
    def __init__(self, features, hidden, classes):
        super().__init__()
        self.layer1 = GCNLayer(features, hidden)
        self.layer2 = GCNLayer(hidden, classes)

    def forward(self, adj, x):
        h = torch.relu(self.layer1(adj, x))
        return torch.log_softmax(self.layer2(adj, h), dim=-1)


def gcn_norm(adj):
    a = adj + np.eye(adj.shape[0], dtype=np.float32)
    d = 1.0 / np.sqrt(a.sum(axis=1))
    return (d[:, None] * a * d[None, :]).astype(np.float32)


def make(args):
    adj, x, classes = common.graph_inputs(args)
    torch.manual_seed(args.seed)
    model = GCN(x.shape[1], 16, classes)
    common.prune_(model, args.weight_sparsity, args.seed)
    inputs = {"adj": torch.from_numpy(gcn_norm(adj)), "x": torch.from_numpy(x)}
    formats = {"adj": "dcsr"}
    formats.update(common.feature_formats(args, x))
    formats.update(common.weight_formats(model, args.weight_format))
    return model, inputs, formats


def reference(t):
    """numpy reference from a tensor store's dense tensors `t`."""
    # (Â X) Wᵀ computed as Â (X Wᵀ): the same product, far fewer flops for wide features
    h = np.maximum(t["adj"] @ (t["x"] @ t["layer1_linear_weight"].T) + t["layer1_linear_bias"], 0)
    z = t["adj"] @ (h @ t["layer2_linear_weight"].T) + t["layer2_linear_bias"]
    return common.log_softmax(z)
