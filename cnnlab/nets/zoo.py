"""Small trainable versions of the classic CNN designs, for 28×28 or 32×32 grey or RGB images.

Each design keeps what its paper introduced and shrinks the rest: a few thousand to a few tens
of thousands of parameters and a few hundred thousand multiply-accumulates per 28×28 image, so
that all of them train in seconds on a laptop CPU. The modern ones share a skeleton, so that
only the block differs: a 3×3 stem convolution with stride 2 and a 3×3 max pooling with stride 2
(28×28 -> 7×7), a stage at 7×7 with `width` channels, a stage at 4×4 (DenseNet's average
pooling: 3×3) with more channels, global average pooling and a dense layer.

:func:`zoo` lists them by name, with :class:`~cnnlab.nets.classifiers.LeNet5` and
:class:`~cnnlab.nets.classifiers.SmallVGG` (whose stages stay at full resolution, as VGG's do).
:func:`recompute_batch_norm` refreshes their batch-norm statistics after a short training run.
"""

from __future__ import annotations

from functools import partial

import torch
from torch import nn

from cnnlab._checks import check_images, check_int
from cnnlab.nets.classifiers import LeNet5, SmallVGG, check_dropout
from cnnlab.nets.dense import DenseBlock, Transition
from cnnlab.nets.inception import Inception
from cnnlab.nets.layers import classifier_head, conv_bn_act
from cnnlab.nets.mobile import InvertedResidual, SqueezeExcitation
from cnnlab.nets.residual import BasicBlock


def _checked(in_channels, num_classes, width, minimum=1):
    return (check_int("in_channels", in_channels, minimum=1), check_int("num_classes", num_classes, minimum=1),
            check_int("width", width, minimum=minimum))


def _stem(in_channels, width, f):
    """ResNet's stem in small: 3×3 conv with stride 2, BN, ReLU, 3×3 max-pool with stride 2.

    (N, C, 28, 28) -> (N, width, 14, 14) -> (N, width, 7, 7).
    """
    return conv_bn_act(in_channels, width, 3, 2, 1, True, nn.ReLU, f) + [nn.MaxPool2d(3, 2, 1)]


class MiniAlexNet(nn.Sequential):
    """AlexNet's design in small: a large strided first kernel, overlapping max pooling, ReLU,
    and most of the parameters in dropout-regularised dense layers (Krizhevsky et al., 2012).

    Conv 5×5 stride 2 (`width`), max-pool 3×3 stride 2, conv 3×3 (``1.5 width``) twice, max-pool
    3×3 stride 2, then dense layers ``hidden``, ``hidden``, `num_classes` with dropout before the
    first two. No batch norm (it came three years later) and no local response normalisation.
    A 28×28 input ends as 2×2 maps before the dense layers; the head expects that size.

    Examples
    --------
    >>> import torch
    >>> net = MiniAlexNet()
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, in_channels=1, num_classes=10, *, width=16, hidden=64, dropout=0.5, image_size=28,
                 device=None, dtype=None):
        in_channels, num_classes, width = _checked(in_channels, num_classes, width, 2)
        hidden = check_int("hidden", hidden, minimum=1)
        dropout = check_dropout(dropout)
        side = check_int("image_size", image_size, minimum=16)
        f = {"device": device, "dtype": dtype}
        mid = width * 3 // 2
        side = (side + 1) // 2                 # the stride-2 convolution
        for _ in range(2):                     # two 3×3 max poolings with stride 2
            side = (side - 3) // 2 + 1
        super().__init__(
            nn.Conv2d(in_channels, width, 5, stride=2, padding=2, **f), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2),                                          # 28 -> 14 -> 6
            nn.Conv2d(width, mid, 3, padding=1, **f), nn.ReLU(inplace=True),
            nn.Conv2d(mid, mid, 3, padding=1, **f), nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2),                                          # 6 -> 2
            nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(mid * side * side, hidden, **f), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, hidden, **f), nn.ReLU(inplace=True),
            nn.Linear(hidden, num_classes, **f),
        )


class MiniInception(nn.Sequential):
    """GoogLeNet's design in small: a stem, then Inception modules (Szegedy et al., 2015).

    Stem to `width` channels at 7×7, an :class:`~cnnlab.nets.inception.Inception` module with
    ``3 width`` output channels, 3×3 max pooling with stride 2, a second module with
    ``5 width`` channels at 4×4, global average pooling (GoogLeNet's novelty over AlexNet's
    dense layers) and a dense layer. `width` must be even.

    Examples
    --------
    >>> import torch
    >>> net = MiniInception()
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> [m.out_channels for m in net if hasattr(m, "branches")]
    [24, 40]
    """

    def __init__(self, in_channels=1, num_classes=10, *, width=8, device=None, dtype=None):
        in_channels, num_classes, w = _checked(in_channels, num_classes, width, 2)
        if w % 2:
            raise ValueError(f"`width` must be an even int, got {w}")
        f = {"device": device, "dtype": dtype}
        h = w // 2
        first = Inception(w, w, w, w, h, h, h, **f)                      # w + w + w/2 + w/2 = 3w
        second = Inception(3 * w, w, 3 * h, 2 * w, h, w, w, **f)         # w + 2w + w + w = 5w
        super().__init__(*_stem(in_channels, w, f), first, nn.MaxPool2d(3, 2, 1), second,
                         *classifier_head(second.out_channels, num_classes, f))


class MiniResNet(nn.Sequential):
    """ResNet's design in small: the skeleton with one :class:`~cnnlab.nets.residual.BasicBlock`
    per stage (`width`, then ``2 width`` with stride 2 and a projection shortcut).

    Examples
    --------
    >>> import torch
    >>> MiniResNet()(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, in_channels=1, num_classes=10, *, width=8, device=None, dtype=None):
        in_channels, num_classes, w = _checked(in_channels, num_classes, width)
        f = {"device": device, "dtype": dtype}
        super().__init__(*_stem(in_channels, w, f), *self._blocks(w, f), *classifier_head(2 * w, num_classes, f))

    def _blocks(self, w, f):
        return [BasicBlock(w, w, **f), BasicBlock(w, 2 * w, stride=2, **f)]


