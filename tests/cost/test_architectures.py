"""cnnlab.cost.architectures: the classic networks as specs, counted, built and checked against torch."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnlab.cost.architectures import (
    CLASSIC_NETWORKS,
    MOBILENET_V2_SETTINGS,
    build,
    classic_networks,
    count,
    mobilenet_v2_spec,
    resnet18_spec,
    resnet50_spec,
    vgg16_spec,
)
from cnnlab.nets.mobile import InvertedResidual
from cnnlab.nets.residual import BasicBlock, Bottleneck
from cnnlab.ops.receptive_field import receptive_field
from cnnlab.ops.specs import BNSpec, BranchSpec, ConvSpec, LinearSpec, PoolSpec

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def numel(module):
    return sum(p.numel() for p in module.parameters())


def macs_by_torch(model, input_size=224, device="meta"):
    """MACs from torch's own counter (FLOPs / 2), on the meta device: no memory, no compute."""
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, input_size, input_size, device=device))
    return counter.get_total_flops() // 2


TORCHVISION_PARAMS = {  # sum(p.numel()) of torchvision's models, 1000 classes
    "AlexNet": 61_100_840, "VGG-16": 138_357_544, "GoogLeNet": 6_624_904,
    "ResNet-18": 11_689_512, "ResNet-50": 25_557_032, "MobileNetV2": 3_504_872,
}
PUBLISHED_MACS = {"AlexNet": 0.71e9, "VGG-16": 15.5e9, "ResNet-50": 4.1e9, "MobileNetV2": 0.30e9,
                  "ResNet-18": 1.8e9, "GoogLeNet": 1.5e9}


def test_classic_counts_match_published_figures():
    rows = {row.name: row for row in classic_networks()}
    assert set(rows) == set(TORCHVISION_PARAMS)
    for name, row in rows.items():
        assert row.params == pytest.approx(TORCHVISION_PARAMS[name], rel=0.01)
        assert row.params == TORCHVISION_PARAMS[name]  # in fact exact
        assert row.macs == pytest.approx(PUBLISHED_MACS[name], rel=0.03)
        assert row.macs == pytest.approx(row.published_macs, rel=0.01)
        assert row.published_params == TORCHVISION_PARAMS[name] and row.source


@pytest.mark.parametrize("name", list(CLASSIC_NETWORKS))
def test_count_equals_torch_on_the_built_spec(name):
    spec = CLASSIC_NETWORKS[name][0]()
    net = build(spec, device="meta")
    params, macs = count(spec)
    assert numel(net) == params
    assert macs_by_torch(net) == macs


def _imagenet_resnet(block, layers, device):
    f = {"device": device}
    stages, cin = [], 64
    for stage, n in enumerate(layers):
        width = 64 * 2**stage
        for i in range(n):
            stride = 2 if stage and not i else 1
            stages.append(block(cin, width, stride=stride, **f))
            cin = width * (4 if block is Bottleneck else 1)
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False, **f), nn.BatchNorm2d(64, **f), nn.ReLU(),
                         nn.MaxPool2d(3, 2, 1), *stages, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(cin, 1000, **f))


def _imagenet_mobilenet_v2(device):
    f = {"device": device}
    layers, cin = [nn.Conv2d(3, 32, 3, 2, 1, bias=False, **f), nn.BatchNorm2d(32, **f), nn.ReLU6()], 32
    for t, c, n, s in MOBILENET_V2_SETTINGS:
        for i in range(n):
            layers.append(InvertedResidual(cin, c, stride=s if i == 0 else 1, expand_ratio=t, **f))
            cin = c
    return nn.Sequential(*layers, nn.Conv2d(320, 1280, 1, bias=False, **f), nn.BatchNorm2d(1280, **f),
                         nn.ReLU6(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1280, 1000, **f))


@pytest.mark.parametrize("make, spec", [
    (lambda d: _imagenet_resnet(BasicBlock, (2, 2, 2, 2), d), resnet18_spec),
    (lambda d: _imagenet_resnet(Bottleneck, (3, 4, 6, 3), d), resnet50_spec),
    (_imagenet_mobilenet_v2, mobilenet_v2_spec),
])
def test_networks_built_from_blocks_match_their_spec(make, spec):
    params, macs = count(spec())
    net = make("meta")
    assert numel(net) == params
    assert macs_by_torch(net) == macs


def test_resnet18_from_blocks_runs_for_real():
    net = _imagenet_resnet(BasicBlock, (2, 2, 2, 2), "cpu").eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, 64, 64)).shape == (1, 1000)
    assert macs_by_torch(net, 64, "cpu") == count(resnet18_spec(), image_size=64)[1]


def test_count_by_hand():
    spec = [ConvSpec(3, 8, 3, 1, 1), BNSpec(8), PoolSpec(2),
            BranchSpec(([ConvSpec(8, 8, 3, 1, 1, groups=8, bias=False)], []), merge="add"),
            PoolSpec(kind="avg", output_size=1), LinearSpec(8, 10)]
    params, macs = count(spec, image_size=16)
    assert params == (3 * 9 * 8 + 8) + 16 + 8 * 9 + (80 + 10)
    assert macs == 16 * 16 * 8 * 27 + 8 * 8 * 8 * 9 + 80
    concat = BranchSpec(([ConvSpec(3, 4, 1)], [ConvSpec(3, 5, 3, padding=1)]), merge="concat")
    net = build([concat])
    assert net(torch.zeros(1, 3, 6, 6)).shape == (1, 9, 6, 6)
    assert count([concat], 6) == (numel(net), 36 * (4 * 3 + 5 * 27))


def test_count_and_receptive_field_take_the_same_specs():
    """VGG-16's convolutions and poolings, as counted, give its known receptive field of 212 pixels."""
    features = vgg16_spec()[:-4]  # up to the adaptive pooling and the dense layers
    assert all(isinstance(layer, (ConvSpec, PoolSpec)) for layer in features)
    assert receptive_field(features).size == 212
    params, macs = count(features)
    assert params == numel(build(features, device="meta"))
    assert count(features, image_size=(224, 224)) == (params, macs)
    small = [ConvSpec(1, 4, 3, padding="same"), PoolSpec(2, ceil_mode=True), ConvSpec(4, 4, 3, dilation=2)]
    assert receptive_field(small, input_size=9).size == 3 + 1 + 2 * 4  # + (k - 1) · jump per layer
    assert count(small, image_size=9) == (40 + 148, 9 * 9 * 4 * 9 + 1 * 1 * 4 * 36)


@pytest.mark.parametrize("make, error, words", [
    (lambda: count([nn.Conv2d(1, 1, 1)]), TypeError, "`spec`"),
    (lambda: count(resnet18_spec(), image_size=0), ValueError, "`image_size`"),
    (lambda: count([BranchSpec(([ConvSpec(1, 1, 3)], []))], 8), ValueError, "different sizes"),
])
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()
