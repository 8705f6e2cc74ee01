"""torch.fx importer: an nn.Module to MLIR (func + linalg + sparse_tensor) text.

Pipeline: trace (torch.fx, into every submodule except MaskedSoftmax) ->
shape propagation on the example inputs -> lowering of each fx node to
"units" (one linalg-level operation each; linear/addmm give a matmul unit and
a bias unit) -> folding of last-two-dims transposes into matmul maps ->
fusion regions -> MLIR text. See frontends/README.md for the contract.
"""
import math
import operator
import re
import time

import torch
import torch.fx as fx
import torch.nn.functional as F
from torch.fx.passes.shape_prop import ShapeProp

from .ops import MaskedSoftmax
from .tensor_store import FORMATS, TensorStore, levels_of


class FrontendError(Exception):
    """Bad or unsupported input; the message names the fx node."""


# --------------------------------------------------------------------------
# Values and units


class Value:
    def __init__(self, name, shape, levels=None, kind="op", source=None):
        self.name = name          # SSA name (without %)
        self.shape = tuple(int(s) for s in shape)
        self.levels = tuple(levels) if levels else None
        self.kind = kind          # arg | param | op | reshape
        self.source = source      # forward argument name or parameter path
        self.producer = None      # Unit or None

    @property
    def rank(self):
        return len(self.shape)


class Unit:
    def __init__(self, kind, node, operands, result, scope, **attrs):
        self.kind = kind
        self.node = node          # fx node name (for errors and the manifest)
        self.operands = operands  # list of Value or float
        self.result = result
        self.scope = scope
        self.attrs = attrs
        self.name = result.name
        result.producer = self

    def tensor_operands(self):
        return [v for v in self.operands if isinstance(v, Value)]


_TARGETS = {
    operator.add: "add", torch.add: "add",
    operator.mul: "mul", torch.mul: "mul",
    operator.sub: "sub", torch.sub: "sub",
    operator.truediv: "div", torch.div: "div", torch.true_divide: "div",
    operator.matmul: "matmul", torch.matmul: "matmul", torch.mm: "matmul", torch.bmm: "matmul",
    torch.addmm: "addmm", F.linear: "linear",
    torch.relu: "relu", F.relu: "relu",
    torch.sigmoid: "sigmoid", torch.exp: "exp",
    torch.softmax: "softmax", F.softmax: "softmax",
    torch.log_softmax: "log_softmax", F.log_softmax: "log_softmax",
    torch.transpose: "transpose", torch.t: "t", torch.permute: "permute",
    torch.reshape: "reshape", torch.flatten: "flatten",
    F.layer_norm: "layer_norm", F.gelu: "gelu",
}
_METHODS = {
    "add": "add", "mul": "mul", "sub": "sub", "div": "div", "matmul": "matmul",
    "mm": "matmul", "bmm": "matmul", "relu": "relu", "sigmoid": "sigmoid", "exp": "exp",
    "softmax": "softmax", "log_softmax": "log_softmax", "transpose": "transpose",
    "t": "t", "permute": "permute", "reshape": "reshape", "view": "reshape",
    "flatten": "flatten", "contiguous": "alias",
}
_ZERO_PRESERVING_UNARY = {"relu"}


class _Tracer(fx.Tracer):
    """Traces into every module except MaskedSoftmax and records module scopes."""

    def __init__(self):
        super().__init__()
        self._scope = []   # (qualified name, call index) of the modules being traced
        self._calls = {}

    def is_leaf_module(self, m, qualified_name):
        return isinstance(m, MaskedSoftmax)

    def call_module(self, m, forward, args, kwargs):
        qn = self.path_of_module(m)
        self._calls[qn] = self._calls.get(qn, -1) + 1
        self._scope.append((qn, self._calls[qn]))
        try:
            return super().call_module(m, forward, args, kwargs)
        finally:
            self._scope.pop()

    def create_node(self, *args, **kwargs):
        node = super().create_node(*args, **kwargs)
        node.meta["step_scope"] = tuple(self._scope)
        return node


def _sanitize(name):
    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return s if re.match(r"[A-Za-z_]", s) else "v" + s


# --------------------------------------------------------------------------
# Lowering fx nodes to units