class SEBasicBlock(BasicBlock):
    """A :class:`~cnnlab.nets.residual.BasicBlock` with squeeze-and-excitation on its residual
    branch, before the addition: the SE-ResNet module of Hu et al. (2018, figure 3).

    Examples
    --------
    >>> import torch
    >>> block = SEBasicBlock(8, 16, stride=2, reduction=4)
    >>> block(torch.zeros(1, 8, 8, 8)).shape, block.se.fc1.out_channels
    (torch.Size([1, 16, 4, 4]), 4)
    """

    def __init__(self, in_channels, out_channels, *, stride=1, reduction=4, device=None, dtype=None):
        super().__init__(in_channels, out_channels, stride=stride, device=device, dtype=dtype)
        self.se = SqueezeExcitation(out_channels, reduction, device=device, dtype=dtype)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.se(self.bn2(self.conv2(out)))  # rescale the channels of the residual branch
        return self.relu(out + self.shortcut(x))


class MiniSEResNet(MiniResNet):
    """:class:`MiniResNet` with :class:`SEBasicBlock`: the same network plus channel gates.

    Examples
    --------
    >>> import torch
    >>> net, plain = MiniSEResNet(), MiniResNet()
    >>> sum(p.numel() for p in net.parameters()) - sum(p.numel() for p in plain.parameters())
    190
    """

    def __init__(self, in_channels=1, num_classes=10, *, width=8, reduction=4, device=None, dtype=None):
        self.reduction = check_int("reduction", reduction, minimum=1)
        super().__init__(in_channels, num_classes, width=width, device=device, dtype=dtype)

    def _blocks(self, w, f):
        return [SEBasicBlock(w, w, reduction=self.reduction, **f),
                SEBasicBlock(w, 2 * w, stride=2, reduction=self.reduction, **f)]


