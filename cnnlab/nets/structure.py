"""The structure of a block, read off the module itself: layers, branches, merges and skips.

:func:`block_structure` traces a module's ``forward`` with ``torch.fx`` (every layer it calls,
every addition, concatenation and product), runs one input through it to learn each tensor's
channels, and returns the result as a tree: a :class:`Chain` of :class:`Op` and of
:class:`Parallel` branches that a merge joins (an empty branch is a skip connection). Blocks
whose graph is not of that series-parallel kind raise. :mod:`cnnlab.viz.schematics` draws it.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

MERGES = {"add": "+", "mul": "×", "concat": "concat"}
_ACTS = {nn.ReLU: "ReLU", nn.ReLU6: "ReLU6", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.GELU: "GELU",
         nn.SiLU: "SiLU", nn.Hardswish: "h-swish"}
_FUNCS = {operator.add: "add", operator.iadd: "add", torch.add: "add", operator.mul: "mul",
          operator.imul: "mul", torch.mul: "mul", torch.cat: "concat", torch.concat: "concat"}


@dataclass(frozen=True)
class Op:
    """One operation: `kind` ('conv', 'dense', 'norm', 'act', 'pool', 'reshape', 'block', 'add',
    'mul', 'concat' or 'other'), a short `label`, its output `channels`, and the `name` of its
    node in the traced graph."""

    kind: str
    label: str
    channels: int | None
    name: str


@dataclass(frozen=True)
class Chain:
    """Operations (and :class:`Parallel` groups) applied one after the other."""

    items: tuple


@dataclass(frozen=True)
class Parallel:
    """Branches on the same input, joined by `merge` (an :class:`Op` of kind add, mul or concat),
    in the merge's order; an empty :class:`Chain` is a skip connection (the identity)."""

    paths: tuple
    merge: Op


@dataclass(frozen=True)
class Structure:
    """What :func:`block_structure` returns: the module's class name, channels in and out, and
    the tree of its forward pass."""

    name: str
    in_channels: int
    out_channels: int
    body: Chain

    def ops(self):
        """Every :class:`Op` of the tree, merges included, in drawing order."""
        def walk(chain):
            for item in chain.items:
                if isinstance(item, Parallel):
                    for path in item.paths:
                        yield from walk(path)
                    yield item.merge
                else:
                    yield item
        return list(walk(self.body))


def _conv_label(m):
    kh, kw = m.kernel_size
    text = f"{kh}×{kw} conv {m.in_channels}→{m.out_channels}"
    if m.groups > 1:
        text += " depthwise" if m.groups == m.in_channels == m.out_channels else f" groups {m.groups}"
    stride = m.stride[0] if m.stride[0] == m.stride[1] else m.stride
    return text + (f" /{stride}" if m.stride != (1, 1) else "")


def _module_op(m, leaves):
    """(kind, label) of a leaf module."""
    if leaves and isinstance(m, leaves):
        return "block", type(m).__name__
    if isinstance(m, nn.Conv2d):
        return "conv", _conv_label(m)
    if isinstance(m, nn.Linear):
        return "dense", f"dense {m.in_features}→{m.out_features}"
    if isinstance(m, nn.modules.batchnorm._BatchNorm):
        return "norm", "BN"
    for cls, name in _ACTS.items():
        if isinstance(m, cls):
            return "act", name
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
        k, s = m.kernel_size, m.stride
        k, s = (k if isinstance(k, int) else k[0]), (s if isinstance(s, int) else s[0])
        kind = "max" if isinstance(m, nn.MaxPool2d) else "avg"
        return "pool", f"{k}×{k} {kind} pool" + (f" /{s}" if s > 1 else "")
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        return "pool", f"global {'avg' if isinstance(m, nn.AdaptiveAvgPool2d) else 'max'} pool"
    if isinstance(m, nn.Flatten):
        return "reshape", "flatten"
    if isinstance(m, nn.Dropout):
        return "other", f"dropout {m.p:g}"
    return "other", type(m).__name__


def _function_op(node):
    """(kind, label) of a call_function / call_method node."""
    kind = _FUNCS.get(node.target)
    name = node.target if isinstance(node.target, str) else getattr(node.target, "__name__", str(node.target))
    if kind is None and name in ("add", "add_", "mul", "mul_", "cat"):
        kind = {"add": "add", "add_": "add", "mul": "mul", "mul_": "mul", "cat": "concat"}[name]
    if kind is not None:
        return kind, MERGES[kind]
    if name in ("relu", "relu_", "relu6", "sigmoid", "tanh"):
        return "act", {"relu_": "ReLU", "relu": "ReLU", "relu6": "ReLU6"}.get(name, name)
    if name == "mean":
        return "pool", "global avg pool"
    if name in ("flatten", "view", "reshape"):
        return "reshape", "flatten"
    return "other", name


class _Tracer(fx.Tracer):
    def __init__(self, leaves):
        super().__init__()
        self.leaves = leaves

    def is_leaf_module(self, m, qualname):
        return (bool(self.leaves) and isinstance(m, self.leaves)) or super().is_leaf_module(m, qualname)


