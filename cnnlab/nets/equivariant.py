"""Rotation-equivariant convolutions on the group p4 (Cohen and Welling, 2016).

A convolution is equivariant to translations: shift the image and every feature map shifts with
it. It is not equivariant to rotations. The group p4 is made of the translations and the
rotations by 0, 90, 180 and 270°. Its convolutions give every output channel four maps, one per
rotation of the filter, stored along a new axis: feature maps of shape ``(N, C, 4, H, W)``.

- The **lifting** convolution (:func:`p4_lifting_conv2d`) correlates an ordinary image with the
  filter rotated by r · 90°, for r = 0, 1, 2, 3.
- The **group** convolution (:func:`p4_group_conv2d`) does the same on p4 feature maps; rotating
  the filter also shifts its own rotation axis.

Rotating the input by 90° then rotates every output map by 90° and shifts the rotation axis by
one step (:func:`rotate_p4`), exactly: the layers are equivariant, by construction, with 4
times the outputs of an ordinary convolution for the same number of weights (lifting).
Stride is not offered: sampling every other pixel is only rotation-symmetric on some grids.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from cnnlab._checks import check_bool, check_int

ROTATIONS = 4  #: the rotations of p4: 0, 90, 180 and 270°


def rotate_p4(input, k=1):
    """Rotate p4 feature maps by ``k · 90°``: each map turns, and the rotation axis shifts by k.

    This is how a rotation acts on the output of :func:`p4_lifting_conv2d` and
    :func:`p4_group_conv2d`: map r of the rotated input is map ``r - k`` of the original, turned
    by ``k · 90°`` (``torch.rot90`` over the last two dimensions).

    Parameters
    ----------
    input : Tensor, shape (N, C, 4, H, W)
    k : int, default 1
        Number of quarter turns (any int; negative turns the other way).

    Examples
    --------
    >>> x = torch.arange(4.0).view(1, 1, 4, 1, 1)
    >>> rotate_p4(x).flatten().tolist()
    [3.0, 0.0, 1.0, 2.0]
    """
    k = check_int("k", k)
    if input.dim() != 5 or input.shape[2] != ROTATIONS:
        raise ValueError(f"`input` must have shape (N, C, 4, H, W), got {tuple(input.shape)}")
    return torch.roll(torch.rot90(input, k, dims=(-2, -1)), shifts=k, dims=2)


def _check(input, weight, bias, padding, dim):
    if input.dim() != dim:
        raise ValueError(f"`input` must have {dim} dimensions, got shape {tuple(input.shape)}")
    if weight.shape[-1] != weight.shape[-2]:
        raise ValueError(f"`weight` must have square kernels (rotated by 90° they must fit), "
                         f"got shape {tuple(weight.shape)}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"`bias` must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")
    return check_int("padding", padding, minimum=0)


def _conv(x, filters, bias, padding, n, out_channels):
    """conv2d of x with filters stacked (C_out, 4, ...); bias shared by the 4 rotations."""
    out = F.conv2d(x, filters.flatten(0, 1), None if bias is None else bias.repeat_interleave(ROTATIONS),
                   padding=padding)
    return out.view(n, out_channels, ROTATIONS, *out.shape[-2:])  # (N, C_out, 4, H', W')


def p4_lifting_conv2d(input, weight, bias=None, padding=0):
    """Lifting p4 convolution: correlate an image with its filter rotated by 0, 90, 180, 270°.

    ``out[:, o, r] = conv2d(input, rot90(weight[o], r))`` (+ ``bias[o]``, the same for the four
    rotations).

    Parameters
    ----------
    input : Tensor, shape (N, C_in, H, W)
    weight : Tensor, shape (C_out, C_in, k, k)
    bias : Tensor, shape (C_out,), optional
    padding : int, default 0
        Zeros on each side (use ``k // 2`` for 'same').

    Returns
    -------
    Tensor, shape (N, C_out, 4, H', W')

    Examples
    --------
    >>> x = torch.randn(1, 1, 5, 5, dtype=torch.float64)
    >>> w = torch.randn(2, 1, 3, 3, dtype=torch.float64)
    >>> y = p4_lifting_conv2d(x, w, padding=1)
    >>> y.shape
    torch.Size([1, 2, 4, 5, 5])
    >>> x90 = torch.rot90(x, 1, dims=(-2, -1))
    >>> torch.allclose(p4_lifting_conv2d(x90, w, padding=1), rotate_p4(y))  # equivariant
    True
    """
    padding = _check(input, weight, bias, padding, 4)
    filters = torch.stack([torch.rot90(weight, r, dims=(-2, -1)) for r in range(ROTATIONS)], dim=1)
    return _conv(input, filters, bias, padding, len(input), weight.shape[0])


def p4_group_conv2d(input, weight, bias=None, padding=0):
    """Group p4 convolution: from p4 feature maps to p4 feature maps.

    ``out[:, o, r] = sum over c, s of conv2d(input[:, c, s], rot90(weight[o, c, (s - r) % 4], r))``:
    for output rotation r the filter is turned by ``r · 90°`` and its rotation axis shifted by r.

    Parameters
    ----------
    input : Tensor, shape (N, C_in, 4, H, W)
    weight : Tensor, shape (C_out, C_in, 4, k, k)
    bias : Tensor, shape (C_out,), optional
    padding : int, default 0

    Returns
    -------
    Tensor, shape (N, C_out, 4, H', W')

    Examples
    --------
    >>> x = torch.randn(1, 2, 4, 6, 6, dtype=torch.float64)
    >>> w = torch.randn(3, 2, 4, 3, 3, dtype=torch.float64)
    >>> y = p4_group_conv2d(x, w, padding=1)
    >>> y.shape
    torch.Size([1, 3, 4, 6, 6])
    >>> torch.allclose(p4_group_conv2d(rotate_p4(x), w, padding=1), rotate_p4(y))
    True
    """
    padding = _check(input, weight, bias, padding, 5)
    if input.shape[2] != ROTATIONS or weight.dim() != 5 or weight.shape[2] != ROTATIONS:
        raise ValueError(f"`input` (N, C, 4, H, W) and `weight` (C_out, C_in, 4, k, k) must have a rotation "
                         f"axis of 4, got {tuple(input.shape)} and {tuple(weight.shape)}")
    filters = torch.stack([torch.rot90(torch.roll(weight, r, dims=2), r, dims=(-2, -1))
                           for r in range(ROTATIONS)], dim=1)  # (C_out, 4, C_in, 4, k, k)
    return _conv(input.flatten(1, 2), filters.flatten(2, 3), bias, padding, len(input), weight.shape[0])


class _P4Conv(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, rotations_in, padding, bias, f):
        super().__init__()
        self.in_channels = check_int("in_channels", in_channels, minimum=1)
        self.out_channels = check_int("out_channels", out_channels, minimum=1)
        k = check_int("kernel_size", kernel_size, minimum=1)
        self.kernel_size, self.padding = (k, k), check_int("padding", padding, minimum=0)
        shape = (self.out_channels, self.in_channels, *([ROTATIONS] * rotations_in), k, k)
        self.weight = nn.Parameter(torch.empty(shape, **f))
        self.bias = nn.Parameter(torch.empty(self.out_channels, **f)) if check_bool("bias", bias) else None
        fan_in = math.prod(shape[1:])
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # as nn.Conv2d
        if self.bias is not None:
            nn.init.uniform_(self.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"padding={self.padding}, bias={self.bias is not None}")


class P4LiftingConv2d(_P4Conv):
    """:func:`p4_lifting_conv2d` as a layer: images (N, C_in, H, W) -> p4 maps (N, C_out, 4, H', W').

    It has the weights of ``nn.Conv2d(in_channels, out_channels, kernel_size)`` (one bias per
    output channel, shared by the rotations) and four times its outputs and MACs.

    Parameters
    ----------
    in_channels, out_channels, kernel_size : int
    padding : int, default 0
    bias : bool, default True
    device, dtype : optional

    References
    ----------
    T. S. Cohen and M. Welling, "Group equivariant convolutional networks", ICML 2016.

    Examples
    --------
    >>> layer = P4LiftingConv2d(1, 8, 3, padding=1)
    >>> layer(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 8, 4, 28, 28])
    >>> sum(p.numel() for p in layer.parameters())  # 8·1·3·3 + 8, as nn.Conv2d(1, 8, 3)
    80
    """

    def __init__(self, in_channels, out_channels, kernel_size, *, padding=0, bias=True, device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, 0, padding, bias, {"device": device, "dtype": dtype})

    def forward(self, x):
        return p4_lifting_conv2d(x, self.weight, self.bias, self.padding)


class P4GroupConv2d(_P4Conv):
    """:func:`p4_group_conv2d` as a layer: p4 maps (N, C_in, 4, H, W) -> (N, C_out, 4, H', W').

    Each filter spans the input's four rotation maps: ``C_out · C_in · 4 · k · k`` weights.

    Examples
    --------
    >>> layer = P4GroupConv2d(8, 16, 3, padding=1)
    >>> layer(torch.zeros(2, 8, 4, 7, 7)).shape
    torch.Size([2, 16, 4, 7, 7])
    >>> layer.weight.shape
    torch.Size([16, 8, 4, 3, 3])
    """

    def __init__(self, in_channels, out_channels, kernel_size, *, padding=0, bias=True, device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, 1, padding, bias, {"device": device, "dtype": dtype})

    def forward(self, x):
        return p4_group_conv2d(x, self.weight, self.bias, self.padding)


class P4CNN(nn.Module):
    """A small p4 network whose class scores do not change when the image turns by 90°.

    Lifting conv 3×3 (`width`), then two group convs 3×3 (`width`, ``2 * width``), each with batch
    norm shared by the four rotations (``BatchNorm3d``), ReLU and 2×2 max pooling on the first two;
    then the maximum over rotations and positions, and a dense layer. Each layer is equivariant,
    and the final maximum over rotations and positions is invariant, so the scores are the same
    for the four rotations of an image whose sides are divisible by 4 (28×28 or 32×32).

    Examples
    --------
    >>> net = P4CNN(1, 10).eval()
    >>> x = torch.randn(2, 1, 28, 28)
    >>> torch.allclose(net(x), net(torch.rot90(x, 1, dims=(-2, -1))), atol=1e-5)
    True
    """

    def __init__(self, in_channels=1, num_classes=10, *, width=8, device=None, dtype=None):
        super().__init__()
        num_classes = check_int("num_classes", num_classes, minimum=1)
        width = check_int("width", width, minimum=1)
        f = {"device": device, "dtype": dtype}
        self.convs = nn.ModuleList([P4LiftingConv2d(in_channels, width, 3, padding=1, bias=False, **f),
                                    P4GroupConv2d(width, width, 3, padding=1, bias=False, **f),
                                    P4GroupConv2d(width, 2 * width, 3, padding=1, bias=False, **f)])
        self.norms = nn.ModuleList([nn.BatchNorm3d(c, **f) for c in (width, width, 2 * width)])
        self.fc = nn.Linear(2 * width, num_classes, **f)

    def forward(self, x):
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            x = F.relu(norm(conv(x)))  # (N, C, 4, H, W)
            if i < 2:  # 2×2 max pooling of every map: (N, C, 4, H/2, W/2)
                x = F.max_pool3d(x, (1, 2, 2))
        return self.fc(x.amax(dim=(2, 3, 4)))  # invariant: max over rotations and positions
