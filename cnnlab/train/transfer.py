"""Re-using a trained network: freeze layers, replace the head, give each part its learning rate.

A pre-trained network is re-used in three ways built from the same few operations: **feature
extraction** (freeze it, :func:`replace_head`, train the new head), **fine-tuning the top**
(:func:`freeze` the first layers, train the rest) and **full fine-tuning** (train everything, the
pre-trained layers with a smaller learning rate: :func:`param_groups`). Freezing sets
``requires_grad`` to False: the optimizer leaves those weights alone, and backpropagation stops
where no trainable weight lies below. Layers go by their ``model.named_modules()`` names
(``"features"``, ``"features.3"``, ``"classifier.5"``).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import torch
from torch import nn

from cnnlab._checks import check_float, check_int, check_seed
from cnnlab.train.evaluate import model_device
from cnnlab.train.loop import private_rng


def _check_model(model):
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    return model


def _owns(prefix: str, name: str) -> bool:
    """Whether parameter `name` belongs to the module or parameter named `prefix` ("" is the root)."""
    return prefix == "" or name == prefix or name.startswith(prefix + ".")


def selected(model: nn.Module, names=None, *, up_to=None) -> list[str]:
    """Names of the parameters that `names` or `up_to` select (all of them when neither is given).

    Parameters
    ----------
    model : nn.Module
    names : str or sequence of str, optional
        Modules (or parameters) by name: each selects everything below it.
    up_to : str or int, optional
        A module's name: every parameter registered before it and its own (the bottom of the
        network, up to and including that layer). An int k: the first k layers that hold
        parameters (``up_to=2`` in a stack of conv-ReLU-pool blocks is the first two convolutions).

    Raises
    ------
    TypeError, ValueError
        If both or an unknown name is given (the message lists the model's top-level modules),
        or `up_to` exceeds the number of layers.

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 8, 3), nn.Flatten(), nn.Linear(8, 2))
    >>> selected(net, up_to=1)
    ['0.weight', '0.bias']
    >>> selected(net, up_to="3") == selected(net, up_to=2) == selected(net, ["0", "2"])
    True
    """
    _check_model(model)
    params = [name for name, _ in model.named_parameters()]
    if names is not None and up_to is not None:
        raise TypeError("pass `names` or `up_to`, not both")
    known = dict(model.named_modules()) | dict(model.named_parameters())
    children = ", ".join(repr(n) for n, _ in model.named_children()) or "none"

    def check_name(arg, name):
        if not isinstance(name, str):
            raise TypeError(f"`{arg}` must name a module as a str, got {name!r} of type {type(name).__name__}")
        if name not in known:
            raise ValueError(f"`{arg}` must name a module of the model, got {name!r}; "
                             f"its top-level modules are {children}")
        return name

    if names is None and up_to is None:
        return params
    if names is not None:
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, (list, tuple)):
            raise TypeError(f"`names` must be a str or a sequence of str, got {names!r}")
        prefixes = [check_name("names", n) for n in names]
        return [p for p in params if any(_owns(prefix, p) for prefix in prefixes)]
    if isinstance(up_to, numbers.Integral) and not isinstance(up_to, bool):
        # the modules holding parameters of their own, in registration order
        layers = [m for m in model.modules() if any(True for _ in m.parameters(recurse=False))]
        k = check_int("up_to", up_to, minimum=0)
        if k > len(layers):
            raise ValueError(f"`up_to` must be at most the number of layers with parameters, {len(layers)}, got {k}")
        chosen = {id(p) for m in layers[:k] for p in m.parameters(recurse=False)}
        return [name for name, p in model.named_parameters() if id(p) in chosen]
    if not isinstance(up_to, str):
        raise TypeError(f"`up_to` must be a module's name or an int, got {up_to!r} of type {type(up_to).__name__}")
    if check_name("up_to", up_to) not in dict(model.named_modules()):
        raise ValueError(f"`up_to` must name a module, got the parameter {up_to!r}")
    order = [name for name, _ in model.named_modules()]
    before = set(order[: order.index(up_to) + 1])
    chosen = {id(p) for name, m in model.named_modules() if name in before or _owns(up_to, name)
              for p in m.parameters(recurse=False)}
    return [name for name, p in model.named_parameters() if id(p) in chosen]


def _set(model, names, up_to, flag):
    chosen = set(selected(model, names, up_to=up_to))
    for name, p in model.named_parameters():
        if name in chosen:
            p.requires_grad_(flag)
    return model


def freeze(model: nn.Module, names=None, *, up_to=None) -> nn.Module:
    """Stop training some parameters (``requires_grad = False``); all of them by default.

    Parameters
    ----------
    model : nn.Module
        Changed in place.
    names, up_to
        Which parameters, as in :func:`selected`.

    Returns
    -------
    nn.Module
        `model`, for chaining.

    Notes
    -----
    Freezing stops the weights, not batch normalisation's running statistics: those still move
    in training mode. Keras' ``trainable = False`` also freezes them; in PyTorch, keep the frozen
    part in eval mode or use a network without batch norm.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    >>> trainable(freeze(net, up_to="0"))
    ['2.weight', '2.bias']
    >>> trainable(unfreeze(net))
    ['0.weight', '0.bias', '2.weight', '2.bias']
    """
    return _set(model, names, up_to, False)


def unfreeze(model: nn.Module, names=None, *, up_to=None) -> nn.Module:
    """Train some parameters again (``requires_grad = True``); all of them by default.

    Takes the same arguments as :func:`freeze` and returns `model`.

    Examples
    --------
    >>> net = freeze(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)))
    >>> trainable(unfreeze(net, "2"))
    ['2.weight', '2.bias']
    """
    return _set(model, names, up_to, True)


def trainable(model: nn.Module) -> list[str]:
    """Names of the parameters that will train (``requires_grad`` is True), in order.

    Examples
    --------
    >>> trainable(nn.Linear(2, 1))
    ['weight', 'bias']
    """
    return [name for name, p in _check_model(model).named_parameters() if p.requires_grad]


def count_trainable(model: nn.Module) -> tuple[int, int]:
    """(number of trainable weights, number of all weights) of `model`.

    Examples
    --------
    >>> count_trainable(freeze(nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2)), "0"))
    (8, 23)
    """
    params = list(_check_model(model).parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def replace_head(model: nn.Module, num_classes: int, *, name=None, seed=0) -> nn.Module:
    """Swap the final linear layer for a new, trainable one with `num_classes` outputs.

    Parameters
    ----------
    model : nn.Module
        Changed in place.
    num_classes : int
        Outputs of the new layer.
    name : str, optional
        The layer to replace (an ``nn.Linear``); default: the last ``nn.Linear`` of the model.
    seed : int or torch.Generator, default 0
        Seeds the new layer's initial weights (PyTorch's default initialisation, drawn without
        touching the global generator).

    Returns
    -------
    nn.Module
        `model`, whose new head has the old one's inputs, bias choice, device and dtype.

    Raises
    ------
    TypeError, ValueError
        If the layer is not an ``nn.Linear``, there is none, or `name` names no module.

    Examples
    --------
    >>> net = freeze(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 10)))
    >>> replace_head(net, 5)[2], trainable(net)
    (Linear(in_features=3, out_features=5, bias=True), ['2.weight', '2.bias'])
    """
    _check_model(model)
    num_classes = check_int("num_classes", num_classes, minimum=1)
    seed = check_seed(seed)
    modules = dict(model.named_modules())
    if name is None:
        linear = [n for n, m in modules.items() if isinstance(m, nn.Linear)]
        if not linear:
            raise ValueError("`model` has no nn.Linear layer to replace; pass `name` of one")
        name = linear[-1]
    elif not isinstance(name, str):
        raise TypeError(f"`name` must be a layer's name as a str, got {name!r} of type {type(name).__name__}")
    elif name not in modules or name == "":
        raise ValueError(f"`name` must name a layer of the model, got {name!r}")
    old = modules[name]
    if not isinstance(old, nn.Linear):
        raise TypeError(f"`name` must name an nn.Linear layer, got {name!r}, a {type(old).__name__}")
    parent_name, _, attr = name.rpartition(".")
    parent = modules[parent_name]
    with private_rng(seed, model_device(model)):
        new = nn.Linear(old.in_features, num_classes, bias=old.bias is not None,
                        device=old.weight.device, dtype=old.weight.dtype)
    setattr(parent, attr, new)
    return model


def param_groups(model: nn.Module, lrs, *, default=None) -> list[dict]:
    """Parameter groups for a ``torch.optim`` optimizer: one learning rate per part of the model.

    Parameters
    ----------
    model : nn.Module
    lrs : mapping of str to float
        Module name -> learning rate of the trainable parameters below it; when names nest, the
        longest that owns a parameter wins (``{"": 1e-4, "classifier": 1e-2}``).
    default : float, optional
        Learning rate of the trainable parameters no name covers; without it they raise.

    Returns
    -------
    list of dict
        ``{"params": [...], "lr": lr, "name": name}`` per name owning trainable parameters
        (frozen ones are left out), then a ``"default"`` group if any.

    Raises
    ------
    TypeError, ValueError
        For a name that is no module of the model, a negative rate, no trainable parameter, or
        a trainable parameter in no group (without `default`).

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    >>> groups = param_groups(net, {"0": 1e-4, "2": 1e-2})
    >>> [(g["name"], g["lr"], len(g["params"])) for g in groups]
    [('0', 0.0001, 2), ('2', 0.01, 2)]
    >>> optimizer = torch.optim.Adam(groups)
    """
    _check_model(model)
    if not isinstance(lrs, Mapping):
        raise TypeError(f"`lrs` must be a dict of module name -> learning rate, got {type(lrs).__name__}")
    if not lrs:
        raise ValueError("`lrs` must hold at least one module name, got none")
    modules = dict(model.named_modules())
    rates = {}
    for name, lr in lrs.items():
        if not isinstance(name, str):
            raise TypeError(f"`lrs` keys must be module names as str, got {name!r} of type {type(name).__name__}")
        if name not in modules:
            raise ValueError(f"`lrs` keys must name modules of the model, got {name!r}")
        rates[name] = check_float(f"lrs[{name!r}]", lr, low=0.0)
    if default is not None:
        default = check_float("default", default, low=0.0)
    groups = {name: [] for name in rates}
    rest, uncovered = [], []
    for pname, p in model.named_parameters():
        if not p.requires_grad:
            continue
        owners = [name for name in rates if _owns(name, pname)]
        if owners:
            groups[max(owners, key=len)].append(p)
        elif default is not None:
            rest.append(p)
        else:
            uncovered.append(pname)
    if uncovered:
        raise ValueError(f"trainable parameters {uncovered[:4]}{' ...' if len(uncovered) > 4 else ''} are in no "
                         "group of `lrs`; add their module or pass `default`")
    out = [{"params": ps, "lr": rates[name], "name": name} for name, ps in groups.items() if ps]
    if rest:
        out.append({"params": rest, "lr": default, "name": "default"})
    if not out:
        raise ValueError("`model` has no trainable parameter: unfreeze some before building an optimizer")
    return out