class _Lowering:
    def __init__(self, gm, formats):
        self.gm = gm
        self.formats = dict(formats)
        self.env = {}
        self.units = []
        self.args = []
        self.params = []
        self.outputs = []
        self.used_formats = set()

    def err(self, node, msg):
        return FrontendError(f"fx node '{node.name}' ({node.op} {self._target_name(node)}): {msg}")

    @staticmethod
    def _target_name(node):
        t = node.target
        if isinstance(t, str):
            return t
        name = getattr(t, "__name__", None)
        if name is None:
            return str(t)
        mod = getattr(t, "__module__", None)
        mod = {None: "torch", "_operator": "operator", "torch._C._VariableFunctions": "torch"}.get(mod, mod)
        return f"{mod}.{name}"

    def shape_of(self, node):
        meta = node.meta.get("tensor_meta")
        if meta is None or not hasattr(meta, "shape"):
            raise self.err(node, "result is not a single tensor (tuples, sizes and python values are not supported)")
        if meta.dtype not in (torch.float32,):
            raise self.err(node, f"element type {meta.dtype} is not supported (float32 only)")
        return tuple(meta.shape)

    def operand(self, node, a):
        if isinstance(a, fx.Node):
            v = self.env[a.name]
            return v
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            return float(a)
        raise self.err(node, f"operand {a!r} is not supported")

    def declared_levels(self, node, key, shape):
        fmt = self.formats.get(key, "dense")
        self.used_formats.add(key)
        try:
            return levels_of(fmt, len(shape)), fmt
        except ValueError as e:
            raise self.err(node, f"format of '{key}': {e}")

    def add(self, kind, node, operands, shape, levels=None, suffix="", **attrs):
        v = Value(_sanitize(node.name) + suffix, shape, levels)
        u = Unit(kind, node.name, operands, v, node.meta.get("step_scope", ()), **attrs)
        self.units.append(u)
        return v

    def run(self):
        for node in self.gm.graph.nodes:
            self.env[node.name] = self.lower(node)
        unknown = set(self.formats) - self.used_formats
        if unknown:
            names = [a.source for a in self.args] + [p.source for p in self.params]
            raise FrontendError(f"sparse formats given for unknown tensors {sorted(unknown)}; "
                                f"inputs and parameters are {names}")
        return self

    def lower(self, node):
        if node.op == "placeholder":
            shape = self.shape_of(node)
            levels, fmt = self.declared_levels(node, node.target, shape)
            v = Value(_sanitize(node.name), shape, levels, "arg", node.target)
            v.format = fmt
            self.args.append(v)
            return v
        if node.op == "get_attr":
            shape = self.shape_of(node)
            levels, fmt = self.declared_levels(node, node.target, shape)
            v = Value(_sanitize(node.name), shape, levels, "param", node.target)
            v.format = fmt
            self.params.append(v)
            return v
        if node.op == "output":
            res = node.args[0]
            res = list(res) if isinstance(res, (tuple, list)) else [res]
            for r in res:
                if not isinstance(r, fx.Node):
                    raise self.err(node, f"output {r!r} is not a tensor")
                self.outputs.append(self.env[r.name])
            return None
        if node.op == "call_module":
            mod = self.gm.get_submodule(node.target)
            if isinstance(mod, MaskedSoftmax):
                return self.lower_masked_softmax(node)
            raise self.err(node, f"module {type(mod).__name__} is not supported")
        if node.op == "call_function":
            kind = _TARGETS.get(node.target)
        elif node.op == "call_method":
            kind = _METHODS.get(node.target)
        else:
            kind = None
        if kind is None:
            raise self.err(node, "operation is not supported by the step torch frontend "
                                 "(supported: matmul/mm/bmm/addmm/linear, add/sub/mul/div, relu, sigmoid, exp, "
                                 "softmax, log_softmax, layer_norm, gelu(approximate='tanh'), transpose/t/permute, "
                                 "reshape/view/flatten, MaskedSoftmax)")
        shape = self.shape_of(node)
        return getattr(self, "lower_" + kind)(node, shape)

    # -- helpers to read arguments
    def arg(self, node, i, name, default=None):
        if len(node.args) > i:
            return node.args[i]
        return node.kwargs.get(name, default)

    def check_kwargs(self, node, allowed):
        bad = [k for k, v in node.kwargs.items() if k not in allowed and v is not None]
        if bad:
            raise self.err(node, f"keyword arguments {bad} are not supported")

    # -- elementwise
    def lower_binary(self, node, shape, op):
        self.check_kwargs(node, ("other", "input"))
        a = self.operand(node, self.arg(node, 0, "input"))
        b = self.operand(node, self.arg(node, 1, "other"))
        if not isinstance(a, Value) and not isinstance(b, Value):
            raise self.err(node, "needs at least one tensor operand")
        levels = self.binary_levels(node, op, a, b, shape)
        return self.add("elementwise", node, [a, b], shape, levels, op=op)

    def binary_levels(self, node, op, a, b, shape):
        sparse = [v for v in (a, b) if isinstance(v, Value) and v.levels]
        if not sparse:
            return None
        def lifted(v):
            return ("dense",) * (len(shape) - v.rank) + v.levels
        if op == "mul":
            # intersection: the result keeps a sparse operand's pattern
            for v in sparse:
                if v.shape == shape[len(shape) - v.rank:]:
                    return lifted(v)
            return None
        if op == "div":
            if isinstance(a, Value) and a.levels and not (isinstance(b, Value) and b.levels):
                return lifted(a) if a.shape == shape[len(shape) - a.rank:] else None
            return None
        # add/sub: sparse only when both operands are sparse with the same pattern type
        if len(sparse) == 2 and a.shape == b.shape == shape and a.levels == b.levels:
            return a.levels
        return None

    def lower_add(self, node, shape):
        if node.kwargs.get("alpha") not in (None, 1):
            raise self.err(node, "alpha != 1 is not supported")
        return self.lower_binary(node, shape, "add")

    def lower_sub(self, node, shape):
        if node.kwargs.get("alpha") not in (None, 1):
            raise self.err(node, "alpha != 1 is not supported")
        return self.lower_binary(node, shape, "sub")

    def lower_mul(self, node, shape):
        return self.lower_binary(node, shape, "mul")

    def lower_div(self, node, shape):
        if node.kwargs.get("rounding_mode") is not None:
            raise self.err(node, "rounding_mode is not supported")
        return self.lower_binary(node, shape, "div")

    def lower_unary(self, node, shape, op):
        self.check_kwargs(node, ("input", "inplace"))
        x = self.operand(node, self.arg(node, 0, "input"))
        if not isinstance(x, Value):
            raise self.err(node, "operand is not a tensor")
        levels = x.levels if op in _ZERO_PRESERVING_UNARY else None
        return self.add("elementwise", node, [x], shape, levels, op=op)

    def lower_relu(self, node, shape):
        return self.lower_unary(node, shape, "relu")

    def lower_sigmoid(self, node, shape):
        return self.lower_unary(node, shape, "sigmoid")

    def lower_exp(self, node, shape):
        return self.lower_unary(node, shape, "exp")

    # -- contractions
    def lower_matmul(self, node, shape):
        a = self.operand(node, self.arg(node, 0, "input"))
        b = self.operand(node, self.arg(node, 1, "other" if node.op == "call_function" else "mat2"))
        if not isinstance(a, Value) or not isinstance(b, Value):
            raise self.err(node, "both operands must be tensors")
        if a.rank < 2 or b.rank < 2:
            raise self.err(node, "matmul of rank-1 tensors is not supported")
        return self.add("matmul", node, [a, b], shape, None, trans=[False, False])

    def lower_linear(self, node, shape):
        x = self.operand(node, self.arg(node, 0, "input"))
        w = self.operand(node, self.arg(node, 1, "weight"))
        bias = self.arg(node, 2, "bias")
        if not isinstance(x, Value) or not isinstance(w, Value) or w.rank != 2 or x.rank < 2:
            raise self.err(node, "expects input of rank >= 2 and a rank-2 weight")
        y = self.add("matmul", node, [x, w], shape, None, suffix="_mm" if bias is not None else "",
                     trans=[False, True])
        if bias is None:
            return y
        return self.add("elementwise", node, [y, self.operand(node, bias)], shape, None, op="add", bias=True)

    def lower_addmm(self, node, shape):
        self.check_kwargs(node, ())
        bias, a, b = (self.operand(node, x) for x in node.args[:3])
        y = self.add("matmul", node, [a, b], shape, None, suffix="_mm", trans=[False, False])
        return self.add("elementwise", node, [y, bias], shape, None, op="add", bias=True)

    # -- softmax family
    def softmax_dim(self, node, x):
        dim = self.arg(node, 1, "dim")
        if dim is None:
            raise self.err(node, "softmax needs an explicit dim")
        if node.kwargs.get("dtype") is not None:
            raise self.err(node, "dtype is not supported")
        return dim % x.rank

    def lower_softmax(self, node, shape, log=False):
        x = self.operand(node, self.arg(node, 0, "input"))
        if x.levels:
            raise self.err(node, "softmax of a sparse tensor would count its implicit zeros; "
                                 "use step_torch.MaskedSoftmax for a softmax over stored entries")
        return self.add("log_softmax" if log else "softmax", node, [x], shape, None, dim=self.softmax_dim(node, x))

    def lower_log_softmax(self, node, shape):
        return self.lower_softmax(node, shape, log=True)

    def lower_masked_softmax(self, node):
        shape = self.shape_of(node)
        if len(node.args) != 2 or node.kwargs:
            raise self.err(node, "MaskedSoftmax takes (scores, mask)")
        s, m = (self.operand(node, a) for a in node.args)
        if not isinstance(m, Value) or not m.levels:
            raise self.err(node, "the mask must be a sparse tensor (declare its format, e.g. dcsr)")
        if s.levels or s.shape[-m.rank:] != m.shape:
            raise self.err(node, f"scores {list(s.shape)} must be dense and end in the mask's shape {list(m.shape)}")
        levels = ("dense",) * (s.rank - m.rank) + m.levels
        return self.add("masked_softmax", node, [s, m], shape, levels)

    # -- decoder-block ops (GPT-3): layer norm and the tanh GELU
    def lower_layer_norm(self, node, shape):
        """layer_norm over the last dim: one unit (mean, variance, normalize)."""
        x = self.operand(node, self.arg(node, 0, "input"))
        nshape = self.arg(node, 1, "normalized_shape")
        eps = self.arg(node, 4, "eps", 1e-5)
        if not isinstance(x, Value) or x.levels:
            raise self.err(node, "layer_norm needs a dense tensor operand")
        if list(nshape) != [x.shape[-1]]:
            raise self.err(node, f"layer_norm over {list(nshape)}: only the last dim ({x.shape[-1]}) is supported")
        ops = [x]
        affine = []
        for i, key in ((2, "weight"), (3, "bias")):
            a = self.arg(node, i, key)
            if a is None:
                affine.append(False)
                continue
            v = self.operand(node, a)
            if not isinstance(v, Value) or v.levels or v.shape != (x.shape[-1],):
                raise self.err(node, f"layer_norm {key} must be a dense [{x.shape[-1]}] tensor")
            ops.append(v)
            affine.append(True)
        return self.add("layer_norm", node, ops, shape, None, eps=float(eps),
                        weight=affine[0], bias=affine[1])

    def lower_gelu(self, node, shape):
        x = self.operand(node, self.arg(node, 0, "input"))
        approx = self.arg(node, 1, "approximate", "none")
        if approx != "tanh":
            raise self.err(node, "gelu: only approximate='tanh' is supported (exact GELU needs erf, "
                                 "which neither the lowering nor the tile ops have)")
        if not isinstance(x, Value) or x.levels:
            raise self.err(node, "gelu needs a dense tensor operand")
        return self.add("elementwise", node, [x], shape, None, op="gelu_tanh")

    # -- data movement
    def lower_transpose(self, node, shape):
        x = self.operand(node, self.arg(node, 0, "input"))
        d0, d1 = self.arg(node, 1, "dim0") % x.rank, self.arg(node, 2, "dim1") % x.rank
        perm = list(range(x.rank))
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return self.permute(node, x, perm, shape)

    def lower_t(self, node, shape):
        x = self.operand(node, self.arg(node, 0, "input"))
        return self.permute(node, x, list(range(x.rank))[::-1], shape)

    def lower_permute(self, node, shape):
        x = self.operand(node, node.args[0])
        perm = node.args[1:] if len(node.args) > 2 or isinstance(node.args[1], int) else node.args[1]
        if "dims" in node.kwargs:
            perm = node.kwargs["dims"]
        return self.permute(node, x, [p % x.rank for p in perm], shape)

    def permute(self, node, x, perm, shape):
        if perm == list(range(x.rank)):
            return x
        return self.add("transpose", node, [x], shape, None, perm=perm)

    def lower_reshape(self, node, shape):
        x = self.operand(node, node.args[0])
        if tuple(shape) == x.shape:
            return x
        if x.levels:
            raise self.err(node, "reshape of a sparse tensor is not supported")
        v = self.add("reshape", node, [x], shape, None)
        v.kind = "reshape"
        return v

    def lower_flatten(self, node, shape):
        return self.lower_reshape(node, shape)

    def lower_alias(self, node, shape):
        return self.operand(node, node.args[0])


