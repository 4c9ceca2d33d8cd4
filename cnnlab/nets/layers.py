"""The small pieces every block is made of: 3×3 and 1×1 convolutions, conv-BN-activation,
the projection shortcut, and the checks the blocks share.

A block takes its channels positionally and everything else by keyword (``stride``,
``kernel_size``, ...), ``batch_norm`` (without it the convolutions get a bias) and
``device=None, dtype=None`` like ``torch.nn`` layers.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab._checks import check_bool, check_int


def conv3x3(in_channels: int, out_channels: int, *, stride: int = 1, groups: int = 1, bias: bool = False,
            device=None, dtype=None) -> nn.Conv2d:
    """A 3×3 convolution with padding 1 (torchvision's helper): keeps H×W when `stride` is 1.

    Examples
    --------
    >>> conv3x3(16, 32, stride=2)(torch.zeros(1, 16, 8, 8)).shape
    torch.Size([1, 32, 4, 4])
    """
    return nn.Conv2d(in_channels, out_channels, 3, stride, 1, groups=groups, bias=bias,
                     device=device, dtype=dtype)


def conv1x1(in_channels: int, out_channels: int, *, stride: int = 1, bias: bool = False,
            device=None, dtype=None) -> nn.Conv2d:
    """A 1×1 (pointwise) convolution without padding (torchvision's helper).

    Examples
    --------
    >>> conv1x1(16, 64)(torch.zeros(1, 16, 8, 8)).shape
    torch.Size([1, 64, 8, 8])
    """
    return nn.Conv2d(in_channels, out_channels, 1, stride, bias=bias, device=device, dtype=dtype)

def norm2d(channels, batch_norm, factory):
    """``BatchNorm2d(channels)`` when `batch_norm`, else ``Identity``."""
    return nn.BatchNorm2d(channels, **factory) if batch_norm else nn.Identity()


def check_block(in_channels, out_channels, stride, batch_norm, out_name="out_channels"):
    """Check the arguments every block takes; return them."""
    return (check_int("in_channels", in_channels, minimum=1),
            check_int(out_name, out_channels, minimum=1),
            check_int("stride", stride, minimum=1),
            check_bool("batch_norm", batch_norm))


def zero_last(conv: nn.Conv2d, norm: nn.Module) -> None:
    """Make a branch ending in ``conv`` then ``norm`` output zeros."""
    with torch.no_grad():
        if isinstance(norm, nn.BatchNorm2d):
            norm.weight.zero_()
        else:
            conv.weight.zero_()
            if conv.bias is not None:
                conv.bias.zero_()


def shortcut(in_channels, out_channels, stride, batch_norm, factory) -> nn.Module:
    """Identity when shapes match, else a 1×1 projection (conv + BN), option B of He et al."""
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return nn.Sequential(conv1x1(in_channels, out_channels, stride=stride, bias=not batch_norm, **factory),
                         norm2d(out_channels, batch_norm, factory))

def conv_bn_act(in_channels, out_channels, kernel_size, stride, groups, batch_norm, act, f):
    """[conv k×k ('same' for odd k), batch norm or nothing, `act` (a class, or None)] as a list."""
    layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2,
                        groups=groups, bias=not batch_norm, **f),
              norm2d(out_channels, batch_norm, f)]
    return layers + ([act(inplace=True)] if act is not None else [])


def classifier_head(channels, num_classes, f):
    """Global average pooling then a linear classifier: any input size works."""
    return [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes, **f)]
