"""Networks that say where as well as what: a classifier made fully convolutional, a single-shot
grid detector and a small U-Net for segmentation.

A classifier of small windows becomes a detector of every window at once when its dense layers
are rewritten as convolutions (:func:`fully_convolutional`): the first dense layer, which sees the
whole last feature map, becomes a convolution with a kernel of that map's size, and every later
one a 1 × 1 convolution. :class:`GridDetector` goes one step further and learns, for each cell of
a coarse grid, a score per class and a box. :class:`UNet` predicts a class for every pixel, with
an encoder that pools and a decoder that upsamples (transposed convolutions) and takes back the
encoder's maps of the same size through skip connections.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab._checks import check_int


def patch_classifier(in_channels: int = 3, num_classes: int = 4, *, patch_size: int = 16, width: int = 8,
                     hidden: int = 32, device=None, dtype=None) -> nn.Sequential:
    """A small CNN for `patch_size` windows: two (valid 3 × 3 conv, ReLU, 2 × 2 max pool), two dense.

    No padding, so that each output depends only on the pixels of its window, and the network
    made :func:`fully_convolutional` scores every window of a larger image exactly as it scores
    that window alone (at a step of 4 pixels, the product of the two poolings).

    Parameters
    ----------
    in_channels : int, default 3
    num_classes : int, default 4
    patch_size : int, default 16
        Height and width of a window, >= 10.
    width : int, default 8
        Channels of the first convolution (the second has twice as many).
    hidden : int, default 32
        Units of the hidden dense layer.
    device, dtype : optional

    Returns
    -------
    nn.Sequential
        ``(N, in_channels, patch_size, patch_size) -> (N, num_classes)`` logits.

    Examples
    --------
    >>> net = patch_classifier(3, 4)
    >>> net(torch.zeros(2, 3, 16, 16)).shape
    torch.Size([2, 4])
    """
    in_channels, num_classes = check_int("in_channels", in_channels, minimum=1), check_int("num_classes", num_classes, minimum=1)
    patch_size = check_int("patch_size", patch_size, minimum=10)
    width, hidden = check_int("width", width, minimum=1), check_int("hidden", hidden, minimum=1)
    side = ((patch_size - 2) // 2 - 2) // 2                       # after conv, pool, conv, pool
    kw = {"device": device, "dtype": dtype}
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, **kw), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, **kw), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(2 * width * side * side, hidden, **kw), nn.ReLU(),
        nn.Linear(hidden, num_classes, **kw),
    )


def fully_convolutional(classifier: nn.Sequential, input_size) -> nn.Sequential:
    """The same network with its dense layers as convolutions: one score map per class.

    The modules before the ``nn.Flatten`` are kept (shared, not copied). The first ``nn.Linear``
    after it becomes a convolution whose kernel covers the whole feature map that a window of
    `input_size` leaves, with the same weights; every later ``nn.Linear`` becomes a 1 × 1
    convolution. On a window of `input_size` the result is the classifier's output as a 1 × 1
    map; on a larger image it is the output for every window, at the step of the network.

    Parameters
    ----------
    classifier : nn.Sequential
        Convolutional part, then ``nn.Flatten()``, then dense layers and element-wise modules.
    input_size : int or (int, int)
        The window size the classifier was built for.

    Returns
    -------
    nn.Sequential

    Examples
    --------
    >>> net = patch_classifier(3, 4).eval()
    >>> dense_free = fully_convolutional(net, 16)
    >>> x = torch.rand(1, 3, 16, 16)
    >>> torch.allclose(dense_free(x).flatten(1), net(x), atol=1e-6)
    True
    >>> dense_free(torch.rand(1, 3, 48, 48)).shape   # (48 - 16) / 4 + 1 = 9 windows a side
    torch.Size([1, 4, 9, 9])
    """
    if not isinstance(classifier, nn.Sequential):
        raise TypeError(f"`classifier` must be an nn.Sequential, got {type(classifier).__name__}")
    layers = list(classifier)
    flat = [i for i, m in enumerate(layers) if isinstance(m, nn.Flatten)]
    if not flat:
        raise ValueError("`classifier` must hold an nn.Flatten between its convolutional and dense parts")
    rows, cols = (input_size, input_size) if not isinstance(input_size, (tuple, list)) else input_size
    rows, cols = check_int("input_size", rows, minimum=1), check_int("input_size", cols, minimum=1)
    features = nn.Sequential(*layers[: flat[0]])
    param = next(classifier.parameters())
    with torch.no_grad():
        shape = features(torch.zeros(1, layers[0].in_channels if hasattr(layers[0], "in_channels") else 1,
                                     rows, cols, device=param.device, dtype=param.dtype)).shape[1:]
    out, kernel = list(layers[: flat[0]]), tuple(shape[1:])
    for layer in layers[flat[0] + 1:]:
        if isinstance(layer, nn.Linear):
            conv = nn.Conv2d(layer.in_features // (kernel[0] * kernel[1]), layer.out_features, kernel,
                             bias=layer.bias is not None, device=param.device, dtype=param.dtype)
            with torch.no_grad():
                conv.weight.copy_(layer.weight.reshape(conv.weight.shape))   # (out, C, kH, kW)
                if layer.bias is not None:
                    conv.bias.copy_(layer.bias)
            out.append(conv)
            kernel = (1, 1)                                                  # later dense: 1 x 1
        else:
            out.append(layer)
    return nn.Sequential(*out)


def _block(cin, cout, kw):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, **kw), nn.BatchNorm2d(cout, **kw), nn.ReLU())


class GridDetector(nn.Module):
    """A single-shot detector: per cell of a grid of stride 4, a score per class and one box.

    A small backbone (3 × 3 convolution blocks with batch norm, two 2 × 2 max poolings, a
    receptive field of 26 pixels) and a 1 × 1 head with ``num_classes + 4`` outputs per cell:
    the class logits of "an object of this class is centred in this cell" (the centre-point
    idea of CenterNet and YOLO) and the box as offsets from the cell
    (:func:`cnnlab.ops.boxes.encode_boxes` against :func:`cnnlab.ops.boxes.grid_anchors`).

    Parameters
    ----------
    in_channels : int
    num_classes : int
    width : int, default 16
        Channels of the first block; the others have twice as many.
    device, dtype : optional

    Examples
    --------
    >>> net = GridDetector(3, 3)
    >>> net(torch.zeros(2, 3, 48, 48)).shape     # 3 class logits + 4 box offsets per cell
    torch.Size([2, 7, 12, 12])
    """

    stride = 4  #: pixels per grid cell

    def __init__(self, in_channels: int, num_classes: int, *, width: int = 16, device=None, dtype=None):
        super().__init__()
        in_channels, self.num_classes = check_int("in_channels", in_channels, minimum=1), check_int(
            "num_classes", num_classes, minimum=1)
        width, kw = check_int("width", width, minimum=1), {"device": device, "dtype": dtype}
        self.backbone = nn.Sequential(
            _block(in_channels, width, kw), nn.MaxPool2d(2),
            _block(width, 2 * width, kw), nn.MaxPool2d(2),
            _block(2 * width, 2 * width, kw), _block(2 * width, 2 * width, kw))
        self.head = nn.Conv2d(2 * width, num_classes + 4, 1, **kw)
        with torch.no_grad():                    # start with few confident cells (RetinaNet's prior)
            self.head.bias[:num_classes].fill_(-4.0)

    def forward(self, x):
        return self.head(self.backbone(x))       # (N, num_classes + 4, H / 4, W / 4)


class UNet(nn.Module):
    """A small U-Net: two poolings down, two transposed convolutions up, skip connections between.

    Encoder: blocks of width ``w``, ``2w`` and ``4w`` at full, half and quarter resolution.
    Decoder: a 2 × 2 transposed convolution with stride 2 doubles the size, the encoder's map of
    that size is concatenated (the skip connection, which brings back the fine detail the pooling
    lost) and a block mixes them. A 1 × 1 convolution gives the class logits of every pixel.

    Parameters
    ----------
    in_channels : int
    num_classes : int
        Including the background.
    width : int, default 8
    device, dtype : optional

    Examples
    --------
    >>> UNet(3, 4)(torch.zeros(1, 3, 48, 48)).shape   # height and width divisible by 4
    torch.Size([1, 4, 48, 48])
    """

    def __init__(self, in_channels: int, num_classes: int, *, width: int = 8, device=None, dtype=None):
        super().__init__()
        in_channels, num_classes = check_int("in_channels", in_channels, minimum=1), check_int(
            "num_classes", num_classes, minimum=1)
        w, kw = check_int("width", width, minimum=1), {"device": device, "dtype": dtype}
        self.down1, self.down2, self.bottom = _block(in_channels, w, kw), _block(w, 2 * w, kw), _block(2 * w, 4 * w, kw)
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(4 * w, 2 * w, 2, stride=2, **kw)
        self.mix2 = _block(4 * w, 2 * w, kw)
        self.up1 = nn.ConvTranspose2d(2 * w, w, 2, stride=2, **kw)
        self.mix1 = _block(2 * w, w, kw)
        self.out = nn.Conv2d(w, num_classes, 1, **kw)

    def forward(self, x):
        if x.dim() != 4 or x.shape[-1] % 4 or x.shape[-2] % 4:
            raise ValueError(f"`x` must be (N, C, H, W) with H and W divisible by 4, got {tuple(x.shape)}")
        a = self.down1(x)                                        # (N, w, H, W)
        b = self.down2(self.pool(a))                             # (N, 2w, H/2, W/2)
        c = self.bottom(self.pool(b))                            # (N, 4w, H/4, W/4)
        b = self.mix2(torch.cat([self.up2(c), b], 1))            # (N, 2w, H/2, W/2)
        a = self.mix1(torch.cat([self.up1(b), a], 1))            # (N, w, H, W)
        return self.out(a)                                       # (N, num_classes, H, W)