def _fold_transposes(lowering):
    """Drop a last-two-dims transpose whose every user is a matmul: the matmul
    reads the operand through a transposed indexing map instead."""
    users = {}
    for u in lowering.units:
        for v in u.tensor_operands():
            users.setdefault(id(v), []).append(u)
    outputs = {id(v) for v in lowering.outputs}
    kept = []
    for u in lowering.units:
        if u.kind == "transpose":
            r = len(u.attrs["perm"])
            swap = list(range(r - 2)) + [r - 1, r - 2]
            us = users.get(id(u.result), [])
            if u.attrs["perm"] == swap and us and id(u.result) not in outputs and all(x.kind == "matmul" for x in us):
                src = u.operands[0]
                for m in us:
                    for i, op in enumerate(m.operands):
                        if op is u.result:
                            m.operands[i] = src
                            m.attrs["trans"][i] = not m.attrs["trans"][i]
                continue
        kept.append(u)
    lowering.units = kept


# --------------------------------------------------------------------------
# Fusion regions

FUSION_MODES = ("unfused", "per-layer", "full")
GROUPS_PREFIX = "groups="


def check_fusion(fusion):
    """Raises FrontendError unless `fusion` is a mode of FUSION_MODES or an
    explicit grouping `groups=A+B,C` (see _explicit_groups)."""
    if fusion in FUSION_MODES:
        return
    if not fusion.startswith(GROUPS_PREFIX):
        raise FrontendError(f"unknown fusion mode '{fusion}' (expected one of {', '.join(FUSION_MODES)}, "
                            f"or {GROUPS_PREFIX}A+B,C)")
    groups = [g.split("+") for g in fusion[len(GROUPS_PREFIX):].split(",")]
    if any(not n.strip() for g in groups for n in g):
        raise FrontendError(f"--fusion '{fusion}': an empty name (expected {GROUPS_PREFIX}A+B,C: groups "
                            f"separated by ',', names within a group by '+')")


def _explicit_groups(units, fusion):
    """Explicit fusion groups, `groups=A+B,C`: every group (separated by ',')
    is one fusion region holding the units its names ('+') select. A name is
    a module's qualified name (`layer1`, `layer1.lin_nbr`: every op called
    inside it) or an fx node name (`relu`, `matmul_1`: that op); a unit takes
    the group of its most specific name (node name, then its modules from
    the innermost out). Returns {unit: group index or None (not named)}, and
    the group labels. Unknown names and a name in two groups are errors."""
    groups = [[n.strip() for n in g.split("+")] for g in fusion[len(GROUPS_PREFIX):].split(",")]
    known_modules, known_nodes = [], []
    for u in units:
        if u.kind == "reshape":
            continue
        for qn, _ in u.scope:
            if qn not in known_modules:
                known_modules.append(qn)
        if u.node not in known_nodes:
            known_nodes.append(u.node)
    index = {}
    for gi, g in enumerate(groups):
        for n in g:
            if n in index:
                raise FrontendError(f"--fusion '{fusion}': '{n}' is in two groups")
            if n not in known_modules and n not in known_nodes:
                raise FrontendError(f"--fusion '{fusion}': unknown name '{n}' (modules: {', '.join(known_modules)}; "
                                    f"fx nodes: {', '.join(known_nodes)})")
            index[n] = gi
    chosen = {}
    for u in units:
        names = [u.node] + [qn for qn, _ in reversed(u.scope)]
        chosen[u] = next((index[n] for n in names if n in index), None)
    return chosen, ["+".join(g) for g in groups]


