"""Adversarial examples: the fast gradient sign method, and how accuracy falls with its step.

The fast gradient sign method (FGSM) of Goodfellow et al. (2015) moves every pixel by the same
small amount `epsilon` in the direction that raises the loss, ``x' = clip(x + epsilon *
sign(grad_x loss(x, y)))``: the largest first-order increase of the loss for a change of at most
`epsilon` per pixel. :func:`fgsm_curve` measures accuracy and the share of predictions that
change for several steps; :func:`minimal_epsilon` finds, image by image, the smallest step along
that direction that changes a correct prediction. The model runs in eval mode and gets its mode
back; gradients are taken with respect to the images only (no parameter's ``.grad`` changes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from cnnlab._checks import check_callable, check_float, check_images, check_int
from cnnlab.train.activations import check_model
from cnnlab.train.evaluate import keep_mode, model_device


def _clip(clip):
    if clip is None:
        return None
    if not isinstance(clip, (tuple, list)) or len(clip) != 2:
        raise TypeError(f"`clip` must be None or a pair (low, high), got {clip!r}")
    low, high = check_float("clip", clip[0]), check_float("clip", clip[1])
    if low >= high:
        raise ValueError(f"`clip` must be a pair (low, high) with low < high, got {clip!r}")
    return low, high


def _labels(labels, n):
    if not torch.is_tensor(labels) or labels.dtype != torch.long:
        raise TypeError(f"`labels` must be an int64 tensor, got {type(labels).__name__}"
                        f"{'' if not torch.is_tensor(labels) else ' of dtype ' + str(labels.dtype)}")
    if labels.shape != (n,):
        raise ValueError(f"`labels` must have shape ({n},), one per image, got {tuple(labels.shape)}")
    return labels


def gradient_sign(model, images, labels, *, loss_fn=None):
    """``sign(grad_x loss(model(x), y))``, the direction of FGSM (0 where the gradient is 0).

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(2, 2))
    >>> gradient_sign(net, torch.zeros(1, 1, 1, 2), torch.tensor([0])).shape
    torch.Size([1, 1, 1, 2])
    """
    check_model(model)
    images = check_images("images", images)[0]
    labels = _labels(labels, len(images))
    loss_fn = nn.CrossEntropyLoss(reduction="sum") if loss_fn is None else check_callable("loss_fn", loss_fn)
    device = model_device(model)
    x = images.detach().to(device).requires_grad_(True)
    with keep_mode(model), torch.enable_grad():
        model.eval()
        (gradient,) = torch.autograd.grad(loss_fn(model(x), labels.to(device)), x)
    return gradient.sign().to(images.device)


def fgsm(model, images, labels, epsilon, *, clip=(0.0, 1.0), loss_fn=None):
    """Adversarial images by the fast gradient sign method.

    Parameters
    ----------
    model : nn.Module
        A classifier (logits).
    images : Tensor, shape (N, C, H, W)
    labels : Tensor of int64, shape (N,)
        The true classes: the step raises their loss.
    epsilon : float
        The change of every pixel, >= 0 (in the units of the images: 1/255 is one grey level).
    clip : pair of float or None, default (0, 1)
        The valid pixel range, where the result is clipped.
    loss_fn : callable, optional
        ``loss_fn(scores, labels)``; cross-entropy by default (summed, so each image's gradient
        is its own).

    Returns
    -------
    Tensor, shape (N, C, H, W)
        ``clip(x + epsilon * sign(grad))``: each pixel moved by exactly `epsilon` (or 0 where the
        gradient is 0), then clipped.

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(2, 2))
    >>> x = torch.full((1, 1, 1, 2), 0.5)
    >>> ((fgsm(net, x, torch.tensor([0]), 0.1) - x).abs().max() <= 0.1 + 1e-7).item()
    True
    """
    epsilon, clip = check_float("epsilon", epsilon, low=0.0), _clip(clip)
    images = check_images("images", images)[0]
    direction = gradient_sign(model, images, labels, loss_fn=loss_fn)
    adversarial = images.detach() + epsilon * direction
    return adversarial if clip is None else adversarial.clamp(*clip)


@dataclass(frozen=True)
class FGSMCurve:
    """Accuracy and flip rate (share of predictions that differ from the clean ones) per epsilon."""

    epsilons: list[float]
    accuracy: list[float]
    flip_rate: list[float]


def _predict(model, x, batch_size):
    with keep_mode(model), torch.no_grad():
        model.eval()
        device = model_device(model)
        return torch.cat([model(x[i : i + batch_size].to(device)).argmax(1).cpu()
                          for i in range(0, len(x), batch_size)])


def fgsm_curve(model, images, labels, epsilons, *, clip=(0.0, 1.0), batch_size=500):
    """Accuracy and flip rate of `model` on FGSM images, for each step in `epsilons`.

    Returns
    -------
    FGSMCurve
        ``accuracy[i]`` on ``fgsm(..., epsilons[i])`` and ``flip_rate[i]``, the share of images
        whose prediction differs from the prediction on the clean image.

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(2, 2))
    >>> curve = fgsm_curve(net, torch.rand(8, 1, 1, 2), torch.zeros(8, dtype=torch.long), [0.0, 0.5])
    >>> curve.flip_rate[0]
    0.0
    """
    images = check_images("images", images)[0]
    labels, clip = _labels(labels, len(images)), _clip(clip)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if isinstance(epsilons, (str, bytes)) or not hasattr(epsilons, "__iter__"):
        raise TypeError(f"`epsilons` must be a sequence of numbers, got {epsilons!r}")
    epsilons = [check_float("epsilons", e, low=0.0) for e in epsilons]
    clean = _predict(model, images, batch_size)
    direction = torch.cat([gradient_sign(model, images[i : i + batch_size], labels[i : i + batch_size])
                           for i in range(0, len(images), batch_size)])
    accuracy, flips = [], []
    for epsilon in epsilons:
        x = images.detach() + epsilon * direction
        predicted = _predict(model, x if clip is None else x.clamp(*clip), batch_size)
        accuracy.append(float((predicted == labels.cpu()).double().mean()))
        flips.append(float((predicted != clean).double().mean()))
    return FGSMCurve(epsilons, accuracy, flips)


def minimal_epsilon(model, images, labels, *, high=0.25, steps=12, clip=(0.0, 1.0), batch_size=500):
    """The smallest FGSM step that makes each image misclassified, found by bisection.

    Along the fixed direction ``sign(grad)`` of each image, the step is bisected `steps` times
    between 0 and `high` (assuming that a step which misclassifies the image stays so above
    it), so the answer is within ``high / 2**steps`` above the true threshold.

    Returns
    -------
    Tensor of float, shape (N,)
        0 for an image already misclassified, ``inf`` where even `high` does not change the
        prediction, else the smallest step found to misclassify it.

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(1, 2))
    >>> with torch.no_grad(): _ = net[1].weight.copy_(torch.tensor([[1.0], [-1.0]])); _ = net[1].bias.zero_()
    >>> x = torch.full((1, 1, 1, 1), 0.1)   # class 0 while x > 0: the step that flips it is 0.1
    >>> round(float(minimal_epsilon(net, x, torch.tensor([0]), high=0.5, clip=None)), 3)
    0.1
    """
    images = check_images("images", images)[0]
    labels, clip = _labels(labels, len(images)), _clip(clip)
    high, steps = check_float("high", high, positive=True), check_int("steps", steps, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    direction = torch.cat([gradient_sign(model, images[i : i + batch_size], labels[i : i + batch_size])
                           for i in range(0, len(images), batch_size)])

    def wrong(epsilon):  # epsilon: (N,)
        x = images.detach() + epsilon.view(-1, 1, 1, 1) * direction
        return _predict(model, x if clip is None else x.clamp(*clip), batch_size) != labels.cpu()

    n = len(images)
    low, upper = torch.zeros(n, dtype=torch.float64), torch.full((n,), high, dtype=torch.float64)
    already, reached = wrong(low.float()), wrong(upper.float())
    for _ in range(steps):
        middle = (low + upper) / 2
        flipped = wrong(middle.float())
        upper, low = torch.where(flipped, middle, upper), torch.where(flipped, low, middle)
    result = upper.float()
    result[~reached] = math.inf
    result[already] = 0.0
    return result
