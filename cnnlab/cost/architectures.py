"""The classic ImageNet networks as layer specifications: count them without building them.

AlexNet, VGG-16, GoogLeNet, ResNet-18/50 and MobileNetV2 are written as lists of the layer specs
of :mod:`cnnlab.ops.specs`; :func:`count` walks a spec list with the formulas of
:mod:`cnnlab.cost.counting` and the sizes of :mod:`cnnlab.ops.shapes`, and :func:`build` turns it
into real torch modules (the tests build them on the meta device and check both counts against
``sum(p.numel())`` and ``FlopCounterMode``).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from cnnlab._checks import check_sizes
from cnnlab.cost.counting import conv_macs, conv_params, dense_macs, dense_params
from cnnlab.ops.shapes import conv_output_size, pool_output_size
from cnnlab.ops.specs import SPECS, BNSpec, BranchSpec, ConvSpec, LinearSpec, PoolSpec

def count(spec, image_size=224) -> tuple[int, int]:
    """Parameters and multiply-accumulates (MACs) of a list of layer specs, for one image.

    Walks the spec, tracking the feature-map size from `image_size`. Parameters include biases
    and batch norm's weight and bias (2 per channel), so they equal
    ``sum(p.numel() for p in build(spec).parameters())``. MACs count convolutions and dense layers
    only: batch norm, activations, pooling, additions and biases count 0, as in
    ``torch.utils.flop_counter`` (FLOPs = 2 × MACs) and torchvision's published figures.

    Parameters
    ----------
    spec : list of ConvSpec, BNSpec, LinearSpec, PoolSpec, BranchSpec
    image_size : int or (int, int), default 224

    Returns
    -------
    (int, int)
        ``(params, macs)``.

    Examples
    --------
    >>> count([ConvSpec(3, 64, 3, padding=1, bias=False), BNSpec(64)], image_size=32)
    (1856, 1769472)
    >>> count(resnet18_spec())
    (11689512, 1814073344)
    """
    sizes, _ = check_sizes("image_size", image_size)
    params, macs, _ = _walk(list(spec), sizes * 2 if len(sizes) == 1 else sizes)
    return params, macs


def _walk(spec, size):
    """(params, MACs, output size) of the layers in `spec` on a feature map of spatial `size`."""
    params = macs = 0
    for layer in spec:
        if isinstance(layer, ConvSpec):
            k, g = layer.kernel_size, layer.groups
            size = conv_output_size(size, k, layer.stride, layer.padding, layer.dilation)
            params += conv_params(layer.in_channels, layer.out_channels, k, g, layer.bias)
            macs += conv_macs(layer.in_channels, layer.out_channels, k, size, g)
        elif isinstance(layer, BNSpec):
            params += 2 * layer.channels
        elif isinstance(layer, LinearSpec):
            params += dense_params(layer.in_features, layer.out_features, layer.bias)
            macs += dense_macs(layer.in_features, layer.out_features)
            size = (1, 1)
        elif isinstance(layer, PoolSpec) and layer.output_size is not None:
            size = check_sizes("output_size", layer.output_size)[0] * (2 if isinstance(layer.output_size, int) else 1)
        elif isinstance(layer, PoolSpec):
            size = pool_output_size(size, layer.kernel_size, layer.stride, layer.padding, layer.dilation,
                                    layer.ceil_mode)
        elif isinstance(layer, BranchSpec):
            results = [_walk(list(branch), size) for branch in layer.branches]
            ends = {r[2] for r in results}
            if len(ends) != 1:
                raise ValueError(f"branches of {layer!r} end at different sizes {sorted(ends)}")
            params += sum(r[0] for r in results)
            macs += sum(r[1] for r in results)
            size = ends.pop()
        else:
            raise TypeError(f"`spec` must hold {', '.join(c.__name__ for c in SPECS)}, got {layer!r}")
    return params, macs, size


class _Branches(nn.Module):
    def __init__(self, branches, merge):
        super().__init__()
        self.branches, self.merge = nn.ModuleList(branches), merge

    def forward(self, x):
        outs = [branch(x) for branch in self.branches]
        return sum(outs) if self.merge == "add" else torch.cat(outs, dim=1)


def build(spec, *, device=None, dtype=None) -> nn.Sequential:
    """The torch layers of a specification, in order, to check :func:`count` against.

    Activations and dropout are left out (they have neither parameters nor
    MACs), so the result has the right parameters and cost but is not the
    trainable network. ``device="meta"`` builds it without memory.

    Examples
    --------
    >>> net = build(alexnet_spec(), device="meta")
    >>> sum(p.numel() for p in net.parameters())
    61100840
    """
    f = {"device": device, "dtype": dtype}
    layers = []
    for layer in spec:
        if isinstance(layer, ConvSpec):
            layers.append(nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                                    layer.padding, layer.dilation, layer.groups, layer.bias, **f))
        elif isinstance(layer, BNSpec):
            layers.append(nn.BatchNorm2d(layer.channels, **f))
        elif isinstance(layer, LinearSpec):
            layers += [nn.Flatten(), nn.Linear(layer.in_features, layer.out_features, layer.bias, **f)]
        elif isinstance(layer, PoolSpec) and layer.output_size:
            layers.append(nn.AdaptiveAvgPool2d(layer.output_size))
        elif isinstance(layer, PoolSpec):
            pool = nn.MaxPool2d if layer.kind == "max" else nn.AvgPool2d
            extra = {"dilation": layer.dilation} if layer.kind == "max" else {}
            layers.append(pool(layer.kernel_size, layer.stride, layer.padding, ceil_mode=layer.ceil_mode, **extra))
        elif isinstance(layer, BranchSpec):
            layers.append(_Branches([build(b, **f) for b in layer.branches], layer.merge))
        else:
            raise TypeError(f"`spec` must hold {', '.join(c.__name__ for c in SPECS)}, got {layer!r}")
    return nn.Sequential(*layers)


def _cbn(cin, cout, k, stride=1, groups=1, padding=None):
    """Conv (no bias) + BN; activations have no cost and are not listed."""
    pad = (k - 1) // 2 if padding is None else padding
    return [ConvSpec(cin, cout, k, stride, pad, groups=groups, bias=False), BNSpec(cout)]


def alexnet_spec(num_classes: int = 1000) -> list:
    """AlexNet as in torchvision (64-192-384-256-256 channels, one GPU stream, adaptive 6×6 pool).

    Examples
    --------
    >>> count(alexnet_spec())
    (61100840, 714188480)
    """
    convs = [(3, 64, 11, 4, 2), (64, 192, 5, 1, 2), (192, 384, 3, 1, 1), (384, 256, 3, 1, 1),
             (256, 256, 3, 1, 1)]
    spec = []
    for i, (cin, cout, k, s, p) in enumerate(convs):
        spec.append(ConvSpec(cin, cout, k, s, p))
        if i in (0, 1, 4):
            spec.append(PoolSpec(3, 2))
    return spec + [PoolSpec(kind="avg", output_size=6), LinearSpec(256 * 36, 4096),
                   LinearSpec(4096, 4096), LinearSpec(4096, num_classes)]


def vgg16_spec(num_classes: int = 1000) -> list:
    """VGG-16 (configuration D, no batch norm), as torchvision's ``vgg16``."""
    spec, cin = [], 3
    for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if v == "M":
            spec.append(PoolSpec(2, 2))
        else:
            spec.append(ConvSpec(cin, v, 3, 1, 1))
            cin = v
    return spec + [PoolSpec(kind="avg", output_size=7), LinearSpec(512 * 49, 4096),
                   LinearSpec(4096, 4096), LinearSpec(4096, num_classes)]


