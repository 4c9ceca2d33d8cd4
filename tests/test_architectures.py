"""Tests for cnnlab/architectures.py (classic-network specs) and the small networks of cnnlab/models.py
that are built from the same blocks."""

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnlab.blocks import BasicBlock, Bottleneck, InvertedResidual
from cnnlab.architectures import (
    CLASSIC_NETWORKS,
    MOBILENET_V2_SETTINGS,
    BNSpec,
    BranchSpec,
    ConvSpec,
    LinearSpec,
    PoolSpec,
    build,
    classic_networks,
    count,
    mobilenet_v2_spec,
    resnet18_spec,
    resnet50_spec,
)
from cnnlab.models import LeNet5, MobileNetTiny, PlainNet, ResNet, SmallVGG
from cnnlab.training import fit


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def numel(module):
    return sum(p.numel() for p in module.parameters())


def macs_by_torch(model, input_size=224, device="meta"):
    """MACs from torch's own counter (FLOPs / 2), on the meta device: no memory, no compute."""
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, input_size, input_size, device=device))
    return counter.get_total_flops() // 2


# --- small trainable networks ------------------------------------------------------------------

SMALL = [
    lambda c: PlainNet(8, in_channels=c, width=4),
    lambda c: ResNet(8, in_channels=c, width=4),
    lambda c: SmallVGG(in_channels=c, widths=(4, 8, 8)),
    lambda c: MobileNetTiny(in_channels=c, width=4),
]


@pytest.mark.parametrize("make", SMALL)
@pytest.mark.parametrize("channels, size", [(1, 8), (3, 32)])
def test_small_models_give_class_scores(make, channels, size):
    model = make(channels)
    assert model(torch.randn(2, channels, size, size)).shape == (2, 10)


@pytest.mark.parametrize("activation, input_size", [("tanh", 32), ("relu", 28)])
def test_lenet5(activation, input_size):
    net = LeNet5(num_classes=7, in_channels=3, activation=activation, input_size=input_size)
    assert net(torch.randn(2, 3, input_size, input_size)).shape == (2, 7)
    # C1 456·(3/1) ... by formula: convs 6(75+1), 16(150+1), 120(400+1); dense 120·84+84, 84·7+7
    assert numel(net) == 6 * 76 + 16 * 151 + 120 * 401 + 120 * 84 + 84 + 84 * 7 + 7
    acts = nn.Tanh if activation == "tanh" else nn.ReLU
    assert sum(isinstance(m, acts) for m in net.modules()) == 4


@pytest.mark.parametrize("depth", [8, 20, 32, 56])
def test_depth_is_number_of_weighted_layers(depth):
    n = (depth - 2) // 6
    for cls, projections in ((PlainNet, 0), (ResNet, 2)):
        net = cls(depth)
        convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
        assert sum(m.kernel_size == (3, 3) for m in convs) == 6 * n + 1 == depth - 1
        assert sum(m.kernel_size == (1, 1) for m in convs) == projections
        assert sum(isinstance(m, nn.Linear) for m in net.modules()) == 1
    assert sum(isinstance(m, BasicBlock) for m in ResNet(depth).modules()) == 3 * n


def test_plain_and_residual_differ_only_by_skips():
    plain, res = PlainNet(20, width=8), ResNet(20, width=8)
    # the two projections: conv1x1 (8 -> 16) + BN and conv1x1 (16 -> 32) + BN
    assert numel(res) - numel(plain) == 8 * 16 + 2 * 16 + 16 * 32 + 2 * 32


def test_batch_norm_switch_and_zero_init():
    net = ResNet(14, batch_norm=False)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    zero = ResNet(14, zero_init_residual=True)
    assert all(bool((b.bn2.weight == 0).all()) for b in zero.modules() if isinstance(b, BasicBlock))


def test_fit_decreases_loss_and_repeats_with_a_seed():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(96, 1, 8, 8, generator=gen)
    y = (x[:, 0, :4].mean(dim=(1, 2)) > x[:, 0, 4:].mean(dim=(1, 2))).long()  # top vs bottom

    def run():
        torch.manual_seed(0)
        model = ResNet(8, num_classes=2, in_channels=1, width=4)
        return fit(model, (x, y), epochs=6, lr=1e-2, batch_size=32, device="cpu", seed=1, progress=False)

    first, second = run(), run()
    assert first.train_loss[-1] < 0.8 * first.train_loss[0]
    assert first.train_loss == second.train_loss


@pytest.mark.parametrize("make, error, words", [
    (lambda: PlainNet(21), ValueError, "`depth` must be 6n \\+ 2"),
    (lambda: ResNet(2), ValueError, "`depth`"),
    (lambda: PlainNet(20, zero_init_residual=True), ValueError, "`zero_init_residual`"),
    (lambda: ResNet(20, width=0), ValueError, "`width`"),
    (lambda: LeNet5(input_size=30), ValueError, "`input_size`"),
    (lambda: LeNet5(activation="sigmoid"), ValueError, "`activation`"),
    (lambda: SmallVGG(widths=()), ValueError, "`widths`"),
    (lambda: MobileNetTiny(num_classes=0), ValueError, "`num_classes`"),
    (lambda: count([nn.Conv2d(1, 1, 1)]), TypeError, "`spec`"),
    (lambda: count(resnet18_spec(), input_size=0), ValueError, "`input_size`"),
    (lambda: count([BranchSpec(([ConvSpec(1, 1, 3)], []))], 8), ValueError, "different sizes"),
])
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()


# --- classic networks: counted from a specification ---------------------------------------------

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
            stages.append(block(cin, width, stride, **f))
            cin = width * (4 if block is Bottleneck else 1)
    return nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False, **f), nn.BatchNorm2d(64, **f), nn.ReLU(),
                         nn.MaxPool2d(3, 2, 1), *stages, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(cin, 1000, **f))


def _imagenet_mobilenet_v2(device):
    f = {"device": device}
    layers, cin = [nn.Conv2d(3, 32, 3, 2, 1, bias=False, **f), nn.BatchNorm2d(32, **f), nn.ReLU6()], 32
    for t, c, n, s in MOBILENET_V2_SETTINGS:
        for i in range(n):
            layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t, **f))
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
    assert macs_by_torch(net, 64, "cpu") == count(resnet18_spec(), input_size=64)[1]


def test_count_by_hand():
    spec = [ConvSpec(3, 8, 3, 1, 1), BNSpec(8), PoolSpec(2, 2),
            BranchSpec(([ConvSpec(8, 8, 3, 1, 1, groups=8, bias=False)], []), merge="add"),
            PoolSpec(kind="avg", output_size=1), LinearSpec(8, 10)]
    params, macs = count(spec, input_size=16)
    assert params == (3 * 9 * 8 + 8) + 16 + 8 * 9 + (80 + 10)
    assert macs == 16 * 16 * 8 * 27 + 8 * 8 * 8 * 9 + 80
    concat = BranchSpec(([ConvSpec(3, 4, 1)], [ConvSpec(3, 5, 3, padding=1)]), merge="concat")
    net = build([concat])
    assert net(torch.zeros(1, 3, 6, 6)).shape == (1, 9, 6, 6)
    assert count([concat], 6) == (numel(net), 36 * (4 * 3 + 5 * 27))
