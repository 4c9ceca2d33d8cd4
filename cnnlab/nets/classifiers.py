"""Whole classifiers the course trains: small enough for a laptop CPU in seconds to minutes.

Every classifier takes ``(in_channels, num_classes)``, then keyword-only options and
``device=None, dtype=None``. The classic ImageNet networks (AlexNet, VGG-16, GoogLeNet, ResNet,
MobileNetV2) are in :mod:`cnnlab.cost.architectures`, as layer specifications to count without
building them.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab._checks import check_bool, check_choice, check_float, check_int, check_ints
from cnnlab.nets.layers import classifier_head, conv1x1, conv3x3
from cnnlab.nets.mobile import InvertedResidual


# --- A first CNN for small grey images (chapter 8) ---------------------------------------------


def check_dropout(dropout):
    """`dropout` as a float in [0, 1)."""
    dropout = check_float("dropout", dropout, low=0.0, high=1.0)
    if dropout == 1:
        raise ValueError(f"`dropout` must be a number in [0, 1), got {dropout!r}")
    return dropout


class DigitsCNN(nn.Module):
    """A first CNN for small grey images: two conv–ReLU–pool blocks, then a dense classifier.

    ``features``: two blocks of (3×3 convolution with padding 1, optional batch norm, ReLU,
    2×2 max pooling), so an 8×8 digit becomes ``channels[0]`` maps of 4×4 and then
    ``channels[1]`` maps of 2×2 (a 28×28 Fashion-MNIST image: 14×14, then 7×7): height and
    width halve while the channels grow.
    ``classifier``: flatten, dropout, a dense hidden layer with ReLU, dropout, and a dense
    layer to `num_classes` scores (logits; softmax is part of the cross-entropy loss).

    Parameters
    ----------
    in_channels : int, default 1
        Channels of the input images (1 for grey).
    num_classes : int, default 10
        Number of classes, the length of the output.
    channels : pair of ints, default (32, 64)
        Output channels of the two convolution blocks.
    hidden : int, default 128
        Units of the hidden dense layer.
    dropout : float, default 0.25
        Dropout probability before each dense layer, in [0, 1).
    batch_norm : bool, default True
        Add ``BatchNorm2d`` after each convolution (the convolutions then have no bias).
    image_size : int, default 8
        Height and width of the input, divisible by 4 (two 2×2 poolings).
    device, dtype : optional
        Where and in which floating type to create the parameters, as in ``torch.nn``.

    Raises
    ------
    TypeError, ValueError
        For a non-positive size, `dropout` outside [0, 1), or `image_size` not divisible by 4.

    References
    ----------
    Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning applied to
    document recognition", Proc. IEEE 86(11), 1998: the conv–pool–dense design.

    Examples
    --------
    >>> import torch
    >>> model = DigitsCNN()
    >>> model(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5, 10])
    >>> sum(p.numel() for p in model.parameters())
    53098
    >>> model.features[0]
    Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
    >>> DigitsCNN(channels=(8, 16), batch_norm=False, dtype=torch.float64).features[0].weight.dtype
    torch.float64
    >>> fashion = DigitsCNN(channels=(8, 16), hidden=64, dropout=0.0, image_size=28)  # chapter 8
    >>> fashion(torch.zeros(2, 1, 28, 28)).shape, sum(p.numel() for p in fashion.parameters())
    (torch.Size([2, 10]), 52162)
    """

    def __init__(self, in_channels=1, num_classes=10, *, channels=(32, 64), hidden=128, dropout=0.25,
                 batch_norm=True, image_size=8, device=None, dtype=None):
        super().__init__()
        in_channels = check_int("in_channels", in_channels, minimum=1)
        num_classes = check_int("num_classes", num_classes, minimum=1)
        c1, c2 = check_ints("channels", channels, minimum=1, length=2)
        hidden = check_int("hidden", hidden, minimum=1)
        dropout = check_dropout(dropout)
        batch_norm = check_bool("batch_norm", batch_norm)
        image_size = check_int("image_size", image_size, minimum=4)
        if image_size % 4:
            raise ValueError(f"`image_size` must be divisible by 4 (two 2×2 poolings), got {image_size}")
        factory = {"device": device, "dtype": dtype}

        def block(c_in, c_out):
            norm = [nn.BatchNorm2d(c_out, **factory)] if batch_norm else []
            conv = nn.Conv2d(c_in, c_out, 3, padding=1, bias=not batch_norm, **factory)
            return [conv, *norm, nn.ReLU(), nn.MaxPool2d(2)]

        side = image_size // 4
        self.features = nn.Sequential(*block(in_channels, c1), *block(c1, c2))  # (N, c2, H/4, W/4)
        self.classifier = nn.Sequential(
            nn.Flatten(),                                                     # (N, c2 · H/4 · W/4)
            nn.Dropout(dropout),
            nn.Linear(c2 * side * side, hidden, **factory),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes, **factory),                        # (N, num_classes)
        )

    def forward(self, x):
        """Class scores (logits), shape (N, num_classes), of images `x`, shape (N, C, H, W)."""
        return self.classifier(self.features(x))


# --- Small trainable networks: LeNet-5, a small VGG, a small MobileNetV2 ---------------------


def _act(activation):
    check_choice("activation", activation, ("relu", "tanh"))
    return nn.ReLU() if activation == "relu" else nn.Tanh()


class LeNet5(nn.Sequential):
    """LeNet-5 (LeCun et al., 1998) for 32×32 inputs, or 28×28 ones padded by 2 (MNIST).

    C1 conv 5×5 → 6, pool 2, C3 conv 5×5 → 16, pool 2, C5 conv 5×5 → 120,
    F6 dense 84, output dense `num_classes` (average pooling, full C3
    connections and a plain linear output, as most modern re-implementations do).

    Parameters
    ----------
    in_channels : int, default 1
    num_classes : int, default 10
    activation : {'tanh', 'relu'}, default 'tanh'
    image_size : {32, 28}, default 32
        28 pads the first convolution by 2, so the rest sees the classic sizes.
    device, dtype : optional

    Examples
    --------
    >>> net = LeNet5()
    >>> net(torch.zeros(2, 1, 32, 32)).shape
    torch.Size([2, 10])
    >>> sum(p.numel() for p in net.parameters())
    61706
    >>> LeNet5(image_size=28, activation="relu")(torch.zeros(1, 1, 28, 28)).shape
    torch.Size([1, 10])
    """

    def __init__(self, in_channels=1, num_classes=10, *, activation="tanh", image_size=32,
                 device=None, dtype=None):
        num_classes = check_int("num_classes", num_classes, minimum=1)
        in_channels = check_int("in_channels", in_channels, minimum=1)
        if check_int("image_size", image_size) not in (28, 32):
            raise ValueError(f"`image_size` must be 32 or 28, got {image_size!r}")
        f = {"device": device, "dtype": dtype}
        super().__init__(
            nn.Conv2d(in_channels, 6, 5, padding=(32 - image_size) // 2, **f), _act(activation),  # 28×28
            nn.AvgPool2d(2),  # 14×14
            nn.Conv2d(6, 16, 5, **f), _act(activation), nn.AvgPool2d(2),  # 10×10, then 5×5
            nn.Conv2d(16, 120, 5, **f), _act(activation), nn.Flatten(),  # 1×1 → 120
            nn.Linear(120, 84, **f), _act(activation),
            nn.Linear(84, num_classes, **f),
        )


class SmallVGG(nn.Sequential):
    """A small VGG: stages of (conv 3×3-BN-ReLU) × 2 then max-pool 2, then GAP and a linear head.

    Parameters
    ----------
    in_channels : int, default 3
    num_classes : int, default 10
    widths : tuple of int, default (32, 64, 128)
        Channels of each stage; each stage halves H and W.
    batch_norm : bool, default True
    device, dtype : optional

    Examples
    --------
    >>> net = SmallVGG()
    >>> net(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    >>> SmallVGG(1, widths=(8, 16))(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    """

    def __init__(self, in_channels=3, num_classes=10, *, widths=(32, 64, 128), batch_norm=True,
                 device=None, dtype=None):
        num_classes = check_int("num_classes", num_classes, minimum=1)
        channels = check_int("in_channels", in_channels, minimum=1)
        widths = check_ints("widths", widths, minimum=1)
        batch_norm = check_bool("batch_norm", batch_norm)
        f = {"device": device, "dtype": dtype}
        layers = []
        for width in widths:
            for _ in range(2):
                layers += [nn.Conv2d(channels, width, 3, padding=1, bias=not batch_norm, **f),
                           nn.BatchNorm2d(width, **f) if batch_norm else nn.Identity(), nn.ReLU()]
                channels = width
            layers.append(nn.MaxPool2d(2, ceil_mode=True))  # ceil: 1×1 stays 1×1
        super().__init__(*layers, *classifier_head(channels, num_classes, f))


class MobileNetTiny(nn.Sequential):
    """A small MobileNetV2 for 32×32 inputs: a stem, five inverted residuals, GAP and a linear head.

    Blocks (expansion t, channels, stride): (1, w, 1), (6, 1.5w, 2), (6, 1.5w, 1),
    (6, 2w, 2), (6, 2w, 1), then a 1×1 conv to 8w channels.

    Examples
    --------
    >>> net = MobileNetTiny()
    >>> net(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2, 10])
    >>> MobileNetTiny(1)(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    """

    def __init__(self, in_channels=3, num_classes=10, *, width=16, batch_norm=True, device=None, dtype=None):
        num_classes = check_int("num_classes", num_classes, minimum=1)
        in_channels = check_int("in_channels", in_channels, minimum=1)
        width = check_int("width", width, minimum=2)
        batch_norm = check_bool("batch_norm", batch_norm)
        f = {"device": device, "dtype": dtype}

        def bn(c):
            return nn.BatchNorm2d(c, **f) if batch_norm else nn.Identity()

        w15, w2 = width * 3 // 2, width * 2
        super().__init__(
            conv3x3(in_channels, width, bias=not batch_norm, **f), bn(width), nn.ReLU6(inplace=True),
            InvertedResidual(width, width, expand_ratio=1, batch_norm=batch_norm, **f),
            InvertedResidual(width, w15, stride=2, batch_norm=batch_norm, **f),
            InvertedResidual(w15, w15, batch_norm=batch_norm, **f),
            InvertedResidual(w15, w2, stride=2, batch_norm=batch_norm, **f),
            InvertedResidual(w2, w2, batch_norm=batch_norm, **f),
            conv1x1(w2, 8 * width, bias=not batch_norm, **f), bn(8 * width), nn.ReLU6(inplace=True),
            *classifier_head(8 * width, num_classes, f),
        )
