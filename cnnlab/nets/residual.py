"""Plain and residual blocks: ResNet's basic block and bottleneck, and their skip-less twin.

The residual blocks take ``zero_init_residual``: the last batch norm of the residual branch
starts with weight 0 (the last convolution, without batch norm), so that the branch first
outputs 0 and the block starts as its shortcut, as torchvision does.
"""

from __future__ import annotations

from torch import nn

from cnnlab._checks import check_bool, check_int
from cnnlab.nets.layers import check_block, conv1x1, conv3x3, norm2d, shortcut, zero_last


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
    >>> import torch
    >>> block = PlainBlock(16, 32, stride=2)
    >>> block(torch.zeros(2, 16, 8, 8)).shape
    torch.Size([2, 32, 4, 4])
    """

    def __init__(self, in_channels, out_channels, *, stride=1, batch_norm=True, device=None, dtype=None):
        super().__init__()
        in_channels, out_channels, stride, batch_norm = check_block(in_channels, out_channels, stride, batch_norm)
        f = {"device": device, "dtype": dtype}
        self.conv1 = conv3x3(in_channels, out_channels, stride=stride, bias=not batch_norm, **f)
        self.bn1 = norm2d(out_channels, batch_norm, f)
        self.conv2 = conv3x3(out_channels, out_channels, bias=not batch_norm, **f)
        self.bn2 = norm2d(out_channels, batch_norm, f)
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
    >>> import torch
    >>> block = BasicBlock(16, 32, stride=2)
    >>> block(torch.zeros(2, 16, 8, 8)).shape
    torch.Size([2, 32, 4, 4])
    >>> type(BasicBlock(16, 16).shortcut).__name__
    'Identity'
    """

    def __init__(self, in_channels, out_channels, *, stride=1, batch_norm=True, zero_init_residual=False,
                 device=None, dtype=None):
        super().__init__()
        in_channels, out_channels, stride, batch_norm = check_block(in_channels, out_channels, stride, batch_norm)
        check_bool("zero_init_residual", zero_init_residual)
        f = {"device": device, "dtype": dtype}
        self.conv1 = conv3x3(in_channels, out_channels, stride=stride, bias=not batch_norm, **f)
        self.bn1 = norm2d(out_channels, batch_norm, f)
        self.conv2 = conv3x3(out_channels, out_channels, bias=not batch_norm, **f)
        self.bn2 = norm2d(out_channels, batch_norm, f)
        self.shortcut = shortcut(in_channels, out_channels, stride, batch_norm, f)
        self.relu = nn.ReLU(inplace=True)
        if zero_init_residual:
            zero_last(self.conv2, self.bn2)

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
    >>> import torch
    >>> block = Bottleneck(64, 64)
    >>> block(torch.zeros(1, 64, 8, 8)).shape
    torch.Size([1, 256, 8, 8])
    >>> Bottleneck(256, 128, stride=2)(torch.zeros(1, 256, 8, 8)).shape
    torch.Size([1, 512, 4, 4])
    """

    def __init__(self, in_channels, mid_channels, *, stride=1, expansion=4, batch_norm=True,
                 zero_init_residual=False, device=None, dtype=None):
        super().__init__()
        in_channels, mid_channels, stride, batch_norm = check_block(
            in_channels, mid_channels, stride, batch_norm, "mid_channels")
        expansion = check_int("expansion", expansion, minimum=1)
        check_bool("zero_init_residual", zero_init_residual)
        f = {"device": device, "dtype": dtype}
        out_channels = mid_channels * expansion
        self.conv1 = conv1x1(in_channels, mid_channels, bias=not batch_norm, **f)
        self.bn1 = norm2d(mid_channels, batch_norm, f)
        self.conv2 = conv3x3(mid_channels, mid_channels, stride=stride, bias=not batch_norm, **f)
        self.bn2 = norm2d(mid_channels, batch_norm, f)
        self.conv3 = conv1x1(mid_channels, out_channels, bias=not batch_norm, **f)
        self.bn3 = norm2d(out_channels, batch_norm, f)
        self.shortcut = shortcut(in_channels, out_channels, stride, batch_norm, f)
        self.relu = nn.ReLU(inplace=True)
        if zero_init_residual:
            zero_last(self.conv3, self.bn3)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + self.shortcut(x))
