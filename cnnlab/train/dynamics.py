"""Training dynamics: what the signal and its gradient do through depth, and optimisers' paths.

Two measurements the training chapter makes before and instead of training a network:

- :func:`depth_statistics` runs one forward and one backward pass and records, for each layer
  (each ``Conv2d`` and ``Linear`` by default), the standard deviation of its output and of the
  gradient of the loss with respect to that output. A well-initialised deep stack keeps both
  roughly constant from layer to layer; a bad initialisation or a saturating activation makes
  them shrink (vanish) or grow (explode) geometrically with depth.
- :func:`optimizer_path` runs a ``torch.optim`` optimizer on a function of two numbers (a toy
  loss surface) and returns the points it visits, to draw how SGD, momentum, RMSProp and Adam
  move on the same surface with the same learning rate.

References
----------
X. Glorot and Y. Bengio, "Understanding the difficulty of training deep feedforward neural
networks", AISTATS 2010. K. He, X. Zhang, S. Ren and J. Sun, "Delving deep into rectifiers",
ICCV 2015.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from cnnlab._checks import check_callable, check_float, check_int, generator
from cnnlab.train.evaluate import keep_mode


@dataclass(frozen=True)
class DepthStatistics:
    """What :func:`depth_statistics` measured, one entry per layer from input to output.

    Attributes
    ----------
    names : list of str
        The layers' names in the model (``model.named_modules()``), in the order they ran.
    activation_std : list of float
        Standard deviation of each layer's output over the batch and all its positions.
    gradient_std : list of float
        Standard deviation of the gradient of the loss with respect to that output.
    """

    names: list
    activation_std: list
    gradient_std: list

    def __len__(self):
        return len(self.names)


def depth_statistics(model, x, y=None, *, loss_fn=None, layer_types=(nn.Conv2d, nn.Linear), seed=0):
    """Standard deviation of each layer's output and of the loss gradient there, for one batch.

    Parameters
    ----------
    model : nn.Module
        Run in training mode (so dropout and batch norm behave as in training), restored after;
        its parameters' ``.grad`` are left as they were. In-place operations on a recorded
        output (``nn.ReLU(inplace=True)`` right after a layer) are not supported.
    x : Tensor, shape (N, ...)
        A batch of inputs, on the model's device.
    y : Tensor, optional
        Targets for `loss_fn`. Without them the "loss" is ``(model(x) * g).sum() / N`` for a
        fixed standard-normal `g` drawn from `seed`: a gradient of unit spread arrives at the
        output, so what happens to it on the way down depends on the network alone.
    loss_fn : callable, optional
        ``loss_fn(output, y)``; default cross-entropy (used only with `y`).
    layer_types : tuple of types, default (nn.Conv2d, nn.Linear)
        The modules whose outputs are measured.
    seed : int or torch.Generator, default 0
        Seeds `g` when `y` is None.

    Returns
    -------
    DepthStatistics

    Raises
    ------
    TypeError
        `model` not a module, `x` not a tensor, `loss_fn` not callable.
    ValueError
        No module of `layer_types` ran in the forward pass.

    Examples
    --------
    >>> torch.manual_seed(0) is not None
    True
    >>> net = nn.Sequential(nn.Linear(100, 100), nn.Tanh(), nn.Linear(100, 10))
    >>> stats = depth_statistics(net, torch.randn(256, 100))
    >>> stats.names, len(stats)
    (['0', '2'], 2)
    >>> 0 < stats.activation_std[1] < stats.activation_std[0] < 1   # torch's default shrinks it
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be an nn.Module, got {type(model).__name__}")
    if not torch.is_tensor(x):
        raise TypeError(f"`x` must be a torch.Tensor, got {type(x).__name__}")
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else check_callable("loss_fn", loss_fn)
    outputs, handles = [], []

    def record(name):
        def hook(module, inputs, output):
            if output.requires_grad:
                output.retain_grad()
            outputs.append((name, output))
        return hook

    for name, module in model.named_modules():
        if isinstance(module, tuple(layer_types)):
            handles.append(module.register_forward_hook(record(name)))
    saved = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=True)                 # backward would add to the saved ones
    try:
        with keep_mode(model), torch.enable_grad():
            model.train()
            x = x.detach().requires_grad_()          # so that the first layer's output has a gradient
            out = model(x)
            if y is None:
                g = torch.randn(out.shape, generator=generator(seed), dtype=out.dtype).to(out.device)
                loss = (out * g).sum() / max(len(out), 1)
            else:
                loss = loss_fn(out, y)
            loss.backward()
    finally:
        for handle in handles:
            handle.remove()
        for p, grad in zip(model.parameters(), saved):
            p.grad = grad
    if not outputs:
        names = ", ".join(t.__name__ for t in layer_types)
        raise ValueError(f"no module of `layer_types` ({names}) ran in `model`'s forward pass")
    return DepthStatistics(
        names=[name for name, _ in outputs],
        activation_std=[float(o.detach().std()) for _, o in outputs],
        gradient_std=[float(o.grad.std()) if o.grad is not None else 0.0 for _, o in outputs],
    )


def optimizer_path(loss, start, optimizer, *, steps=100, limit=1e6):
    """The points an optimizer visits while it minimises `loss` from `start`.

    Parameters
    ----------
    loss : callable
        ``loss(p) -> scalar tensor`` for a point ``p``, a float64 tensor of shape (2,) (or of
        the shape of `start`), differentiable by autograd.
    start : sequence of float or Tensor
        The first point.
    optimizer : callable
        ``optimizer(params) -> torch.optim.Optimizer``, e.g.
        ``functools.partial(torch.optim.SGD, lr=0.01, momentum=0.9)``.
    steps : int, default 100
        Number of optimizer steps.
    limit : float, default 1e6
        Stop early (the run diverged) once the loss is not finite or above `limit`.

    Returns
    -------
    Tensor, shape (steps + 1, *start.shape), float64
        The points from `start` on; fewer rows when the run stopped early (the last row is then
        the first point whose loss was not finite or above `limit`).

    Raises
    ------
    TypeError
        `loss` or `optimizer` not callable, or `optimizer` returning no torch Optimizer.
    ValueError
        `steps` < 0 or `limit` not positive.

    Examples
    --------
    >>> from functools import partial
    >>> bowl = lambda p: (p ** 2).sum() / 2                      # gradient p: each step p -> 0.9 p
    >>> optimizer_path(bowl, [1.0, -2.0], partial(torch.optim.SGD, lr=0.1), steps=2)
    tensor([[ 1.0000, -2.0000],
            [ 0.9000, -1.8000],
            [ 0.8100, -1.6200]], dtype=torch.float64)
    >>> len(optimizer_path(bowl, [1.0, 1.0], partial(torch.optim.SGD, lr=3.0), steps=100))    # |p| doubles
    11
    """
    check_callable("loss", loss), check_callable("optimizer", optimizer)
    steps = check_int("steps", steps, minimum=0)
    limit = check_float("limit", limit, positive=True)
    point = torch.as_tensor(start, dtype=torch.float64).clone().requires_grad_()
    opt = optimizer([point])
    if not isinstance(opt, torch.optim.Optimizer):
        raise TypeError(f"`optimizer` must return a torch.optim.Optimizer, got {type(opt).__name__}")
    path = [point.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        value = loss(point)
        if not torch.isfinite(value) or float(value.detach()) > limit:
            break                                    # diverged: the last point is where it escaped
        value.backward()
        opt.step()
        path.append(point.detach().clone())
    return torch.stack(path)