def _inception(cin, c1, c3r, c3, c5r, c5, pool_proj):
    return BranchSpec((
        _cbn(cin, c1, 1),
        _cbn(cin, c3r, 1) + _cbn(c3r, c3, 3),
        _cbn(cin, c5r, 1) + _cbn(c5r, c5, 3),  # torchvision: 3×3 where the paper has 5×5
        [PoolSpec(3, 1, 1, ceil_mode=True)] + _cbn(cin, pool_proj, 1),
    ), merge="concat")


def googlenet_spec(num_classes: int = 1000) -> list:
    """GoogLeNet (Inception v1) as torchvision's ``googlenet``: BN after every conv, no
    auxiliary classifiers, and a 3×3 conv in the branch the paper gives 5×5 (6,624,904
    parameters; the paper's 5×5 would give 7,005,832)."""
    pool = PoolSpec(3, 2, ceil_mode=True)
    return (_cbn(3, 64, 7, 2) + [pool] + _cbn(64, 64, 1) + _cbn(64, 192, 3) + [pool]
            + [_inception(192, 64, 96, 128, 16, 32, 32), _inception(256, 128, 128, 192, 32, 96, 64), pool,
               _inception(480, 192, 96, 208, 16, 48, 64), _inception(512, 160, 112, 224, 24, 64, 64),
               _inception(512, 128, 128, 256, 24, 64, 64), _inception(512, 112, 144, 288, 32, 64, 64),
               _inception(528, 256, 160, 320, 32, 128, 128), PoolSpec(2, 2, ceil_mode=True),
               _inception(832, 256, 160, 320, 32, 128, 128), _inception(832, 384, 192, 384, 48, 128, 128),
               PoolSpec(kind="avg", output_size=1), LinearSpec(1024, num_classes)])


def _residual(main, cin, cout, stride):
    shortcut = [] if stride == 1 and cin == cout else _cbn(cin, cout, 1, stride)
    return BranchSpec((main, shortcut), merge="add")


