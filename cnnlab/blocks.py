"""Building blocks of modern CNNs: plain and residual blocks, bottlenecks, MobileNet blocks.

Every block takes ``batch_norm`` (chapter 9 trains the same network with and
without batch normalisation; without it the convolutions get a bias) and
``device=None, dtype=None`` like ``torch.nn`` layers. The residual blocks take
``zero_init_residual``: the last batch norm of the residual branch starts with
weight 0 (the last convolution, without batch norm), so that the branch first
outputs 0 and the block starts as its shortcut, as torchvision does.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab._checks import check_bool, check_int


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, bias: bool = False,
            *, device=None, dtype=None) -> nn.Conv2d:
    """A 3×3 convolution with padding 1 (torchvision's helper): keeps H×W when `stride` is 1.

    Examples
    --------
    >>> conv3x3(16, 32, stride=2)(torch.zeros(1, 16, 8, 8)).shape
    torch.Size([1, 32, 4, 4])
    """
    return nn.Conv2d(in_planes, out_planes, 3, stride, 1, groups=groups, bias=bias,
                     device=device, dtype=dtype)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1, bias: bool = False,
            *, device=None, dtype=None) -> nn.Conv2d:
    """A 1×1 (pointwise) convolution without padding (torchvision's helper).

    Examples
    --------
    >>> conv1x1(16, 64)(torch.zeros(1, 16, 8, 8)).shape
    torch.Size([1, 64, 8, 8])
    """
    return nn.Conv2d(in_planes, out_planes, 1, stride, bias=bias, device=device, dtype=dtype)


def _norm(channels, batch_norm, factory):
    return nn.BatchNorm2d(channels, **factory) if batch_norm else nn.Identity()


def _check(in_channels, out_channels, stride, batch_norm, out_name="out_channels"):
    return (check_int("in_channels", in_channels, minimum=1),
            check_int(out_name, out_channels, minimum=1),
            check_int("stride", stride, minimum=1),
            check_bool("batch_norm", batch_norm))


def _zero_last(conv: nn.Conv2d, norm: nn.Module) -> None:
    """Make a branch ending in ``conv`` then ``norm`` output zeros."""
    with torch.no_grad():
        if isinstance(norm, nn.BatchNorm2d):
            norm.weight.zero_()
        else:
            conv.weight.zero_()
            if conv.bias is not None:
                conv.bias.zero_()


def _shortcut(in_channels, out_channels, stride, batch_norm, factory) -> nn.Module:
    """Identity when shapes match, else a 1×1 projection (conv + BN), option B of He et al."""
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return nn.Sequential(conv1x1(in_channels, out_channels, stride, bias=not batch_norm, **factory),
                         _norm(out_channels, batch_norm, factory))


class PlainBlock(nn.Module):
    """Two 3×3 convolutions (conv-BN-ReLU twice) with no skip: the "plain" twin of BasicBlock.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out.
    stride : int, default 1
        Stride of the first convolution (2 halves H and W).
    batch_norm : bool, default True
        Batch norm after each convolution; without it the convolutions have a bias.
    device, dtype : optional
        Where and in which dtype to create the parameters.

    Raises
    ------
    TypeError, ValueError
        If a size is not a positive int or `batch_norm` is not a bool.

    Examples
    --------
    >>> block = PlainBlock(16, 32, stride=2)
    >>> block(torch.zeros(2, 16, 8, 8)).shape
    torch.Size([2, 32, 4, 4])
    """

    def __init__(self, in_channels, out_channels, stride=1, batch_norm=True, *,
                 device=None, dtype=None):
        super().__init__()
        in_channels, out_channels, stride, batch_norm = _check(in_channels, out_channels, stride, batch_norm)
        f = {"device": device, "dtype": dtype}
        self.conv1 = conv3x3(in_channels, out_channels, stride, bias=not batch_norm, **f)
        self.bn1 = _norm(out_channels, batch_norm, f)
        self.conv2 = conv3x3(out_channels, out_channels, bias=not batch_norm, **f)
        self.bn2 = _norm(out_channels, batch_norm, f)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(x)))


class BasicBlock(nn.Module):
    """The residual block of ResNet-18/34: ``relu(F(x) + shortcut(x))``, F = two 3×3 convs.

    The shortcut is the identity when `stride` is 1 and the channels match,
    else a 1×1 projection convolution with batch norm. ReLU comes after the
    addition, as in the original ResNet.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out.
    stride : int, default 1
        Stride of the first 3×3 convolution and of the projection.
    batch_norm : bool, default True
        Batch norm after each convolution; without it the convolutions have a bias.
    zero_init_residual : bool, default False
        Start the residual branch at 0 (last BN weight 0), so the block starts as
        ``relu(shortcut(x))``.
    device, dtype : optional
        Where and in which dtype to create the parameters.

    Raises
    ------
    TypeError, ValueError
        If a size is not a positive int or a flag is not a bool.

    References
    ----------
    K. He, X. Zhang, S. Ren and J. Sun, "Deep residual learning for image
    recognition", CVPR 2016.

    Examples
    --------
    >>> block = BasicBlock(16, 32, stride=2)
    >>> block(torch.zeros(2, 16, 8, 8)).shape
    torch.Size([2, 32, 4, 4])
    >>> type(BasicBlock(16, 16).shortcut).__name__
    'Identity'
    """

    def __init__(self, in_channels, out_channels, stride=1, batch_norm=True, *,
                 zero_init_residual=False, device=None, dtype=None):
        super().__init__()
        in_channels, out_channels, stride, batch_norm = _check(in_channels, out_channels, stride, batch_norm)
        check_bool("zero_init_residual", zero_init_residual)
        f = {"device": device, "dtype": dtype}
        self.conv1 = conv3x3(in_channels, out_channels, stride, bias=not batch_norm, **f)
        self.bn1 = _norm(out_channels, batch_norm, f)
        self.conv2 = conv3x3(out_channels, out_channels, bias=not batch_norm, **f)
        self.bn2 = _norm(out_channels, batch_norm, f)
        self.shortcut = _shortcut(in_channels, out_channels, stride, batch_norm, f)
        self.relu = nn.ReLU(inplace=True)
        if zero_init_residual:
            _zero_last(self.conv2, self.bn2)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class Bottleneck(nn.Module):
    """The residual block of ResNet-50/101/152: 1×1 reduce, 3×3, 1×1 expand, plus a shortcut.

    Output channels are ``mid_channels * expansion``; the stride sits on the 3×3
    convolution (torchvision's "ResNet v1.5").

    Parameters
    ----------
    in_channels : int
        Channels in.
    mid_channels : int
        Channels of the 3×3 convolution ("planes").
    stride : int, default 1
    expansion : int, default 4
        Output channels = ``mid_channels * expansion``.
    batch_norm, zero_init_residual, device, dtype
        As in :class:`BasicBlock`.

    Examples
    --------
    >>> block = Bottleneck(64, 64)
    >>> block(torch.zeros(1, 64, 8, 8)).shape
    torch.Size([1, 256, 8, 8])
    >>> Bottleneck(256, 128, stride=2)(torch.zeros(1, 256, 8, 8)).shape
    torch.Size([1, 512, 4, 4])
    """

    def __init__(self, in_channels, mid_channels, stride=1, expansion=4, batch_norm=True, *,
                 zero_init_residual=False, device=None, dtype=None):
        super().__init__()
        in_channels, mid_channels, stride, batch_norm = _check(
            in_channels, mid_channels, stride, batch_norm, "mid_channels")
        expansion = check_int("expansion", expansion, minimum=1)
        check_bool("zero_init_residual", zero_init_residual)
        f = {"device": device, "dtype": dtype}
        out_channels = mid_channels * expansion
        self.conv1 = conv1x1(in_channels, mid_channels, bias=not batch_norm, **f)
        self.bn1 = _norm(mid_channels, batch_norm, f)
        self.conv2 = conv3x3(mid_channels, mid_channels, stride, bias=not batch_norm, **f)
        self.bn2 = _norm(mid_channels, batch_norm, f)
        self.conv3 = conv1x1(mid_channels, out_channels, bias=not batch_norm, **f)
        self.bn3 = _norm(out_channels, batch_norm, f)
        self.shortcut = _shortcut(in_channels, out_channels, stride, batch_norm, f)
        self.relu = nn.ReLU(inplace=True)
        if zero_init_residual:
            _zero_last(self.conv3, self.bn3)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + self.shortcut(x))


def _conv_bn_act(in_channels, out_channels, kernel_size, stride, groups, batch_norm, act, f):
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2,
                        groups=groups, bias=not batch_norm, **f),
              _norm(out_channels, batch_norm, f)]
    return layers + ([act(inplace=True)] if act is not None else [])


class DepthwiseSeparableConv(nn.Sequential):
    """MobileNet v1's block: depthwise k×k conv + BN + ReLU, then pointwise 1×1 conv + BN + ReLU.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int, default 3
        Odd size of the depthwise kernel (padding ``kernel_size // 2``).
    stride : int, default 1
        Stride of the depthwise convolution.
    batch_norm : bool, default True
    device, dtype : optional

    References
    ----------
    A. G. Howard et al., "MobileNets: Efficient convolutional neural networks for
    mobile vision applications", arXiv:1704.04861, 2017.

    Examples
    --------
    >>> block = DepthwiseSeparableConv(32, 64, stride=2)
    >>> block(torch.zeros(1, 32, 16, 16)).shape
    torch.Size([1, 64, 8, 8])
    >>> sum(p.numel() for p in block.parameters())  # 32*9 + 2*32 + 32*64 + 2*64
    2528
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, batch_norm=True, *,
                 device=None, dtype=None):
        in_channels, out_channels, stride, batch_norm = _check(in_channels, out_channels, stride, batch_norm)
        kernel_size = check_int("kernel_size", kernel_size, minimum=1)
        if kernel_size % 2 == 0:
            raise ValueError(f"`kernel_size` must be an odd int, got {kernel_size}")
        f = {"device": device, "dtype": dtype}
        super().__init__(*_conv_bn_act(in_channels, in_channels, kernel_size, stride, in_channels,
                                       batch_norm, nn.ReLU, f),
                         *_conv_bn_act(in_channels, out_channels, 1, 1, 1, batch_norm, nn.ReLU, f))


class InvertedResidual(nn.Module):
    """MobileNetV2's block: 1×1 expand + ReLU6, 3×3 depthwise + ReLU6, 1×1 linear projection.

    The skip connection is used only when `stride` is 1 and the channels match
    (``self.use_residual``); with ``expand_ratio=1`` there is no expansion conv.

    Parameters
    ----------
    in_channels, out_channels : int
    stride : {1, 2}, default 1
        Stride of the depthwise convolution.
    expand_ratio : int, default 6
        Hidden channels = ``in_channels * expand_ratio``.
    batch_norm, zero_init_residual, device, dtype
        As in :class:`BasicBlock` (`zero_init_residual` zeroes the projection's BN).

    References
    ----------
    M. Sandler et al., "MobileNetV2: Inverted residuals and linear bottlenecks", CVPR 2018.

    Examples
    --------
    >>> block = InvertedResidual(24, 24)
    >>> block(torch.zeros(1, 24, 8, 8)).shape, block.use_residual
    (torch.Size([1, 24, 8, 8]), True)
    >>> InvertedResidual(24, 32, stride=2).use_residual
    False
    """

    def __init__(self, in_channels, out_channels, stride=1, expand_ratio=6, batch_norm=True, *,
                 zero_init_residual=False, device=None, dtype=None):
        super().__init__()
        in_channels, out_channels, stride, batch_norm = _check(in_channels, out_channels, stride, batch_norm)
        if stride not in (1, 2):
            raise ValueError(f"`stride` must be 1 or 2, got {stride}")
        expand_ratio = check_int("expand_ratio", expand_ratio, minimum=1)
        check_bool("zero_init_residual", zero_init_residual)
        f = {"device": device, "dtype": dtype}
        hidden = in_channels * expand_ratio
        layers = []
        if expand_ratio != 1:
            layers += _conv_bn_act(in_channels, hidden, 1, 1, 1, batch_norm, nn.ReLU6, f)
        layers += _conv_bn_act(hidden, hidden, 3, stride, hidden, batch_norm, nn.ReLU6, f)
        layers += _conv_bn_act(hidden, out_channels, 1, 1, 1, batch_norm, None, f)  # linear
        self.block = nn.Sequential(*layers)
        self.use_residual = stride == 1 and in_channels == out_channels
        if zero_init_residual:
            _zero_last(layers[-2], layers[-1])

    def forward(self, x):
        out = self.block(x)
        return x + out if self.use_residual else out


class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation: rescale each channel by a gate computed from global context.

    ``x * sigmoid(W2 relu(W1 mean_hw(x)))`` with ``W1: C -> max(1, C // reduction)``
    and ``W2`` back to C, both 1×1 convolutions with bias.

    Parameters
    ----------
    channels : int
    reduction : int, default 16
    device, dtype : optional

    References
    ----------
    J. Hu, L. Shen and G. Sun, "Squeeze-and-excitation networks", CVPR 2018.

    Examples
    --------
    >>> se = SqueezeExcitation(64)
    >>> se(torch.ones(2, 64, 8, 8)).shape
    torch.Size([2, 64, 8, 8])
    >>> sum(p.numel() for p in se.parameters())  # 64*4 + 4 + 4*64 + 64
    580
    """

    def __init__(self, channels, reduction=16, *, device=None, dtype=None):
        super().__init__()
        channels = check_int("channels", channels, minimum=1)
        reduction = check_int("reduction", reduction, minimum=1)
        squeezed = max(1, channels // reduction)
        f = {"device": device, "dtype": dtype}
        self.fc1 = nn.Conv2d(channels, squeezed, 1, **f)
        self.fc2 = nn.Conv2d(squeezed, channels, 1, **f)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        scale = x.mean(dim=(2, 3), keepdim=True)  # (N, C, 1, 1): squeeze
        scale = torch.sigmoid(self.fc2(self.relu(self.fc1(scale))))  # excitation
        return x * scale