def _assign_regions(units, mode):
    """Region of every compute unit: (key, name). Reshapes are barriers.
    Explicit groups (`groups=...`): a unit no group names takes its layer's
    region (as per-layer) when it runs inside a module, else its first
    producer's region."""
    explicit = _explicit_groups(units, mode) if mode.startswith(GROUPS_PREFIX) else None
    group, depth = {}, {}
    producer = {}
    for u in units:
        producer[id(u.result)] = u

    def prod(v):
        return producer.get(id(v)) if isinstance(v, Value) else None

    layer = {}
    for i, u in enumerate(units):
        d = 0
        for v in u.tensor_operands():
            p = prod(v)
            if p is not None:
                d = max(d, depth[p] + (1 if p.kind == "reshape" else 0))
        depth[u] = d
        # the layer: the outermost module call (a module called twice gives two
        # layers); ops outside any child module follow their first producer
        if u.scope:
            qn, call = u.scope[0]
            top = qn.split(".")[0]
            layer[u] = ((top, call), top if call == 0 else f"{top}_{call}")
        else:
            layer[u] = next((layer[p] for p in map(prod, u.tensor_operands()) if p is not None), ("", "main"))
        if mode == "unfused":
            group[u] = (i, u.name)
        elif mode == "full":
            group[u] = (0, "")
        elif explicit and explicit[0][u] is not None:
            gi = explicit[0][u]
            group[u] = (("group", gi), explicit[1][gi])
        elif explicit and not u.scope:
            group[u] = next((group[p] for p in map(prod, u.tensor_operands()) if p is not None and p in group),
                            layer[u])
        else:
            group[u] = layer[u]
    regions = {}
    order = []
    for u in units:
        if u.kind == "reshape":
            continue
        key = (group[u], depth[u])
        if key not in regions:
            regions[key] = []
            order.append(key)
        regions[key].append(u)
    out = []
    used_names = set()
    for k, key in enumerate(order):
        (gkey, gname), d = key
        base = _sanitize(f"r{k}_{gname}") if mode != "full" else f"r{k}"
        name = base
        while name in used_names:
            name += "_"
        used_names.add(name)
        layers = []
        for u in regions[key]:
            if layer[u][1] not in layers:
                layers.append(layer[u][1])
        out.append((name, regions[key], layers))
    return out


# --------------------------------------------------------------------------
# MLIR text


def _fmt_float(x):
    if math.isinf(x):
        return "0x7F800000" if x > 0 else "0xFF800000"
    if math.isnan(x):
        return "0x7FC00000"
    return "%.9e" % x


def _enc_alias(levels):
    return "#sp_" + "".join("d" if l == "dense" else "c" for l in levels)


def _enc_def(levels):
    dims = ", ".join(f"d{i}" for i in range(len(levels)))
    lv = ", ".join(f"d{i} : {l}" for i, l in enumerate(levels))
    return f"{_enc_alias(levels)} = #sparse_tensor.encoding<{{ map = ({dims}) -> ({lv}) }}>"


def _ttype(shape, levels=None):
    s = "x".join(str(d) for d in shape)
    s = (s + "x" if s else "") + "f32"
    return f"tensor<{s}, {_enc_alias(levels)}>" if levels else f"tensor<{s}>"


def _vtype(v):
    return _ttype(v.shape, v.levels)


def _amap(ndims, results):
    dims = ", ".join(f"d{i}" for i in range(ndims))
    return f"affine_map<({dims}) -> ({', '.join(results)})>"


def _bcast_map(v, out_shape, ndims=None):
    """Map of an operand broadcast (numpy rules) to the leading out dims."""
    r, R = v.rank, len(out_shape)
    res = []
    for i, s in enumerate(v.shape):
        od = R - r + i
        res.append("0" if s == 1 and out_shape[od] != 1 else f"d{od}")
    return _amap(ndims or R, res)


class _Emitter:
    def __init__(self):
        self.lines = []
        self.tmp = 0
        self.encodings = set()

    def fresh(self, base):
        self.tmp += 1
        return f"%{base}_{self.tmp}"

    def ty(self, v):
        if v.levels:
            self.encodings.add(v.levels)
        return _vtype(v)

    def tys(self, shape, levels):
        if levels:
            self.encodings.add(levels)
        return _ttype(shape, levels)

    def emit(self, s):
        self.lines.append("    " + s)

    def const(self, base, x):
        c = self.fresh(base + "_cst")
        self.emit(f"{c} = arith.constant {_fmt_float(x)} : f32")
        return c

    def empty(self, base, ty):
        e = self.fresh(base + "_init")
        self.emit(f"{e} = tensor.empty() : {ty}")
        return e

    def filled(self, base, ty, x):
        e = self.empty(base, ty)
        c = self.const(base, x)
        f = self.fresh(base + "_fill")
        self.emit(f"{f} = linalg.fill ins({c} : f32) outs({e} : {ty}) -> {ty}")
        return f

    def generic(self, res, base, ins, out_ty, out_init, out_map, iters, body):
        """ins: [(ssa, type, map)]; body(args, out) -> (lines, yielded)."""
        maps = ", ".join([m for _, _, m in ins] + [out_map])
        it = ", ".join(f'"{x}"' for x in iters)
        ins_s = ", ".join(s for s, _, _ in ins)
        ins_t = ", ".join(t for _, t, _ in ins)
        self.emit(f"{res} = linalg.generic {{indexing_maps = [{maps}], iterator_types = [{it}]}} "
                  f"ins({ins_s} : {ins_t}) outs({out_init} : {out_ty}) {{")
        args = [self.fresh(base + "_in") for _ in ins]
        out = self.fresh(base + "_out")
        self.lines.append("    ^bb0(" + ", ".join(f"{a}: f32" for a in args + [out]) + "):")
        lines, y = body(args, out)
        for l in lines:
            self.emit("  " + l)
        self.emit(f"  linalg.yield {y} : f32")
        self.emit(f"}} -> {out_ty}")


def _scalar_body(em, base, op, args):
    """Lines computing op on the body arguments; returns (lines, result)."""
    r = em.fresh(base + "_v")
    if op in ("add", "sub", "mul", "div"):
        return [f"{r} = arith.{op}f {args[0]}, {args[1]} : f32"], r
    if op == "relu":
        z = em.fresh(base + "_zero")
        return [f"{z} = arith.constant 0.000000000e+00 : f32", f"{r} = arith.maximumf {args[0]}, {z} : f32"], r
    if op == "exp":
        return [f"{r} = math.exp {args[0]} : f32"], r
    if op == "gelu_tanh":
        return _gelu_tanh_body(em, base, args[0], r)
    if op == "sigmoid":
        n, e, one, d = (em.fresh(base + s) for s in ("_neg", "_exp", "_one", "_den"))
        return [f"{n} = arith.negf {args[0]} : f32", f"{e} = math.exp {n} : f32",
                f"{one} = arith.constant 1.000000000e+00 : f32", f"{d} = arith.addf {one}, {e} : f32",
                f"{r} = arith.divf {one}, {d} : f32"], r
    raise AssertionError(op)


