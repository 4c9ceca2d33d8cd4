"""Looking at a network's layers: forward hooks, layer activations, the images that excite a unit.

A forward hook records a module's output while the model runs, without changing the model:
:func:`layer_activations` collects the feature maps of named layers (``model.named_modules()``
names such as ``"0.3"``), and :func:`top_activating` finds the images, and the image patches in
the receptive field of the peak, that activate one channel most (Zeiler and Fergus, 2014). The
model runs in eval mode and gets its train/eval mode back, and the hooks are removed, even after
an error.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from torch import nn

from cnnlab._checks import check_images, check_int
from cnnlab.train.evaluate import keep_mode, model_device


def check_model(model):
    """Return `model` if it is an ``nn.Module``, else raise a TypeError naming `model`."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    return model


def find_module(model, name, argument="layer"):
    """The module of `model` called `name`, or a ValueError that lists the top-level names."""
    if isinstance(name, nn.Module):
        return name
    if not isinstance(name, str):
        raise TypeError(f"`{argument}` must be a module name (str) or an nn.Module, got {type(name).__name__}")
    modules = dict(model.named_modules())
    if name not in modules or name == "":
        top = [n for n, _ in model.named_children()]
        raise ValueError(f"`{argument}` must name a module of `model` (e.g. one of {top}), got {name!r}")
    return modules[name]


@contextlib.contextmanager
def recording(module):
    """Record `module`'s output on every forward pass into the yielded list; remove the hook after."""
    outputs = []
    handle = module.register_forward_hook(lambda _m, _i, output: outputs.append(output))
    try:
        yield outputs
    finally:
        handle.remove()


def layer_activations(model, images, layers, *, batch_size=512):
    """Outputs of the named layers for a batch of images (eval mode, no gradients), on the CPU.

    Returns
    -------
    dict of str to Tensor
        One entry per name of `layers` (a str or a list of str), shape (N, ...).

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten())
    >>> {k: tuple(v.shape) for k, v in layer_activations(net, torch.rand(2, 1, 5, 5), "1").items()}
    {'1': (2, 3, 3, 3)}
    """
    check_model(model)
    names = [layers] if isinstance(layers, str) else list(layers)
    images = check_images("images", images)[0]
    batch_size, device = check_int("batch_size", batch_size, minimum=1), model_device(model)
    found = {name: [] for name in names}
    with keep_mode(model), torch.no_grad(), contextlib.ExitStack() as stack:
        model.eval()
        hooks = {name: stack.enter_context(recording(find_module(model, name, "layers"))) for name in names}
        for i in range(0, len(images), batch_size):
            model(images[i : i + batch_size].to(device))
            for name in names:
                found[name].append(hooks[name].pop().cpu())
    return {name: torch.cat(found[name]) for name in names}


@dataclass(frozen=True)
class TopActivations:
    """The images that most activate one unit: their indices, the activation, and where it peaks.

    ``patches`` (k, C, size, size) holds each peak's receptive field cut from its image (zeros
    outside the image), when the field was given.
    """

    indices: torch.Tensor
    values: torch.Tensor
    rows: torch.Tensor
    cols: torch.Tensor
    patches: torch.Tensor | None = None


def top_activating(model, images, layer, units, *, k=9, field=None, batch_size=512):
    """The `k` images whose largest activation of channel `units` of `layer` is the largest.

    Parameters
    ----------
    model : nn.Module
    images : Tensor, shape (N, C, H, W)
    layer : str
        A module with output (N, K, h, w) (or (N, K): units without positions).
    units : int or sequence of int
        Channels in ``[0, K)``; the model runs once for all of them.
    k : int, default 9
    field : pair of cnnlab.ReceptiveField, optional
        The receptive field of `layer` (:func:`cnnlab.receptive_field`): cut the patches.
    batch_size : int, default 512

    Returns
    -------
    TopActivations, or a list of them (one per unit) when `units` is a sequence
        In decreasing order of activation.

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(1, 2, 1))
    >>> x = torch.zeros(3, 1, 2, 2); x[1, 0, 1, 0] = 5.0
    >>> with torch.no_grad(): _ = net[0].weight.fill_(1.0); _ = net[0].bias.zero_()
    >>> top = top_activating(net, x, "0", 1, k=1)
    >>> top.indices.tolist(), top.rows.tolist(), top.cols.tolist()
    ([1], [1], [0])
    """
    acts = layer_activations(model, images, layer, batch_size=batch_size)[layer]
    single = not isinstance(units, (list, tuple))
    units = [check_int("units", u, minimum=0) for u in ([units] if single else units)]
    if any(u >= acts.shape[1] for u in units):
        raise ValueError(f"`units` must be channels of `layer` in [0, {acts.shape[1] - 1}], got {units}")
    k = check_int("k", k, minimum=1)
    if k > len(acts):
        raise ValueError(f"`k` must be at most the number of images {len(acts)}, got {k}")
    images = check_images("images", images)[0]
    found = [_top(acts, images, unit, k, field) for unit in units]
    return found[0] if single else found


def _top(acts, images, unit, k, field):
    maps = acts[:, unit].reshape(len(acts), -1) if acts.dim() > 2 else acts[:, unit, None]
    best, where = maps.max(dim=1)
    values, indices = best.topk(k)
    width = acts.shape[3] if acts.dim() == 4 else 1
    rows, cols = where[indices] // width, where[indices] % width
    if field is None:
        return TopActivations(indices, values, rows, cols)
    cuts = []
    for i, r, c in zip(indices.tolist(), rows.tolist(), cols.tolist()):
        (top, bottom), (left, right) = field[0].bounds(r), field[1].bounds(c)
        patch = images.new_zeros(images.shape[1], bottom - top + 1, right - left + 1)
        t, b = max(top, 0), min(bottom, images.shape[2] - 1)
        lft, rgt = max(left, 0), min(right, images.shape[3] - 1)
        patch[:, t - top : b - top + 1, lft - left : rgt - left + 1] = images[i, :, t : b + 1, lft : rgt + 1].cpu()
        cuts.append(patch)
    return TopActivations(indices, values, rows, cols, torch.stack(cuts))
