"""MobileNet's blocks and squeeze-and-excitation: cheap convolutions and channel attention.

The depthwise-separable convolution (MobileNet v1) splits a k×k convolution into a per-channel
k×k filter and a 1×1 mix of channels; the inverted residual (MobileNetV2) expands the channels
with a 1×1 convolution, filters depthwise and projects back linearly; squeeze-and-excitation
rescales each channel by a gate computed from the whole image.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab._checks import check_bool, check_int
from cnnlab.nets.layers import check_block, conv_bn_act, zero_last


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

    def __init__(self, in_channels, out_channels, *, kernel_size=3, stride=1, batch_norm=True,
                 device=None, dtype=None):
        in_channels, out_channels, stride, batch_norm = check_block(in_channels, out_channels, stride, batch_norm)
        kernel_size = check_int("kernel_size", kernel_size, minimum=1)
        if kernel_size % 2 == 0:
            raise ValueError(f"`kernel_size` must be an odd int, got {kernel_size}")
        f = {"device": device, "dtype": dtype}
        super().__init__(*conv_bn_act(in_channels, in_channels, kernel_size, stride, in_channels,
                                       batch_norm, nn.ReLU, f),
                         *conv_bn_act(in_channels, out_channels, 1, 1, 1, batch_norm, nn.ReLU, f))


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
        As in :class:`BasicBlock`; `zero_init_residual` zeroes the projection's BN, so it needs the
        skip connection (stride 1, same channels).

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

    def __init__(self, in_channels, out_channels, *, stride=1, expand_ratio=6, batch_norm=True,
                 zero_init_residual=False, device=None, dtype=None):
        super().__init__()
        in_channels, out_channels, stride, batch_norm = check_block(in_channels, out_channels, stride, batch_norm)
        if stride not in (1, 2):
            raise ValueError(f"`stride` must be 1 or 2, got {stride}")
        expand_ratio = check_int("expand_ratio", expand_ratio, minimum=1)
        self.use_residual = stride == 1 and in_channels == out_channels
        if check_bool("zero_init_residual", zero_init_residual) and not self.use_residual:
            raise ValueError(
                f"`zero_init_residual` must be False when the block has no skip connection "
                f"(stride={stride}, {in_channels} -> {out_channels} channels): its output would be 0")
        f = {"device": device, "dtype": dtype}
        hidden = in_channels * expand_ratio
        layers = []
        if expand_ratio != 1:
            layers += conv_bn_act(in_channels, hidden, 1, 1, 1, batch_norm, nn.ReLU6, f)
        layers += conv_bn_act(hidden, hidden, 3, stride, hidden, batch_norm, nn.ReLU6, f)
        layers += conv_bn_act(hidden, out_channels, 1, 1, 1, batch_norm, None, f)  # linear
        self.block = nn.Sequential(*layers)
        if zero_init_residual:
            zero_last(layers[-2], layers[-1])

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