def _gelu_tanh_body(em, base, x, r):
    """GELU, tanh approximation: 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x +
    0.044715 x^3), written as x / (1 + exp(-2u)) (0.5 (1 + tanh(u)) is
    sigmoid(2u)) so that it needs only exp and division."""
    x2, x3, a, u, z, e, one, d, c1, c2 = (em.fresh(base + s) for s in (
        "_x2", "_x3", "_a", "_u", "_z", "_e", "_one", "_den", "_c1", "_c2"))
    return [f"{c1} = arith.constant {_fmt_float(0.044715)} : f32",
            f"{c2} = arith.constant {_fmt_float(-2.0 * math.sqrt(2.0 / math.pi))} : f32",
            f"{one} = arith.constant 1.000000000e+00 : f32",
            f"{x2} = arith.mulf {x}, {x} : f32", f"{x3} = arith.mulf {x2}, {x} : f32",
            f"{a} = arith.mulf {x3}, {c1} : f32", f"{u} = arith.addf {x}, {a} : f32",
            f"{z} = arith.mulf {u}, {c2} : f32", f"{e} = math.exp {z} : f32",
            f"{d} = arith.addf {one}, {e} : f32", f"{r} = arith.divf {x}, {d} : f32"], r


def _present_only(em, base, op, args):
    """op on the stored entries of a sparse operand only (sparse_tensor.unary):
    for zero-preserving ops whose zero preservation upstream's sparsifier
    cannot see (relu)."""
    p, y = em.fresh(base + "_p"), em.fresh(base + "_y")
    lines, r = _scalar_body(em, base, op, [p] + list(args[1:]))
    return ([f"{y} = sparse_tensor.unary {args[0]} : f32 to f32", "  present = {", f"  ^bb0({p}: f32):"]
            + ["    " + l for l in lines] + [f"    sparse_tensor.yield {r} : f32", "  }", "  absent = {}"], y)


def _present_absent(em, base, op, args):
    """A unary op with f(0) != 0 on a sparse operand, dense result: f on the
    stored entries, the constant f(0) at the implicit zeros (what upstream's
    sparsifier can compile; a plain body over the sparse operand it cannot)."""
    p, y = em.fresh(base + "_p"), em.fresh(base + "_y")
    lines, r = _scalar_body(em, base, op, [p])
    at_zero = {"exp": 1.0, "sigmoid": 0.5}[op]
    c = em.fresh(base + "_zero_value")
    return ([f"{y} = sparse_tensor.unary {args[0]} : f32 to f32", "  present = {", f"  ^bb0({p}: f32):"]
            + ["    " + l for l in lines] + [f"    sparse_tensor.yield {r} : f32", "  }", "  absent = {",
                                             f"    {c} = arith.constant {_fmt_float(at_zero)} : f32",
                                             f"    sparse_tensor.yield {c} : f32", "  }"], y)


def _sparse_over_dense(em, base, op, args):
    """x op y computed where the sparse x has entries (sparse_tensor.binary with
    empty left/right regions): a sparse numerator over a dense tensor, which
    upstream's sparsifier does not accept as a plain divf."""
    p, q, y = em.fresh(base + "_p"), em.fresh(base + "_q"), em.fresh(base + "_y")
    lines, r = _scalar_body(em, base, op, [p, q])
    return ([f"{y} = sparse_tensor.binary {args[0]}, {args[1]} : f32, f32 to f32", "  overlap = {",
             f"  ^bb0({p}: f32, {q}: f32):"] + ["    " + l for l in lines]
            + [f"    sparse_tensor.yield {r} : f32", "  }", "  left = {}", "  right = {}"], y)


def _emit_unit(em, u):
    res = "%" + u.result.name
    base = u.result.name
    out_ty = em.ty(u.result)
    R = u.result.rank
    if u.kind == "elementwise":
        ins = []
        for v in u.operands:
            if isinstance(v, Value):
                ins.append(("%" + v.name, em.ty(v), _bcast_map(v, u.result.shape)))
        consts = [None if isinstance(v, Value) else em.const(base, v) for v in u.operands]
        init = em.empty(base, out_ty)

        op = u.attrs["op"]

        def body(args, out):
            it = iter(args)
            vals = [next(it) if c is None else c for c in consts]
            if u.result.levels and op == "relu":
                return _present_only(em, base, op, vals)
            if op in ("exp", "sigmoid") and u.operands[0].levels:
                return _present_absent(em, base, op, vals)
            if u.result.levels and op == "div" and consts[1] is None:
                return _sparse_over_dense(em, base, op, vals)
            return _scalar_body(em, base, op, vals)
        em.generic(res, base, ins, out_ty, init, _amap(R, [f"d{i}" for i in range(R)]), ["parallel"] * R, body)
    elif u.kind == "matmul":
        a, b = u.operands
        ta, tb = u.attrs["trans"]
        init = em.filled(base, out_ty, 0.0)
        if R == 2 and a.rank == 2 and b.rank == 2 and not ta and not tb:
            em.emit(f"{res} = linalg.matmul ins(%{a.name}, %{b.name} : {em.ty(a)}, {em.ty(b)}) "
                    f"outs({init} : {out_ty}) -> {out_ty}")
            return
        n = R + 1  # d0..d(R-1) output dims (i = R-2, j = R-1), dR = k
        i, j, k = f"d{R - 2}", f"d{R - 1}", f"d{R}"

        def opmap(v, inner):
            res_ = []
            for q, s in enumerate(v.shape[:-2]):
                od = R - v.rank + q
                res_.append("0" if s == 1 and u.result.shape[od] != 1 else f"d{od}")
            return _amap(n, res_ + inner)
        ma = opmap(a, [k, i] if ta else [i, k])
        mb = opmap(b, [j, k] if tb else [k, j])

        def body(args, out):
            p, s = em.fresh(base + "_p"), em.fresh(base + "_s")
            return [f"{p} = arith.mulf {args[0]}, {args[1]} : f32", f"{s} = arith.addf {out}, {p} : f32"], s
        em.generic(res, base, [("%" + a.name, em.ty(a), ma), ("%" + b.name, em.ty(b), mb)], out_ty, init,
                   _amap(n, [f"d{q}" for q in range(R)]), ["parallel"] * R + ["reduction"], body)
    elif u.kind == "transpose":
        (x,) = u.operands
        if x.levels:
            raise FrontendError(f"fx node '{u.node}': transpose of a sparse tensor is not supported "
                                "(declare the transposed tensor with its own format instead)")
        init = em.empty(base, out_ty)
        perm = ", ".join(str(p) for p in u.attrs["perm"])
        em.emit(f"{res} = linalg.transpose ins(%{x.name} : {em.ty(x)}) outs({init} : {out_ty}) permutation = [{perm}]")
    elif u.kind in ("softmax", "log_softmax", "masked_softmax"):
        _emit_softmax(em, u, res, base, out_ty)
    elif u.kind == "layer_norm":
        _emit_layer_norm(em, u, res, base, out_ty)
    else:
        raise AssertionError(u.kind)


