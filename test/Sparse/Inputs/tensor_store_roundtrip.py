"""Prints the fibertree files of a hand-made matrix and round-trips random tensors."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "frontends", "torch"))
from step_torch.tensor_store import TensorStore, load_all  # noqa: E402

out = sys.argv[1]
a = np.zeros((4, 5), np.float32)
a[0, 1], a[0, 4], a[2, 2], a[3, 0], a[3, 4] = 1, 2, 3, 4, 5
store = TensorStore(out)
for fmt in ("csr", "dcsr"):
    e = store.add(fmt, a, fmt)
    parts = [f"{fmt} levels {e['levels']}"]
    for m, lv in enumerate(e["files"]["levels"]):
        if lv:
            seg = np.load(os.path.join(out, lv["seg"])).tolist()
            crd = np.load(os.path.join(out, lv["crd"])).tolist()
            parts.append(f"mode{m} seg {seg} crd {crd}")
    parts.append(f"vals {np.load(os.path.join(out, e['files']['vals'])).tolist()}")
    print(" ".join(parts))

rng = np.random.default_rng(0)
ref = {}
for rank in (2, 3):
    shape = (3, 6, 7)[-rank:]
    for fmt in ("dense", "csr", "dcsr"):
        t = (rng.standard_normal(shape) * (rng.random(shape) < 0.3)).astype(np.float32)
        t[..., 1, :] = 0  # an empty row
        name = f"t{rank}_{fmt}"
        store.add(name, t, fmt)
        ref[name] = t
store.write_manifest()
back = load_all(out)
equal = sum(np.array_equal(back[k], v) for k, v in ref.items())
print(f"round trip: {equal} tensors equal" + ("" if equal == len(ref) else f" of {len(ref)}"))
