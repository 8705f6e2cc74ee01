"""The step tensor store: a directory of .npy files plus manifest.json.

numpy only (no torch), so the simulator side and the data generators can use it.
Layout (documented in frontends/README.md):

    <dir>/manifest.json
    <dir>/<name>.npy                        dense tensor
    <dir>/<name>.mode<m>.seg.npy            compressed level m: positions (int32)
    <dir>/<name>.mode<m>.crd.npy            compressed level m: coordinates (int32)
    <dir>/<name>.vals.npy                   sparse tensor: stored values (float32)

A sparse tensor's levels follow SAM's fibertree: level m is "dense" (only its
size, shape[m]) or "compressed" (seg/crd). A reference r into level m (r = 0
for the root) covers crd[seg[r]:seg[r+1]] of a compressed level, with the
next-level references seg[r]..seg[r+1]-1, or coordinates 0..shape[m]-1 with
references r*shape[m]+c of a dense level. vals is indexed by the last level's
references. Levels are stored in the tensor's dimension order (no permutation).
"""
import json
import os

import numpy as np

FORMAT_NAME = "step-tensor-store"
FORMAT_VERSION = 1

# Named formats of a rank-2 tensor; a rank-r tensor with r > 2 keeps its
# leading r - 2 dimensions dense and applies the format to the last two.
FORMATS = {
    "dense": None,
    "csr": ("dense", "compressed"),
    "dcsr": ("compressed", "compressed"),
}


def levels_of(fmt, rank):
    """Level types of a tensor of this rank in format fmt; None for dense."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    base = FORMATS[fmt]
    if base is None:
        return None
    if rank < 2:
        raise ValueError(f"format '{fmt}' needs a tensor of rank >= 2, got rank {rank}")
    return ("dense",) * (rank - 2) + base


def compress(dense, levels):
    """Fibertree arrays of `dense` with the given level types.

    Returns (arrays, vals): arrays[m] = (seg, crd) for a compressed level m,
    None for a dense one. Stored entries are the nonzeros of `dense`.
    """
    dense = np.asarray(dense)
    shape = dense.shape
    coords = np.argwhere(dense != 0)  # lexicographic order
    vals = dense[tuple(coords.T)].astype(np.float32) if coords.size else np.zeros(0, np.float32)
    if coords.size == 0:
        coords = np.zeros((0, len(shape)), np.int64)
    arrays = []
    # parent key of each stored entry at the current level: tuple prefix index
    # represented by the fibre id of the previous level.
    parent_ids = np.zeros(len(coords), np.int64)  # fibre ids at level m-1 (root fibre 0)
    nparents = 1
    for m, kind in enumerate(levels):
        c = coords[:, m]
        if kind == "dense":
            arrays.append(None)
            parent_ids = parent_ids * shape[m] + c
            nparents *= shape[m]
            continue
        # unique (parent, coordinate) pairs, in order: the fibres of this level
        key = parent_ids * shape[m] + c
        ukey, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        fibre_parent = ukey // shape[m]
        crd = (ukey % shape[m]).astype(np.int32)
        seg = np.zeros(nparents + 1, np.int64)
        np.add.at(seg, fibre_parent + 1, 1)
        seg = np.cumsum(seg).astype(np.int32)
        arrays.append((seg, crd))
        parent_ids = inverse.astype(np.int64)
        nparents = len(ukey)
    return arrays, vals


def expand(shape, levels, arrays, vals):
    """Dense numpy array from fibertree arrays (inverse of compress)."""
    refs = np.zeros(1, np.int64)          # references into the current level
    coords = np.zeros((1, 0), np.int64)   # coordinates so far, one row per ref
    for m, kind in enumerate(levels):
        n = shape[m]
        if kind == "dense":
            refs = (refs[:, None] * n + np.arange(n)[None, :]).reshape(-1)
            coords = np.concatenate(
                [np.repeat(coords, n, axis=0), np.tile(np.arange(n), len(coords))[:, None]], axis=1)
        else:
            seg, crd = arrays[m]
            seg = seg.astype(np.int64)
            starts = seg[refs]
            counts = seg[refs + 1] - starts
            # concatenation of arange(seg[r], seg[r+1]) over refs, vectorized
            offsets = np.cumsum(counts) - counts
            new_refs = np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()), dtype=np.int64)
            coords = np.concatenate([np.repeat(coords, counts, axis=0), crd[new_refs][:, None]], axis=1)
            refs = new_refs
    out = np.zeros(shape, np.float32)
    if len(refs):
        out[tuple(coords.T)] = vals[refs]
    return out


class TensorStore:
    """Writes (and reads back) a tensor store directory."""

    def __init__(self, path):
        self.path = path
        self.tensors = {}
        self.extra = {}

    # -- writing ---------------------------------------------------------
    def add(self, name, array, fmt="dense", role="input"):
        array = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
        levels = levels_of(fmt, array.ndim)
        os.makedirs(self.path, exist_ok=True)
        entry = {"role": role, "shape": list(array.shape), "dtype": "float32", "format": fmt}
        if levels is None:
            entry["file"] = f"{name}.npy"
            np.save(os.path.join(self.path, entry["file"]), array)
        else:
            arrays, vals = compress(array, levels)
            entry["levels"] = list(levels)
            entry["nnz"] = int(len(vals))
            files = {"vals": f"{name}.vals.npy", "levels": []}
            np.save(os.path.join(self.path, files["vals"]), vals)
            for m, lv in enumerate(arrays):
                if lv is None:
                    files["levels"].append(None)
                    continue
                seg_f, crd_f = f"{name}.mode{m}.seg.npy", f"{name}.mode{m}.crd.npy"
                np.save(os.path.join(self.path, seg_f), lv[0])
                np.save(os.path.join(self.path, crd_f), lv[1])
                files["levels"].append({"seg": seg_f, "crd": crd_f})
            entry["files"] = files
        self.tensors[name] = entry
        return entry

    def write_manifest(self, **extra):
        self.extra.update(extra)
        manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION}
        manifest.update(self.extra)
        manifest["tensors"] = self.tensors
        os.makedirs(self.path, exist_ok=True)
        with open(os.path.join(self.path, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")


def load_manifest(path):
    with open(os.path.join(path, "manifest.json")) as f:
        manifest = json.load(f)
    if manifest.get("format") != FORMAT_NAME:
        raise ValueError(f"{path}/manifest.json: not a {FORMAT_NAME} manifest")
    return manifest


def load_tensor(path, name, manifest=None):
    """Dense numpy array of tensor `name` of the store at `path`."""
    manifest = manifest or load_manifest(path)
    if name not in manifest["tensors"]:
        raise KeyError(f"{path}: no tensor '{name}'")
    e = manifest["tensors"][name]
    shape = tuple(e["shape"])
    if "file" in e:
        return np.load(os.path.join(path, e["file"]))
    files = e["files"]
    vals = np.load(os.path.join(path, files["vals"]))
    arrays = []
    for lv in files["levels"]:
        arrays.append(None if lv is None else (np.load(os.path.join(path, lv["seg"])),
                                               np.load(os.path.join(path, lv["crd"]))))
    return expand(shape, e["levels"], arrays, vals)


def load_all(path):
    manifest = load_manifest(path)
    return {n: load_tensor(path, n, manifest) for n in manifest["tensors"]}