def _emit_softmax(em, u, res, base, out_ty):
    R = u.result.rank
    dim = u.attrs.get("dim", R - 1)
    full = [f"d{i}" for i in range(R)]
    red = [f"d{i}" for i in range(R) if i != dim]
    red_shape = [s for i, s in enumerate(u.result.shape) if i != dim]
    red_ty = em.tys(red_shape, None)
    iters = ["parallel" if i != dim else "reduction" for i in range(R)]
    x = u.operands[0]
    xs, xty = "%" + x.name, em.ty(x)
    levels = u.result.levels
    if u.kind == "masked_softmax":
        # sample the dense scores at the mask's stored entries
        m = u.operands[1]
        xs = em.fresh(base + "_sampled")
        xty = out_ty
        init = em.empty(base, out_ty)
        em.generic(xs, base, [("%" + x.name, em.ty(x), _amap(R, full)),
                              ("%" + m.name, em.ty(m), _bcast_map(m, u.result.shape))],
                   out_ty, init, _amap(R, full), ["parallel"] * R,
                   lambda a, o: _scalar_body(em, base, "mul", a))
    # row max (over the stored entries only for a sparse operand)
    mx = em.fresh(base + "_max")
    ninf = em.const(base, -math.inf) if levels else None

    def max_body(a, o):
        r = em.fresh(base + "_m")
        if not levels:
            return [f"{r} = arith.maximumf {o}, {a[0]} : f32"], r
        p, q, m = em.fresh(base + "_a"), em.fresh(base + "_b"), em.fresh(base + "_mx")
        return [f"{r} = sparse_tensor.reduce {a[0]}, {o}, {ninf} : f32 {{",
                f"^bb0({p}: f32, {q}: f32):",
                f"  {m} = arith.maximumf {p}, {q} : f32",
                f"  sparse_tensor.yield {m} : f32",
                "}"], r
    em.generic(mx, base, [(xs, xty, _amap(R, full))], red_ty, em.filled(base, red_ty, -math.inf),
               _amap(R, red), iters, max_body)
    # exp(x - max): on stored entries only for a sparse operand
    ex = em.fresh(base + "_exp")
    ety = out_ty if levels else em.tys(u.result.shape, None)

    def exp_body(a, o):
        d, e = em.fresh(base + "_d"), em.fresh(base + "_e")
        if not levels:
            return [f"{d} = arith.subf {a[0]}, {a[1]} : f32", f"{e} = math.exp {d} : f32"], e
        p, ys = em.fresh(base + "_p"), em.fresh(base + "_y")
        return [f"{ys} = sparse_tensor.unary {a[0]} : f32 to f32",
                "  present = {",
                f"  ^bb0({p}: f32):",
                f"    {d} = arith.subf {p}, {a[1]} : f32",
                f"    {e} = math.exp {d} : f32",
                f"    sparse_tensor.yield {e} : f32",
                "  }",
                "  absent = {}"], ys
    if u.kind == "log_softmax":
        # log_softmax = (x - max) - log(sum(exp(x - max)))
        sh = em.fresh(base + "_shift")
        em.generic(sh, base, [(xs, xty, _amap(R, full)), (mx, red_ty, _amap(R, red))], ety,
                   em.empty(base, ety), _amap(R, full), ["parallel"] * R,
                   lambda a, o: _scalar_body(em, base, "sub", a))
        sm = em.fresh(base + "_sum")
        def sum_exp(a, o):
            e, s = em.fresh(base + "_e"), em.fresh(base + "_s")
            return [f"{e} = math.exp {a[0]} : f32", f"{s} = arith.addf {o}, {e} : f32"], s
        em.generic(sm, base, [(sh, ety, _amap(R, full))], red_ty, em.filled(base, red_ty, 0.0),
                   _amap(R, red), iters, sum_exp)
        def sub_log(a, o):
            l, s = em.fresh(base + "_l"), em.fresh(base + "_r")
            return [f"{l} = math.log {a[1]} : f32", f"{s} = arith.subf {a[0]}, {l} : f32"], s
        em.generic(res, base, [(sh, ety, _amap(R, full)), (sm, red_ty, _amap(R, red))], out_ty,
                   em.empty(base, out_ty), _amap(R, full), ["parallel"] * R, sub_log)
        return
    em.generic(ex, base, [(xs, xty, _amap(R, full)), (mx, red_ty, _amap(R, red))], ety, em.empty(base, ety),
               _amap(R, full), ["parallel"] * R, exp_body)
    sm = em.fresh(base + "_sum")
    em.generic(sm, base, [(ex, ety, _amap(R, full))], red_ty, em.filled(base, red_ty, 0.0), _amap(R, red), iters,
               lambda a, o: ([f"{(r := em.fresh(base + '_s'))} = arith.addf {o}, {a[0]} : f32"], r))
    em.generic(res, base, [(ex, ety, _amap(R, full)), (sm, red_ty, _amap(R, red))], out_ty,
               em.empty(base, out_ty), _amap(R, full), ["parallel"] * R,
               lambda a, o: _sparse_over_dense(em, base, "div", a) if levels else _scalar_body(em, base, "div", a))


