"""DenseNet's blocks: every layer sees the feature maps of all the layers before it.

A dense layer computes `growth_rate` new channels from its input and returns the input with the
new channels appended (concatenated, where a residual block adds). In a dense block of L layers
the l-th layer therefore reads ``in_channels + l * growth_rate`` channels, and the block outputs
``in_channels + L * growth_rate``. A transition layer between blocks thins the channels with a
1×1 convolution and halves H and W with average pooling.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab._checks import check_bool, check_int
from cnnlab.nets.layers import norm2d


def _bn_relu_conv(in_channels, out_channels, kernel_size, batch_norm, f):
    """Pre-activation, as in DenseNet: [batch norm, ReLU, conv k×k ('same')].

    The ReLU is not in place: without batch norm it would overwrite the layer's input, which
    the dense layer passes on.
    """
    return [norm2d(in_channels, batch_norm, f), nn.ReLU(),
            nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2,
                      bias=not batch_norm, **f)]


class DenseLayer(nn.Module):
    """A DenseNet-B layer: BN-ReLU-1×1 conv, BN-ReLU-3×3 conv, and the input concatenated.

    The 1×1 "bottleneck" convolution makes ``bn_size * growth_rate`` channels and the 3×3 one
    `growth_rate` new channels; the output is ``cat([x, new], dim=1)``.

    Parameters
    ----------
    in_channels : int
    growth_rate : int
        New channels this layer adds (k in the paper).
    bn_size : int or None, default 4
        Channels of the bottleneck, as a multiple of `growth_rate`; None for the plain layer
        of DenseNet without "-B" (BN-ReLU-3×3 conv only).
    batch_norm : bool, default True
        Without it the convolutions have a bias and the layer is ReLU-conv.
    device, dtype : optional

    Attributes
    ----------
    out_channels : int
        ``in_channels + growth_rate``.

    References
    ----------
    G. Huang, Z. Liu, L. van der Maaten and K. Q. Weinberger, "Densely connected convolutional
    networks", CVPR 2017.

    Examples
    --------
    >>> layer = DenseLayer(16, 8)
    >>> layer(torch.zeros(2, 16, 8, 8)).shape
    torch.Size([2, 24, 8, 8])
    >>> x = torch.randn(2, 16, 8, 8)
    >>> bool((layer(x)[:, :16] == x).all())  # the input passes through unchanged
    True
    """

    def __init__(self, in_channels, growth_rate, *, bn_size=4, batch_norm=True, device=None, dtype=None):
        super().__init__()
        in_channels = check_int("in_channels", in_channels, minimum=1)
        growth_rate = check_int("growth_rate", growth_rate, minimum=1)
        if bn_size is not None:
            bn_size = check_int("bn_size", bn_size, minimum=1)
        batch_norm = check_bool("batch_norm", batch_norm)
        f = {"device": device, "dtype": dtype}
        layers = []
        c = in_channels
        if bn_size is not None:
            layers += _bn_relu_conv(c, bn_size * growth_rate, 1, batch_norm, f)
            c = bn_size * growth_rate
        layers += _bn_relu_conv(c, growth_rate, 3, batch_norm, f)
        self.layers = nn.Sequential(*layers)
        self.in_channels, self.out_channels = in_channels, in_channels + growth_rate

    def forward(self, x):
        return torch.cat([x, self.layers(x)], dim=1)  # (N, C, H, W) -> (N, C + growth_rate, H, W)


class DenseBlock(nn.Sequential):
    """`num_layers` :class:`DenseLayer` in a row: channels grow by `growth_rate` at each.

    Parameters
    ----------
    in_channels, growth_rate : int
    num_layers : int, default 4
    bn_size, batch_norm, device, dtype
        As in :class:`DenseLayer`.

    Attributes
    ----------
    out_channels : int
        ``in_channels + num_layers * growth_rate``.

    Examples
    --------
    >>> block = DenseBlock(16, 8, num_layers=3)
    >>> block(torch.zeros(1, 16, 8, 8)).shape, block.out_channels
    (torch.Size([1, 40, 8, 8]), 40)
    >>> [layer.in_channels for layer in block]
    [16, 24, 32]
    """

    def __init__(self, in_channels, growth_rate, *, num_layers=4, bn_size=4, batch_norm=True,
                 device=None, dtype=None):
        in_channels = check_int("in_channels", in_channels, minimum=1)
        growth_rate = check_int("growth_rate", growth_rate, minimum=1)
        num_layers = check_int("num_layers", num_layers, minimum=1)
        super().__init__(*(DenseLayer(in_channels + i * growth_rate, growth_rate, bn_size=bn_size,
                                      batch_norm=batch_norm, device=device, dtype=dtype)
                           for i in range(num_layers)))
        self.in_channels = in_channels
        self.out_channels = in_channels + num_layers * growth_rate


class Transition(nn.Sequential):
    """Between dense blocks: BN-ReLU-1×1 conv to `out_channels`, then 2×2 average pooling.

    Examples
    --------
    >>> Transition(40, 20)(torch.zeros(1, 40, 8, 8)).shape
    torch.Size([1, 20, 4, 4])
    """

    def __init__(self, in_channels, out_channels, *, batch_norm=True, device=None, dtype=None):
        in_channels = check_int("in_channels", in_channels, minimum=1)
        out_channels = check_int("out_channels", out_channels, minimum=1)
        batch_norm = check_bool("batch_norm", batch_norm)
        f = {"device": device, "dtype": dtype}
        super().__init__(*_bn_relu_conv(in_channels, out_channels, 1, batch_norm, f), nn.AvgPool2d(2))
        self.in_channels, self.out_channels = in_channels, out_channels
