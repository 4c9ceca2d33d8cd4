"""GoogLeNet's Inception module: parallel branches on the same input, concatenated along channels.

Instead of choosing one kernel size per layer, an Inception module runs a 1×1, a 3×3 and a 5×5
convolution and a 3×3 max pooling side by side on the same feature map and stacks their outputs.
1×1 convolutions in front of the large kernels (and after the pooling) keep the cost down: the
bottleneck of chapter 11 (the cost of convolutions).
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab._checks import check_bool, check_int
from cnnlab.nets.layers import conv_bn_act


class Inception(nn.Module):
    """The Inception module of GoogLeNet (Szegedy et al., 2015): four branches, concatenated.

    Branches, all with stride 1 and 'same' padding, so that they keep H×W:

    1. a 1×1 convolution to `ch1x1` channels;
    2. a 1×1 reduction to `ch3x3red` channels, then a 3×3 convolution to `ch3x3`;
    3. a 1×1 reduction to `ch5x5red` channels, then a 5×5 convolution to `ch5x5` (the paper's
       kernel; torchvision's ``googlenet`` has a 3×3 there);
    4. a 3×3 max pooling (stride 1, padding 1), then a 1×1 projection to `pool_proj`.

    Each convolution is followed by batch norm (as in torchvision; the 2015 paper had none) and
    ReLU. The output stacks the branches in this order: ``out_channels = ch1x1 + ch3x3 + ch5x5 +
    pool_proj``. The arguments follow torchvision's ``Inception``.

    Parameters
    ----------
    in_channels : int
    ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj : int
        Channels of each convolution, as in the paper's table 1.
    batch_norm : bool, default True
        Batch norm after each convolution; without it the convolutions have a bias.
    device, dtype : optional

    Attributes
    ----------
    branches : nn.ModuleList
        The four branches, each an ``nn.Sequential``.
    out_channels : int

    Raises
    ------
    TypeError, ValueError
        If a channel count is not a positive int or `batch_norm` is not a bool.

    References
    ----------
    C. Szegedy et al., "Going deeper with convolutions", CVPR 2015.

    Examples
    --------
    >>> block = Inception(192, 64, 96, 128, 16, 32, 32)  # GoogLeNet's module 3a
    >>> block(torch.zeros(1, 192, 28, 28)).shape
    torch.Size([1, 256, 28, 28])
    >>> len(block.branches), block.out_channels
    (4, 256)
    """

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, *, batch_norm=True,
                 device=None, dtype=None):
        super().__init__()
        names = ("in_channels", "ch1x1", "ch3x3red", "ch3x3", "ch5x5red", "ch5x5", "pool_proj")
        cin, c1, c3r, c3, c5r, c5, cp = (check_int(n, v, minimum=1) for n, v in zip(
            names, (in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)))
        batch_norm = check_bool("batch_norm", batch_norm)
        f = {"device": device, "dtype": dtype}

        def cbr(c_in, c_out, k):  # conv k×k ('same') + BN + ReLU
            return conv_bn_act(c_in, c_out, k, 1, 1, batch_norm, nn.ReLU, f)

        self.branches = nn.ModuleList([
            nn.Sequential(*cbr(cin, c1, 1)),
            nn.Sequential(*cbr(cin, c3r, 1), *cbr(c3r, c3, 3)),
            nn.Sequential(*cbr(cin, c5r, 1), *cbr(c5r, c5, 5)),
            nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), *cbr(cin, cp, 1)),
        ])
        self.in_channels, self.out_channels = cin, c1 + c3 + c5 + cp

    def forward(self, x):
        # (N, C_in, H, W) -> four (N, C_b, H, W) -> (N, sum C_b, H, W)
        return torch.cat([branch(x) for branch in self.branches], dim=1)