class MiniDenseNet(nn.Sequential):
    """DenseNet's design in small: dense blocks joined by a transition (Huang et al., 2017).

    Stem to `width` channels, a :class:`~cnnlab.nets.dense.DenseBlock` of 3 layers with growth
    rate ``width // 2`` at 7×7, a :class:`~cnnlab.nets.dense.Transition` (compression 0.5:
    half the channels, 2×2 average pooling), a block of 3 layers with growth rate `width` at
    3×3, then batch norm, ReLU, global average pooling and a dense layer. The 1×1 bottlenecks
    have ``2 × growth rate`` channels.

    Examples
    --------
    >>> import torch
    >>> net = MiniDenseNet()
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> [m.out_channels for m in net if hasattr(m, "out_channels")]
    [8, 20, 10, 34]
    """

    def __init__(self, in_channels=1, num_classes=10, *, width=8, num_layers=3, device=None, dtype=None):
        in_channels, num_classes, w = _checked(in_channels, num_classes, width, 2)
        num_layers = check_int("num_layers", num_layers, minimum=1)
        f = {"device": device, "dtype": dtype}
        stem = _stem(in_channels, w, f)
        first = DenseBlock(w, w // 2, num_layers=num_layers, bn_size=2, **f)
        transition = Transition(first.out_channels, first.out_channels // 2, **f)
        second = DenseBlock(transition.out_channels, w, num_layers=num_layers, bn_size=2, **f)
        c = second.out_channels
        super().__init__(*stem, first, transition, second, nn.BatchNorm2d(c, **f), nn.ReLU(inplace=True),
                         *classifier_head(c, num_classes, f))


class MiniMobileNetV2(nn.Sequential):
    """MobileNetV2's design in small: inverted residuals (Sandler et al., 2018).

    Stem to `width` channels, :class:`~cnnlab.nets.mobile.InvertedResidual` blocks (expansion,
    channels, stride) (1, w, 1) at 7×7, (6, 2w, 2) and (6, 2w, 1) at 4×4, a 1×1 convolution
    to ``4 w`` channels (MobileNetV2's wide last layer), global average pooling and a dense layer.

    Examples
    --------
    >>> import torch
    >>> net = MiniMobileNetV2()
    >>> net(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    >>> [m.use_residual for m in net if isinstance(m, InvertedResidual)]
    [True, False, True]
    """

    def __init__(self, in_channels=1, num_classes=10, *, width=8, expand_ratio=6, device=None, dtype=None):
        in_channels, num_classes, w = _checked(in_channels, num_classes, width)
        t = check_int("expand_ratio", expand_ratio, minimum=1)
        f = {"device": device, "dtype": dtype}
        super().__init__(*_stem(in_channels, w, f),
                         InvertedResidual(w, w, expand_ratio=1, **f),
                         InvertedResidual(w, 2 * w, stride=2, expand_ratio=t, **f),
                         InvertedResidual(2 * w, 2 * w, expand_ratio=t, **f),
                         *conv_bn_act(2 * w, 4 * w, 1, 1, 1, True, nn.ReLU6, f),
                         *classifier_head(4 * w, num_classes, f))


def zoo(in_channels=1, num_classes=10, *, image_size=28, device=None, dtype=None) -> dict:
    """The eight designs by name, as functions of no argument that build a fresh network.

    LeNet-5 (ReLU), a small AlexNet, a small VGG (``SmallVGG`` with widths 4, 8, 16: two 3×3
    convolutions per stage at 28, 14 and 7 pixels), Inception, ResNet, DenseNet, SE-ResNet and
    MobileNetV2, each at its default width; ready for :func:`cnnlab.fit_seeds`.

    Parameters
    ----------
    in_channels, num_classes : int, default 1 and 10
    image_size : {28, 32}, default 28
    device, dtype : optional

    Examples
    --------
    >>> import torch
    >>> makers = zoo()
    >>> list(makers)[:3]
    ['LeNet-5', 'AlexNet', 'VGG']
    >>> {name: make()(torch.zeros(1, 1, 28, 28)).shape[1] for name, make in makers.items()}["DenseNet"]
    10
    """
    if check_int("image_size", image_size) not in (28, 32):
        raise ValueError(f"`image_size` must be 28 or 32, got {image_size}")
    f = {"device": device, "dtype": dtype}
    args = (in_channels, num_classes)
    return {
        "LeNet-5": partial(LeNet5, *args, activation="relu", image_size=image_size, **f),
        "AlexNet": partial(MiniAlexNet, *args, image_size=image_size, **f),
        "VGG": partial(SmallVGG, *args, widths=(4, 8, 16), **f),
        "Inception": partial(MiniInception, *args, **f),
        "ResNet": partial(MiniResNet, *args, **f),
        "DenseNet": partial(MiniDenseNet, *args, **f),
        "SE-ResNet": partial(MiniSEResNet, *args, **f),
        "MobileNetV2": partial(MiniMobileNetV2, *args, **f),
    }


def recompute_batch_norm(model, images, *, batch_size=500):
    """Replace every batch norm's running statistics by their averages over `images`.

    During training a batch norm keeps exponential moving averages (momentum 0.1) of its batch
    means and variances, and uses them in evaluation mode. After a few dozen steps at a high
    learning rate those averages still remember the first, very different, weights; a pass over
    the training images in training mode, without gradients and with equal weight for every
    batch, replaces them by the statistics of the final weights ("precise BN"). Weights, the
    models' train/eval mode and each layer's momentum are left as they were.

    Parameters
    ----------
    model : nn.Module
    images : Tensor, shape (N, C, H, W)
        Training images (never test images).
    batch_size : int, default 500

    Returns
    -------
    nn.Module
        `model`, for chaining.

    Examples
    --------
    >>> net = MiniResNet().eval()
    >>> bn = net[1]
    >>> _ = recompute_batch_norm(net, torch.full((4, 1, 28, 28), 0.5))
    >>> bool(bn.running_mean.abs().max() > 0), net.training, bn.momentum
    (True, False, 0.1)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be an nn.Module, got {type(model).__name__}")
    images, _ = check_images("images", images)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    was_training = model.training
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # a cumulative average: every batch counts the same
        model.train()
        with torch.no_grad():
            for batch in images.split(batch_size):
                model(batch)
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        model.train(was_training)
    return model
