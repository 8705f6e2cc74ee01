"""3-layer sparse autoencoder (SAE) with pruned (sparse) weights and sparse input.

x [batch, input_dim] (declared DCSR: the images' zero pixels, FuseFlow's
"batched 32x50176 DCSR" input) -> encoder relu(W1 x + b1) [hidden] ->
relu(W2 h + b2) [hidden] -> decoder sigmoid(W3 h + b3) [input_dim].
Weights are magnitude-independent random prunings to --weight-sparsity
(Table 2: 50%), declared DCSR (FuseFlow stores its weights DCSR).
Presets follow FuseFlow's artifact configurations (input_dim / hidden_dim):
imagenet 50176/256, luna16 262144/512, nih-cxr 1048576/512; `tiny` is a
small stand-in for tests. The layer structure is our choice: the digest
gives only "3 layers" and the sizes.
"""
import numpy as np
import torch

import common

PRESETS = {"tiny": (256, 32), "imagenet": (50176, 256), "luna16": (262144, 512), "nih-cxr": (1048576, 512)}


class SAE(torch.nn.Module):
    def __init__(self, input_dim, hidden):
        super().__init__()
        self.enc1 = torch.nn.Linear(input_dim, hidden)
        self.enc2 = torch.nn.Linear(hidden, hidden)
        self.dec = torch.nn.Linear(hidden, input_dim)

    def forward(self, x):
        h = torch.relu(self.enc1(x))
        h = torch.relu(self.enc2(h))
        return torch.sigmoid(self.dec(h))


def make(args):
    preset = args.preset or "tiny"
    if preset not in PRESETS:
        raise SystemExit(f"sae: unknown preset '{preset}' (expected one of {', '.join(PRESETS)})")
    input_dim, hidden = PRESETS[preset]
    rng = np.random.default_rng(args.seed)
    batch = args.batch or 5
    # images with ~half of the pixels zero (ZB lossy sparsity of Table 2)
    x = rng.random((batch, input_dim), dtype=np.float32)
    x[rng.random((batch, input_dim)) < args.input_sparsity] = 0
    torch.manual_seed(args.seed)
    model = SAE(input_dim, hidden)
    common.prune_(model, 0.5 if args.weight_sparsity is None else args.weight_sparsity, args.seed)
    formats = {"x": "dcsr"}
    formats.update(common.weight_formats(model, args.weight_format or "dcsr"))
    return model, {"x": torch.from_numpy(x)}, formats


def reference(t):
    h = np.maximum(t["x"] @ t["enc1_weight"].T + t["enc1_bias"], 0)
    h = np.maximum(h @ t["enc2_weight"].T + t["enc2_bias"], 0)
    return 1.0 / (1.0 + np.exp(-(h @ t["dec_weight"].T + t["dec_bias"])))