def resnet_spec(blocks=(2, 2, 2, 2), bottleneck=False, num_classes: int = 1000) -> list:
    """An ImageNet ResNet (torchvision v1.5: the stride on the 3×3 of a bottleneck).

    ``resnet_spec((2, 2, 2, 2))`` is ResNet-18, ``((3, 4, 6, 3), bottleneck=True)`` ResNet-50.
    """
    spec = _cbn(3, 64, 7, 2) + [PoolSpec(3, 2, 1)]
    cin, expansion = 64, 4 if bottleneck else 1
    for stage, n in enumerate(blocks):
        mid = 64 * 2**stage
        for i in range(n):
            stride, cout = (2 if stage and not i else 1), mid * expansion
            if bottleneck:
                main = _cbn(cin, mid, 1) + _cbn(mid, mid, 3, stride) + _cbn(mid, cout, 1)
            else:
                main = _cbn(cin, mid, 3, stride) + _cbn(mid, cout, 3)
            spec.append(_residual(main, cin, cout, stride))
            cin = cout
    return spec + [PoolSpec(kind="avg", output_size=1), LinearSpec(cin, num_classes)]


def resnet18_spec(num_classes: int = 1000) -> list:
    """ResNet-18: :func:`resnet_spec` with (2, 2, 2, 2) basic blocks."""
    return resnet_spec((2, 2, 2, 2), False, num_classes)


def resnet50_spec(num_classes: int = 1000) -> list:
    """ResNet-50: :func:`resnet_spec` with (3, 4, 6, 3) bottlenecks."""
    return resnet_spec((3, 4, 6, 3), True, num_classes)


#: MobileNetV2's stages: expansion t, channels c, repeats n, first stride s (Sandler et al., table 2).
MOBILENET_V2_SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                         (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def mobilenet_v2_spec(num_classes: int = 1000) -> list:
    """MobileNetV2 (width 1.0) as torchvision's ``mobilenet_v2``."""
    spec, cin = _cbn(3, 32, 3, 2), 32
    for t, c, n, s in MOBILENET_V2_SETTINGS:
        for i in range(n):
            stride, hidden = (s if i == 0 else 1), cin * t
            main = (_cbn(cin, hidden, 1) if t != 1 else []) + _cbn(hidden, hidden, 3, stride, hidden)
            main += _cbn(hidden, c, 1)
            spec += [BranchSpec((main, []))] if stride == 1 and cin == c else main
            cin = c
    return spec + _cbn(cin, 1280, 1) + [PoolSpec(kind="avg", output_size=1), LinearSpec(1280, num_classes)]


class ClassicNetwork(NamedTuple):
    """One row of :func:`classic_networks`: counted and published figures."""

    name: str
    params: int
    macs: int
    published_params: int
    published_macs: float
    source: str


_TV = "torchvision weights meta (num_params, _ops in GMACs)"
#: name -> (spec function, published params, published MACs, source)
CLASSIC_NETWORKS = {
    "AlexNet": (alexnet_spec, 61_100_840, 0.714e9, _TV + "; paper: 60 M params"),
    "VGG-16": (vgg16_spec, 138_357_544, 15.47e9, _TV + "; paper: 138 M params"),
    "GoogLeNet": (googlenet_spec, 6_624_904, 1.498e9, _TV + "; paper: 6.8 M params, 1.5 G MACs"),
    "ResNet-18": (resnet18_spec, 11_689_512, 1.814e9, _TV + "; paper: 1.8 G FLOPs (= MACs)"),
    "ResNet-50": (resnet50_spec, 25_557_032, 4.089e9, _TV + "; paper: 3.8 G FLOPs (= MACs, v1)"),
    "MobileNetV2": (mobilenet_v2_spec, 3_504_872, 0.301e9, _TV + "; paper: 3.4 M params, 300 M MAdds"),
}


def classic_networks(image_size=224) -> list[ClassicNetwork]:
    """Parameters and MACs of six classic ImageNet networks, counted from their specifications.

    Each row puts the count next to the published figure (torchvision's exact
    ``sum(p.numel())`` and its MACs at 224×224, with the paper's numbers in
    `source`). Conventions: see :func:`count`.

    Examples
    --------
    >>> for row in classic_networks():
    ...     print(f"{row.name:12}{row.params / 1e6:7.2f} M{row.macs / 1e9:7.2f} G MACs")
    AlexNet       61.10 M   0.71 G MACs
    VGG-16       138.36 M  15.47 G MACs
    GoogLeNet      6.62 M   1.50 G MACs
    ResNet-18     11.69 M   1.81 G MACs
    ResNet-50     25.56 M   4.09 G MACs
    MobileNetV2    3.50 M   0.30 G MACs
    """
    return [ClassicNetwork(name, *count(spec(), image_size), params, macs, source)
            for name, (spec, params, macs, source) in CLASSIC_NETWORKS.items()]
