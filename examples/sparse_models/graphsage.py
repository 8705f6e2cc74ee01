"""2-layer GraphSAGE with the mean aggregator.

layer(h) = W_nbr · mean_{j in N(i)} h_j + b + W_self · h_i, i.e.
lin_nbr(Â_mean · h) + lin_self(h) with Â_mean = D^-1 A (row-normalized
adjacency, an input declared DCSR). relu between the layers, log_softmax at
the end; hidden size 16 (FuseFlow's GCN/GraphSAGE configuration). The sum of
the two linear terms is FuseFlow's "graphsage_linear_adds".
"""
import numpy as np
import torch

import common


class SAGELayer(torch.nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.lin_nbr = torch.nn.Linear(fin, fout)
        self.lin_self = torch.nn.Linear(fin, fout, bias=False)

    def forward(self, adj, h):
        return self.lin_nbr(torch.matmul(adj, h)) + self.lin_self(h)


class GraphSAGE(torch.nn.Module):
    def __init__(self, features, hidden, classes):
        super().__init__()
        self.layer1 = SAGELayer(features, hidden)
        self.layer2 = SAGELayer(hidden, classes)

    def forward(self, adj, x):
        h = torch.relu(self.layer1(adj, x))
        return torch.log_softmax(self.layer2(adj, h), dim=-1)


def mean_norm(adj):
    deg = adj.sum(axis=1)
    return (adj / np.maximum(deg, 1)[:, None]).astype(np.float32)


def make(args):
    adj, x, classes = common.graph_inputs(args)
    torch.manual_seed(args.seed)
    model = GraphSAGE(x.shape[1], 16, classes)
    common.prune_(model, args.weight_sparsity, args.seed)
    inputs = {"adj": torch.from_numpy(mean_norm(adj)), "x": torch.from_numpy(x)}
    formats = {"adj": "dcsr"}
    formats.update(common.feature_formats(args, x))
    formats.update(common.weight_formats(model, args.weight_format))
    return model, inputs, formats


def reference(t):
    def layer(h, p):
        # (Â h) Wᵀ computed as Â (h Wᵀ)
        return t["adj"] @ (h @ t[p + "_lin_nbr_weight"].T) + t[p + "_lin_nbr_bias"] + h @ t[p + "_lin_self_weight"].T
    h = np.maximum(layer(t["x"], "layer1"), 0)
    return common.log_softmax(layer(h, "layer2"))
