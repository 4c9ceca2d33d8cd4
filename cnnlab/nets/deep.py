"""Deep plain and residual networks of the same depth: the experiment of the ResNet paper.

He et al. (2016, section 4.2) built CIFAR networks of depth ``6n + 2`` twice, once plain and
once with skip connections, to show that the plain ones get worse as they get deeper while the
residual ones get better. :class:`PlainNet` and :class:`ResNet` are that pair.
"""

from __future__ import annotations

from torch import nn

from cnnlab._checks import check_bool, check_int
from cnnlab.nets.layers import classifier_head, conv3x3
from cnnlab.nets.residual import BasicBlock, PlainBlock


class PlainNet(nn.Module):
    """CIFAR-style network of depth ``6n + 2`` (He et al., 2016, section 4.2), plain or residual.

    A 3×3 stem convolution to `width` channels, three stages of ``n`` blocks
    with ``width, 2 width, 4 width`` channels (the first block of stages 2 and 3
    has stride 2), global average pooling and a linear head: ``6n + 1``
    convolutions of 3×3 plus one dense layer. :class:`PlainNet` uses
    :class:`~cnnlab.blocks.PlainBlock`; :class:`ResNet` the same layers with
    skips (:class:`~cnnlab.blocks.BasicBlock`, whose two channel-changing blocks
    add a 1×1 projection each). Depth 20, 32, 56, 110 are the paper's.

    Parameters
    ----------
    in_channels : int, default 3
    num_classes : int, default 10
    depth : int, default 20
        ``6n + 2`` with n >= 1: 8, 14, 20, 26, 32, ..., 56, ...
    width : int, default 16
    batch_norm : bool, default True
    zero_init_residual : bool, default False
        :class:`ResNet` only: start each block as ``relu(shortcut(x))``.
    device, dtype : optional

    Raises
    ------
    TypeError, ValueError
        If `depth` is not ``6n + 2`` or another argument is invalid.

    Examples
    --------
    >>> import torch
    >>> net = PlainNet(1, depth=20)
    >>> net(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    >>> sum(isinstance(m, nn.Conv2d) for m in net.modules())
    19
    """

    residual = False

    def __init__(self, in_channels=3, num_classes=10, *, depth=20, width=16, batch_norm=True,
                 zero_init_residual=False, device=None, dtype=None):
        super().__init__()
        depth = check_int("depth", depth, minimum=8)
        if (depth - 2) % 6:
            raise ValueError(f"`depth` must be 6n + 2 (8, 14, 20, 32, 56, ...), got {depth}")
        num_classes = check_int("num_classes", num_classes, minimum=1)
        in_channels = check_int("in_channels", in_channels, minimum=1)
        width = check_int("width", width, minimum=1)
        batch_norm = check_bool("batch_norm", batch_norm)
        if check_bool("zero_init_residual", zero_init_residual) and not self.residual:
            raise ValueError("`zero_init_residual` must be False for a PlainNet (it has no residual "
                             "branch), got True")
        f = {"device": device, "dtype": dtype}
        self.stem = nn.Sequential(conv3x3(in_channels, width, bias=not batch_norm, **f),
                                  nn.BatchNorm2d(width, **f) if batch_norm else nn.Identity(),
                                  nn.ReLU(inplace=True))
        blocks, channels = [], width
        for stage in range(3):
            for i in range((depth - 2) // 6):
                stride = 2 if stage > 0 and i == 0 else 1
                out = width * 2**stage
                if self.residual:
                    blocks.append(BasicBlock(channels, out, stride=stride, batch_norm=batch_norm,
                                             zero_init_residual=zero_init_residual, **f))
                else:
                    blocks.append(PlainBlock(channels, out, stride=stride, batch_norm=batch_norm, **f))
                channels = out
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(*classifier_head(channels, num_classes, f))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))  # (N, C, H, W) -> (N, num_classes)


class ResNet(PlainNet):
    """The residual twin of :class:`PlainNet`: the same depth ``6n + 2``, with skip connections.

    Takes the same arguments as :class:`PlainNet`, plus ``zero_init_residual``
    (start every block as ``relu(shortcut(x))``).

    Examples
    --------
    >>> import torch
    >>> net = ResNet(1, depth=20)
    >>> net(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    >>> sum(p.numel() for p in net.parameters()) - sum(p.numel() for p in PlainNet(1, depth=20).parameters())
    2752
    """

    residual = True