def _emit_layer_norm(em, u, res, base, out_ty):
    """layer_norm over the last dim as four generics: mean = sum(x / H),
    var = sum((x - mean)^2 / H), rstd = exp(-0.5 log(var + eps)) per row (no
    square root among the lowering's ops: exp and log stand in for rsqrt),
    and (x - mean) * rstd [* weight] [+ bias]."""
    R = u.result.rank
    H = u.result.shape[-1]
    full = [f"d{i}" for i in range(R)]
    red = full[:-1]
    red_ty = em.tys(u.result.shape[:-1], None)
    iters = ["parallel"] * (R - 1) + ["reduction"]
    x = u.operands[0]
    xin = ("%" + x.name, em.ty(x), _amap(R, full))
    inv = _fmt_float(1.0 / H)
    mean = em.fresh(base + "_mean")

    def mean_body(a, o):
        c, p, s = em.fresh(base + "_c"), em.fresh(base + "_p"), em.fresh(base + "_s")
        return [f"{c} = arith.constant {inv} : f32", f"{p} = arith.mulf {a[0]}, {c} : f32",
                f"{s} = arith.addf {o}, {p} : f32"], s
    em.generic(mean, base, [xin], red_ty, em.filled(base, red_ty, 0.0), _amap(R, red), iters, mean_body)
    var = em.fresh(base + "_var")

    def var_body(a, o):
        c, d, q, p, s = (em.fresh(base + t) for t in ("_c", "_d", "_q", "_p", "_s"))
        return [f"{c} = arith.constant {inv} : f32", f"{d} = arith.subf {a[0]}, {a[1]} : f32",
                f"{q} = arith.mulf {d}, {d} : f32", f"{p} = arith.mulf {q}, {c} : f32",
                f"{s} = arith.addf {o}, {p} : f32"], s
    em.generic(var, base, [xin, (mean, red_ty, _amap(R, red))], red_ty, em.filled(base, red_ty, 0.0),
               _amap(R, red), iters, var_body)
    rstd = em.fresh(base + "_rstd")

    def rstd_body(a, o):
        ce, ch, e, l, h, r = (em.fresh(base + t) for t in ("_eps", "_half", "_e", "_l", "_h", "_r"))
        return [f"{ce} = arith.constant {_fmt_float(u.attrs['eps'])} : f32",
                f"{ch} = arith.constant {_fmt_float(-0.5)} : f32",
                f"{e} = arith.addf {a[0]}, {ce} : f32", f"{l} = math.log {e} : f32",
                f"{h} = arith.mulf {l}, {ch} : f32", f"{r} = math.exp {h} : f32"], r
    rmap = _amap(R - 1, [f"d{i}" for i in range(R - 1)])
    em.generic(rstd, base, [(var, red_ty, rmap)], red_ty, em.empty(base, red_ty), rmap,
               ["parallel"] * (R - 1), rstd_body)
    ins = [xin, (mean, red_ty, _amap(R, red)), (rstd, red_ty, _amap(R, red))]
    for v in u.operands[1:]:
        ins.append(("%" + v.name, em.ty(v), _amap(R, [f"d{R - 1}"])))

    def out_body(a, o):
        d, n = em.fresh(base + "_d"), em.fresh(base + "_n")
        lines = [f"{d} = arith.subf {a[0]}, {a[1]} : f32", f"{n} = arith.mulf {d}, {a[2]} : f32"]
        k = 3
        if u.attrs["weight"]:
            w = em.fresh(base + "_w")
            lines.append(f"{w} = arith.mulf {n}, {a[k]} : f32")
            n, k = w, k + 1
        if u.attrs["bias"]:
            b = em.fresh(base + "_b")
            lines.append(f"{b} = arith.addf {n}, {a[k]} : f32")
            n = b
        return lines, n
    em.generic(res, base, ins, out_ty, em.empty(base, out_ty), _amap(R, full), ["parallel"] * R, out_body)


