"""What a trained network looks at: saliency, occlusion, class activation maps, Grad-CAM, top units.

Every map answers "which pixels made the score of class `c` high?" in its own way. A **saliency
map** is the gradient of the class score with respect to the input; an **occlusion map** hides a
patch and measures how much the score falls; a **class activation map** (CAM) weighs the last
feature maps by the linear head's weights of the class (it needs a global-average-pooling head);
**Grad-CAM** weighs them by the mean gradient of the score, which works for any head and equals
CAM divided by the maps' area for a GAP + linear head. The class score is the logit (the model's
output before the softmax). Layers go by their ``model.named_modules()`` names (``"0.10"``).

Each function runs the model in eval mode and puts the train/eval mode back, even after an error;
gradients are taken with :func:`torch.autograd.grad` with respect to the input (or the hooked
activations) only, so no parameter's ``.grad`` or ``requires_grad`` changes and the forward hooks
are always removed. :func:`randomized_copy` and :func:`rank_correlation` make the sanity check of
Adebayo et al. (2018): a map that explains the network must change when its weights are
randomised. Nothing here draws from the global random generators.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from cnnlab._checks import check_choice, check_float, check_images, check_int, check_seed, derive_seed
from cnnlab.train.activations import check_model, find_module, recording
from cnnlab.train.evaluate import keep_mode, model_device
from cnnlab.train.loop import private_rng


def _targets(targets, scores):
    """Class of each input: the prediction (None), one class for all (int) or one per input."""
    n, classes = scores.shape
    if targets is None:
        return scores.argmax(dim=1)
    if isinstance(targets, int) and not isinstance(targets, bool):
        targets = torch.full((n,), targets, dtype=torch.long)
    if not torch.is_tensor(targets) or targets.dtype != torch.long or targets.shape != (n,):
        raise TypeError(f"`targets` must be None, an int or an int64 tensor of shape ({n},), got {targets!r}")
    if len(targets) and (targets.min() < 0 or targets.max() >= classes):
        raise ValueError(f"`targets` must be classes in [0, {classes - 1}], got {targets.tolist()}")
    return targets.to(scores.device)


def _inputs(model, images):
    images = check_images("images", images)[0]
    return images.detach().to(model_device(model)).requires_grad_(True)


def input_gradient(model, images, targets=None):
    """Gradient of each input's class score with respect to its pixels.

    Parameters
    ----------
    model : nn.Module
        Maps images to class scores (logits), shape (N, classes).
    images : Tensor, shape (N, C, H, W) or (C, H, W)
    targets : None, int or Tensor of int64, shape (N,)
        The class whose score is differentiated: by default each image's predicted class.

    Returns
    -------
    Tensor, shape (N, C, H, W)
        For a linear model ``W x + b`` it is the row ``W[c]`` of the class, whatever the image.

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> gradient = input_gradient(net, torch.rand(3, 1, 2, 2), targets=1)
    >>> torch.allclose(gradient[2].flatten(), net[1].weight[1])
    True
    """
    check_model(model)
    x = _inputs(model, images)
    with keep_mode(model), torch.enable_grad():
        model.eval()
        scores = model(x)
        chosen = scores.gather(1, _targets(targets, scores.detach())[:, None])
        (gradient,) = torch.autograd.grad(chosen.sum(), x)
    return gradient.detach()


def saliency(model, images, targets=None):
    """Saliency map of Simonyan et al. (2014): the largest absolute input gradient over channels.

    Returns
    -------
    Tensor, shape (N, H, W)
        ``max_c |d score / d x[c, i, j]|`` (:func:`input_gradient` for the parameters).

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> saliency(net, torch.rand(1, 4, 1, 1), targets=0).shape
    torch.Size([1, 1, 1])
    """
    return input_gradient(model, images, targets).abs().amax(dim=1)


def _positions(size, patch, stride):
    last = size - patch
    return sorted(set(range(0, last + 1, stride)) | {last})  # the last patch reaches the edge


def occlusion(model, images, targets=None, *, size=4, stride=2, value=0.0, score="logit", batch_size=256):
    """Occlusion map of Zeiler and Fergus (2014): how much the score falls when a patch is hidden.

    A `size` × `size` square of every channel is set to `value`, at positions `stride` apart
    (and at the last position; `stride` <= `size`, so every pixel is covered); each pixel gets the mean fall of the
    class score over the squares that cover it.

    Parameters
    ----------
    model, images, targets
        As in :func:`input_gradient` (the target defaults to the prediction on the clean image).
    size, stride : int, default 4 and 2
    value : float, default 0
        What the hidden pixels are set to.
    score : {'logit', 'probability'}, default 'logit'
    batch_size : int, default 256
        Occluded images per forward pass.

    Returns
    -------
    Tensor, shape (N, H, W)
        ``score(image) - score(occluded image)``, averaged per pixel: positive where hiding the
        pixels lowers the score. With ``size=1, stride=1, value=0`` and a linear model it is
        ``W[c, i, j] * x[i, j]``.

    Examples
    --------
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
    >>> occlusion(net, torch.rand(2, 1, 2, 2), size=1, stride=1).shape
    torch.Size([2, 2, 2])
    """
    check_model(model)
    images = check_images("images", images)[0].detach().to(model_device(model))
    size, stride = check_int("size", size, minimum=1), check_int("stride", stride, minimum=1)
    value, batch_size = check_float("value", value), check_int("batch_size", batch_size, minimum=1)
    score = check_choice("score", score, ("logit", "probability"))
    n, _, height, width = images.shape
    if size > min(height, width):
        raise ValueError(f"`size` must be at most the image size {min(height, width)}, got {size}")
    if stride > size:
        raise ValueError(f"`stride` must be at most `size` ({size}) so that every pixel is hidden, got {stride}")
    squares = [(r, c) for r in _positions(height, size, stride) for c in _positions(width, size, stride)]

    def scores_of(x):
        out = model(x)
        return out.softmax(dim=1) if score == "probability" else out

    total = images.new_zeros(n, height, width)
    count = images.new_zeros(height, width)
    with keep_mode(model), torch.no_grad():
        model.eval()
        base = scores_of(images)
        targets = _targets(targets, base)
        base = base.gather(1, targets[:, None])[:, 0]
        for i in range(0, len(squares), max(1, batch_size // max(n, 1))):
            chunk = squares[i : i + max(1, batch_size // max(n, 1))]
            hidden = images.repeat(len(chunk), 1, 1, 1)  # (len(chunk) * N, C, H, W), square-major
            for k, (r, c) in enumerate(chunk):
                hidden[k * n : (k + 1) * n, :, r : r + size, c : c + size] = value
            fall = base.repeat(len(chunk)) - scores_of(hidden).gather(1, targets.repeat(len(chunk))[:, None])[:, 0]
            for k, (r, c) in enumerate(chunk):
                total[:, r : r + size, c : c + size] += fall[k * n : (k + 1) * n, None, None]
                count[r : r + size, c : c + size] += 1
    return total / count


def class_activation_map(model, images, targets=None, *, layer, linear):
    """Class activation map of Zhou et al. (2016) for a global-average-pooling head.

    For a head ``score_c = W[c] · mean_ij A[:, i, j] + b_c`` on the last feature maps ``A``
    (K maps of h × w), the map ``CAM_c[i, j] = sum_k W[c, k] A[k, i, j]`` shows where the
    evidence for class `c` lies, and ``score_c = mean_ij CAM_c[i, j] + b_c``.

    Parameters
    ----------
    model, images, targets
        As in :func:`input_gradient`.
    layer : str or nn.Module
        The module whose output is ``A``, shape (N, K, h, w) (the input of the pooling).
    linear : str or nn.Module
        The ``nn.Linear(K, classes)`` after the pooling.

    Returns
    -------
    Tensor, shape (N, h, w)

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(1, 3, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 2))
    >>> class_activation_map(net, torch.rand(2, 1, 6, 6), layer="0", linear="3").shape
    torch.Size([2, 4, 4])
    """
    check_model(model)
    linear = find_module(model, linear, "linear")
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"`linear` must be an nn.Linear, got {type(linear).__name__}")
    images = check_images("images", images)[0].to(model_device(model))
    with keep_mode(model), torch.no_grad(), recording(find_module(model, layer)) as outputs:
        model.eval()
        scores = model(images)
        if len(outputs) != 1 or outputs[0].dim() != 4 or outputs[0].shape[1] != linear.in_features:
            shapes = [tuple(o.shape) for o in outputs]
            raise ValueError(f"`layer` must output one map of shape (N, {linear.in_features}, h, w) "
                             f"(the input of `linear`'s pooling), got {shapes}")
        weights = linear.weight[_targets(targets, scores)]  # (N, K)
        return torch.einsum("nk,nkhw->nhw", weights, outputs[0])


def grad_cam(model, images, targets=None, *, layer, relu=True):
    """Grad-CAM of Selvaraju et al. (2017): the maps of `layer` weighed by their mean gradient.

    ``alpha_k = mean_ij d score_c / d A[k, i, j]`` and the map is ``ReLU(sum_k alpha_k A[k])``.
    For a GAP + linear head ``alpha_k = W[c, k] / (h w)``: Grad-CAM is the class activation
    map divided by ``h w`` (before the ReLU).

    Parameters
    ----------
    model, images, targets
        As in :func:`input_gradient`.
    layer : str or nn.Module
        A module with output of shape (N, K, h, w), not modified in place by the next layer.
    relu : bool, default True
        Keep only the positive part (the evidence for the class).

    Returns
    -------
    Tensor, shape (N, h, w)

    Examples
    --------
    >>> net = nn.Sequential(nn.Conv2d(1, 3, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 2))
    >>> bool((grad_cam(net, torch.rand(2, 1, 6, 6), layer="0") >= 0).all())
    True
    """
    check_model(model)
    if not isinstance(relu, bool):
        raise TypeError(f"`relu` must be True or False, got {relu!r}")
    x = _inputs(model, images)
    with keep_mode(model), torch.enable_grad(), recording(find_module(model, layer)) as outputs:
        model.eval()
        scores = model(x)
        if len(outputs) != 1 or outputs[0].dim() != 4:
            raise ValueError(f"`layer` must output one map of shape (N, K, h, w), got "
                             f"{[tuple(o.shape) for o in outputs]}")
        chosen = scores.gather(1, _targets(targets, scores.detach())[:, None])
        (gradient,) = torch.autograd.grad(chosen.sum(), outputs[0])
    maps = (gradient.mean(dim=(2, 3), keepdim=True) * outputs[0]).sum(dim=1).detach()
    return maps.clamp(min=0) if relu else maps


def randomized_copy(model, layers=None, *, seed=0):
    """A copy of `model` whose named layers (all, by default) are re-initialised at random.

    The model randomisation test of Adebayo et al. (2018): a map that explains the network
    must change when its weights do. Each layer's ``reset_parameters`` runs under torch's
    generator seeded from ``(seed, position)``; the global generator is left as it was.

    Examples
    --------
    >>> net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    >>> copy_ = randomized_copy(net, ["1"], seed=0)
    >>> torch.equal(copy_[0].weight, net[0].weight), torch.equal(copy_[1].weight, net[1].weight)
    (True, False)
    """
    check_model(model)
    seed, twin = check_seed(seed), copy.deepcopy(model)
    names = [n for n, m in twin.named_modules() if hasattr(m, "reset_parameters")] if layers is None else (
        [layers] if isinstance(layers, str) else list(layers))
    for position, name in enumerate(names):
        module = find_module(twin, name, "layers")
        if not hasattr(module, "reset_parameters"):
            raise ValueError(f"`layers` must name modules with parameters to reset, got {name!r}")
        with private_rng(derive_seed(seed, position), torch.device("cpu")):
            module.reset_parameters()
    return twin


def rank_correlation(a, b):
    """Spearman's rank correlation of each pair of maps ``a[i]``, ``b[i]`` (ties get mean ranks).

    Examples
    --------
    >>> rank_correlation(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[10.0, 30.0, 20.0]]))
    tensor([0.5000])
    """
    if not (torch.is_tensor(a) and torch.is_tensor(b)):
        raise TypeError(f"`a` and `b` must be tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.shape != b.shape or a.dim() < 2:
        raise ValueError(f"`a` and `b` must have the same shape (N, ...), got {tuple(a.shape)} and {tuple(b.shape)}")

    def ranks(x):
        x = x.reshape(len(x), -1).double()
        ordered = x.sort(dim=1).values
        below = torch.searchsorted(ordered, x.contiguous(), right=False)
        upto = torch.searchsorted(ordered, x.contiguous(), right=True)
        r = (below + upto + 1) / 2.0
        return r - r.mean(dim=1, keepdim=True)

    ra, rb = ranks(a), ranks(b)
    return ((ra * rb).sum(1) / (ra.norm(dim=1) * rb.norm(dim=1))).float()