def _first_layer(module):
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            return m.in_channels, True
        if isinstance(m, nn.Linear):
            return m.in_features, False
    raise ValueError(f"`module` must contain an nn.Conv2d or nn.Linear to infer its input, got "
                     f"{type(module).__name__}; pass `input_shape`")


def block_structure(module, input_shape=None, *, leaves=()) -> Structure:
    """Trace `module` and return the tree of its layers, branches, merges and skips.

    Parameters
    ----------
    module : nn.Module
        A block or a network whose forward pass is series-parallel: branches leave one tensor
        and meet again at one addition, product or concatenation (residual, Inception, dense,
        squeeze-and-excitation blocks, and chains of them).
    input_shape : tuple of int, optional
        Shape of the example input that sizes every tensor; default ``(1, C, 16, 16)`` with C the
        input channels of the first convolution (``(1, F)`` for a first dense layer).
    leaves : type or tuple of types, default ()
        Module classes kept as one box (e.g. ``BasicBlock`` to draw a whole network).

    Returns
    -------
    Structure

    Raises
    ------
    TypeError
        If `module` is not an ``nn.Module``.
    ValueError
        If the input cannot be inferred or the graph is not series-parallel.

    Examples
    --------
    >>> from cnnlab.nets.residual import BasicBlock
    >>> s = block_structure(BasicBlock(8, 16, stride=2))
    >>> s.in_channels, s.out_channels
    (8, 16)
    >>> branch = s.body.items[0]
    >>> [len(path.items) for path in branch.paths], branch.merge.label
    ([5, 2], '+')
    >>> [op.label for op in branch.paths[1].items]
    ['1×1 conv 8→16 /2', 'BN']
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"`module` must be an nn.Module, got {type(module).__name__}")
    leaves = tuple(leaves) if isinstance(leaves, (tuple, list)) else (leaves,)
    if input_shape is None:
        channels, conv = _first_layer(module)
        input_shape = (1, channels, 16, 16) if conv else (1, channels)
    graph = _Tracer(leaves).trace(module)
    gm = fx.GraphModule(module, graph)
    param = next(module.parameters(), None)
    x = torch.zeros(tuple(input_shape), dtype=param.dtype if param is not None else torch.float32,
                    device=param.device if param is not None else None)
    was_training = module.training
    try:
        gm.eval()
        with torch.no_grad():
            ShapeProp(gm).propagate(x)
    finally:
        module.train(was_training)
    return _tree(gm, leaves, type(module).__name__)


def _tree(gm, leaves, name):
    nodes = list(gm.graph.nodes)
    source = next(n for n in nodes if n.op == "placeholder")
    alias, kept = {source: source}, [source]
    for n in nodes:
        if n.op not in ("call_module", "call_function", "call_method") or "tensor_meta" not in n.meta:
            continue
        inputs = [alias[a] for a in n.all_input_nodes if a in alias]
        if not inputs:
            continue  # a constant: computed from parameters only
        if n.op == "call_module" and isinstance(gm.get_submodule(n.target), nn.Identity):
            alias[n] = inputs[0]
            continue
        alias[n] = n
        kept.append(n)
    preds = {n: list(dict.fromkeys(alias[a] for a in n.all_input_nodes if a in alias)) for n in kept[1:]}
    succs = {n: [] for n in kept}
    for n in kept[1:]:
        for p in preds[n]:
            succs[p].append(n)

    def op(n):
        shape = n.meta["tensor_meta"].shape
        if n.op == "call_module":
            kind, label = _module_op(gm.get_submodule(n.target), leaves)
        else:
            kind, label = _function_op(n)
        channels = int(shape[1]) if len(shape) > 1 else None
        if kind == "concat":
            label = f"{label} → {channels}"
        elif kind == "block":
            label = f"{label} {preds[n][0].meta['tensor_meta'].shape[1]}→{channels}"
        return Op(kind, label, channels, n.name)

    def follow(u):
        """(items, the merge node that stops the chain or None, last node) from node u on."""
        items = []
        while True:
            after = succs[u]
            if not after:
                return items, None, u
            if len(after) == 1:
                v = after[0]
                if len(preds[v]) > 1:
                    return items, v, u
                items.append(op(v))
                u = v
                continue
            paths, ends = [], set()
            for s in after:
                if len(preds[s]) > 1:
                    paths.append(((), u))
                    ends.add(s)
                else:
                    sub, end, last = follow(s)
                    paths.append(((op(s), *sub), last))
                    ends.add(end)
            merge = ends.pop() if len(ends) == 1 else None
            if merge is None or len(preds[merge]) != len(paths):
                raise ValueError(f"`module` {name} is not series-parallel: the branches that leave "
                                 f"{u.name!r} do not all meet at one merge")
            order = {p: i for i, p in enumerate(preds[merge])}
            paths.sort(key=lambda path: order[path[1]])
            items.append(Parallel(tuple(Chain(tuple(p)) for p, _ in paths), op(merge)))
            u = merge

    items, end, last = follow(source)
    if end is not None:
        raise ValueError(f"`module` {name} is not series-parallel: {end.name!r} merges tensors that do "
                         f"not branch from one tensor")
    out = last.meta["tensor_meta"].shape if last is not source else source.meta["tensor_meta"].shape
    return Structure(name, int(source.meta["tensor_meta"].shape[1]), int(out[1]), Chain(tuple(items)))