def _driver_order(units, region_of, reg_io):
    """Region calls and reshapes of @forward, topologically sorted (Kahn, the
    earliest program position first). A cycle means the fusion mode put
    producers and consumers of one value on both sides of another region or a
    reshape: an error naming an fx node of a region on the cycle."""
    import heapq
    items, pos, item_of = {}, {}, {}
    for i, u in enumerate(units):
        key = ("reshape", u.name) if u.kind == "reshape" else ("call", region_of[id(u.result)])
        item_of[id(u.result)] = key
        if key not in items:
            items[key] = u if u.kind == "reshape" else next(r for r in reg_io if r[0] == key[1])
            pos[key] = i
    deps = {k: set() for k in items}
    for k, it in items.items():
        ins = it.operands if k[0] == "reshape" else it[3]
        for v in ins:
            src = item_of.get(id(v)) if isinstance(v, Value) else None
            if src is not None and src != k:
                deps[k].add(src)
    users = {k: [] for k in items}
    for k, ds in deps.items():
        for d in ds:
            users[d].append(k)
    missing = {k: len(ds) for k, ds in deps.items()}
    ready = [(pos[k], k) for k, n in missing.items() if n == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, k = heapq.heappop(ready)
        order.append(k)
        for u in users[k]:
            missing[u] -= 1
            if missing[u] == 0:
                heapq.heappush(ready, (pos[u], u))
    if len(order) != len(items):
        stuck = sorted((k for k in items if missing[k]), key=lambda k: pos[k])
        k = next((k for k in stuck if k[0] == "call"), stuck[0])
        node = items[k].node if k[0] == "reshape" else items[k][1][0].node
        raise FrontendError(f"fx node '{node}': the fusion regions form a cycle (a region needs a value that "
                            f"depends on its own results through another region or a reshape); "
                            f"use another fusion mode")
    return [(k[0], items[k]) for k in order]


def _reassociation(src, dst):
    """Groups of dst dims per src dim (dst finer), or None."""
    groups, j = [], 0
    for s in src:
        g, p = [], 1
        while j < len(dst) and (not g or p < s):
            p *= dst[j]
            g.append(j)
            j += 1
        if p != s:
            return None
        groups.append(g)
    if not groups:
        return None
    while j < len(dst) and dst[j] == 1:
        groups[-1].append(j)
        j += 1
    return groups if j == len(dst) else None


def _emit_reshape(em, u):
    (x,) = u.operands
    src, dst = x.shape, u.result.shape
    res = "%" + u.result.name
    sty, dty = em.ty(x), em.ty(u.result)

    def fmt(groups):
        return "[" + ", ".join("[" + ", ".join(str(i) for i in g) + "]" for g in groups) + "]"
    g = _reassociation(src, dst)
    if g is not None:
        em.emit(f"{res} = tensor.expand_shape %{x.name} {fmt(g)} output_shape [{', '.join(map(str, dst))}] "
                f": {sty} into {dty}")
        return
    g = _reassociation(dst, src)
    if g is not None:
        em.emit(f"{res} = tensor.collapse_shape %{x.name} {fmt(g)} : {sty} into {dty}")
        return
    flat = em.fresh(u.result.name + "_flat")
    n = math.prod(src)
    fty = _ttype([n])
    em.emit(f"{flat} = tensor.collapse_shape %{x.name} [[{', '.join(map(str, range(len(src))))}]] : {sty} into {fty}")
    em.emit(f"{res} = tensor.expand_shape {flat} [[{', '.join(map(str, range(len(dst))))}]] "
            f"output_shape [{', '.join(map(str, dst))}] : {fty} into {dty}")


# --------------------------------------------------------------------------
# Driver


def _propagate_shapes(model, gm, inputs):
    """Shapes of every node: on the meta device (no arithmetic) when all ops
    support it, else by running the model on the example inputs."""
    import copy
    try:
        # copy the module with meta stand-ins for its tensors (no data copied)
        # (GraphModule's own deepcopy ignores the memo: copy the model and the graph apart)
        memo = {}
        for t in list(model.parameters()) + list(model.buffers()):
            m = torch.empty(t.shape, dtype=t.dtype, device="meta")
            memo[id(t)] = torch.nn.Parameter(m, requires_grad=False) if isinstance(t, torch.nn.Parameter) else m
        meta = fx.GraphModule(copy.deepcopy(model, memo), copy.deepcopy(gm.graph))
        with torch.no_grad():
            ShapeProp(meta).propagate(*[t.to("meta") for t in inputs])
        for a, b in zip(gm.graph.nodes, meta.graph.nodes):
            a.meta["tensor_meta"] = b.meta.get("tensor_meta")
        return
    except Exception:  # an op without a meta kernel: fall back to real data
        pass
    with torch.no_grad():
        ShapeProp(gm).propagate(*inputs)


class Imported:
    """Result of import_module: the MLIR text and what the manifest records."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def import_module(model, example_inputs, formats=None, fusion="per-layer", name=None):
    """Traces `model` on `example_inputs` (dict forward-argument -> tensor, in
    forward's order) and returns an Imported with .mlir (text), .regions,
    .args, .params, .results (Values), .regions (manifest records) and .timing
    (seconds). Shapes come from a run on meta tensors (on the example inputs
    if an op has no meta kernel); write_store runs the model for its outputs."""
    formats = formats or {}
    check_fusion(fusion)
    for k, f in formats.items():
        if f not in FORMATS:
            raise FrontendError(f"format '{f}' of '{k}' is unknown (expected one of {', '.join(FORMATS)})")
    t0 = time.perf_counter()
    model = model.eval()
    graph = _Tracer().trace(model)
    gm = fx.GraphModule(model, graph)
    t1 = time.perf_counter()
    placeholders = [n.target for n in gm.graph.nodes if n.op == "placeholder"]
    missing = [p for p in placeholders if p not in example_inputs]
    if missing:
        raise FrontendError(f"no example input for forward arguments {missing}")
    _propagate_shapes(model, gm, [example_inputs[p] for p in placeholders])
    t2 = time.perf_counter()
    low = _Lowering(gm, formats).run()
    _fold_transposes(low)
    regions = _assign_regions(low.units, fusion)
    region_of = {}
    for rname, units, _ in regions:
        for u in units:
            region_of[id(u.result)] = rname
    # region inputs/outputs
    consumers = {}
    for u in low.units:
        for v in u.tensor_operands():
            consumers.setdefault(id(v), set()).add(region_of.get(id(u.result), "forward"))
    outputs_ids = {id(v) for v in low.outputs}
    reg_io = []
    for rname, units, gname in regions:
        inside = {id(u.result) for u in units}
        ins, seen = [], set()
        for u in units:
            for v in u.tensor_operands():
                if id(v) not in inside and id(v) not in seen:
                    seen.add(id(v))
                    ins.append(v)
        outs = [u.result for u in units
                if id(u.result) in outputs_ids or any(c != rname for c in consumers.get(id(u.result), ()))]
        reg_io.append((rname, units, gname, ins, outs))
    # emission
    em = _Emitter()
    body_funcs = []
    for k, (rname, units, gname, ins, outs) in enumerate(reg_io):
        em.lines = []
        for u in units:
            _emit_unit(em, u)
        args = ", ".join(f"%{v.name}: {em.ty(v)} loc(\"{v.name}\")" for v in ins)
        rtys = ", ".join(em.ty(v) for v in outs)
        head = (f"  func.func @{rname}({args}) -> ({rtys}) attributes "
                f"{{step.fusion_region = {k} : i64, step.layers = [{', '.join(chr(34) + g + chr(34) for g in gname)}]}} {{")
        ret = f"    return {', '.join('%' + v.name for v in outs)} : {rtys}"
        body_funcs.append("\n".join([head] + em.lines + [ret, "  }"]))
    # the driver: region calls and reshapes in an order that respects their
    # data dependences, program order where there is a choice
    em.lines = []
    for kind, item in _driver_order(low.units, region_of, reg_io):
        if kind == "reshape":
            _emit_reshape(em, item)
            continue
        _, _, _, ins, outs = item
        if not outs:
            continue
        rtys = ", ".join(em.ty(v) for v in outs)
        em.emit(f"{', '.join('%' + v.name for v in outs)} = func.call @{item[0]}("
                f"{', '.join('%' + v.name for v in ins)}) : ({', '.join(em.ty(v) for v in ins)}) -> ({rtys})")
    fargs = low.args + low.params
    args = ", ".join(f"%{v.name}: {em.ty(v)} loc(\"{v.name}\")" for v in fargs)
    rtys = ", ".join(em.ty(v) for v in low.outputs)
    mod_name = name or type(model).__name__
    driver = "\n".join(
        [f"  func.func @forward({args}) -> ({rtys}) attributes {{step.entry}} {{"] + em.lines
        + [f"    return {', '.join('%' + v.name for v in low.outputs)} : {rtys}", "  }"])
    header = [f"// Generated by frontends/torch (step torch.fx importer) from {mod_name}, fusion = {fusion}."]
    for lv in sorted(em.encodings):
        header.append(_enc_def(lv))
    text = "\n".join(header + [f"module attributes {{step.model = \"{mod_name}\", step.fusion = \"{fusion}\"}} {{"]
                     + body_funcs + [driver, "}"]) + "\n"
    t3 = time.perf_counter()
    return Imported(
        mlir=text, fusion=fusion, model=mod_name, args=low.args, params=low.params, results=low.outputs,
        module=model, placeholders=placeholders, example_inputs=example_inputs, gm=gm,
        regions=[{"func": r, "layers": g, "units": [u.name for u in us], "fx_nodes": sorted({u.node for u in us}),
                  "inputs": [v.name for v in i], "outputs": [v.name for v in o]} for r, us, g, i, o in reg_io],
        timing={"trace": t1 - t0, "shape_prop": t2 - t1, "lower_emit": t3 - t2, "total": t3 - t0})


def write_store(imp, path):
    """Writes the inputs, parameters (in their declared formats) and PyTorch's
    outputs of an Imported into a tensor store at `path` with model.mlir."""
    import os
    store = TensorStore(path)
    params = dict(imp.gm.named_parameters())
    params.update(dict(imp.gm.named_buffers()))
    for v in imp.args:
        store.add(v.name, imp.example_inputs[v.source].detach().numpy(), v.format, "input")
    for v in imp.params:
        t = params.get(v.source)
        if t is None:
            t = getattr(imp.gm, v.source)
        store.add(v.name, t.detach().numpy(), v.format, "parameter")
    with torch.no_grad():
        outs = imp.module(*[imp.example_inputs[p] for p in imp.placeholders])
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    names = [f"output{i}" if len(outs) > 1 else "output" for i in range(len(outs))]
    for n, o in zip(names, outs):
        store.add(n, o.detach().numpy(), "dense", "output")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "model.mlir"), "w") as f:
        f.write(imp.mlir)
    store.write_manifest(
        model=imp.model, mlir="model.mlir", entry="forward", fusion=imp.fusion,
        arguments=[{"name": v.name, "source": v.source, "kind": v.kind} for v in imp.args + imp.params],
        results=names, regions=imp.regions)
    return store
