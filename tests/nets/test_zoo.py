"""cnnlab.nets.zoo: the eight small designs build, run on 28×28 and 32×32, and count as torch does."""

import pytest
import torch
from torch import nn

from cnnlab.cost.counting import conv_params
from cnnlab.cost.summary import summary
from cnnlab.nets.dense import DenseBlock
from cnnlab.nets.inception import Inception
from cnnlab.nets.mobile import InvertedResidual, SqueezeExcitation
from cnnlab.nets.residual import BasicBlock
from cnnlab.nets.zoo import (MiniAlexNet, MiniDenseNet, MiniInception, MiniMobileNetV2, MiniResNet, MiniSEResNet,
                             SEBasicBlock, recompute_batch_norm, zoo)
from tests.counts import flops, numel

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py
NAMES = ["LeNet-5", "AlexNet", "VGG", "Inception", "ResNet", "DenseNet", "SE-ResNet", "MobileNetV2"]


def test_the_zoo_has_the_eight_designs():
    assert list(zoo()) == NAMES


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("in_channels, size", [(1, 28), (3, 32)])
def test_each_design_classifies_and_counts_as_torch(name, in_channels, size):
    net = zoo(in_channels, 7, image_size=size)[name]().eval()
    x = torch.zeros(2, in_channels, size, size)
    with torch.no_grad():
        assert net(x).shape == (2, 7)
        table = summary(net, (1, in_channels, size, size))
        assert table.total_params == numel(net)
        assert 2 * table.total_macs == flops(net, x[:1])
    assert 3_000 <= numel(net) <= 62_000


def test_the_modern_designs_use_their_blocks():
    kinds = {"Inception": Inception, "ResNet": BasicBlock, "DenseNet": DenseBlock, "SE-ResNet": SEBasicBlock,
             "MobileNetV2": InvertedResidual}
    makers = zoo()
    for name, kind in kinds.items():
        assert sum(isinstance(m, kind) for m in makers[name]().modules()) >= 2, name
    assert not any(isinstance(m, nn.BatchNorm2d) for m in makers["AlexNet"]().modules())


def test_se_resnet_is_the_resnet_plus_two_gates():
    w = 8
    extra = sum(conv_params(c, c // 4, 1) + conv_params(c // 4, c, 1) for c in (w, 2 * w))
    assert numel(MiniSEResNet(width=w)) - numel(MiniResNet(width=w)) == extra
    assert sum(isinstance(m, SqueezeExcitation) for m in MiniSEResNet().modules()) == 2


def test_se_block_gates_the_residual_branch():
    torch.manual_seed(0)
    block = SEBasicBlock(4, 4, reduction=2).eval()
    x = torch.randn(2, 4, 6, 6)
    with torch.no_grad():
        branch = block.bn2(block.conv2(block.relu(block.bn1(block.conv1(x)))))
        torch.testing.assert_close(block(x), torch.relu(block.se(branch) + x))


def test_channels_follow_the_width():
    assert [m.out_channels for m in MiniInception(width=4) if isinstance(m, Inception)] == [12, 20]
    first = 4 + 3 * 2                      # stem 4, three layers of growth 2
    assert MiniDenseNet(width=4)[-1].in_features == first // 2 + 3 * 4   # transition halves, growth 4
    assert MiniMobileNetV2(width=4)[-1].in_features == 16
    assert MiniResNet(width=6)[-1].in_features == 12


@pytest.mark.parametrize("make, error, name", [
    (lambda: MiniInception(width=7), ValueError, "width"),
    (lambda: MiniResNet(width=0), ValueError, "width"),
    (lambda: MiniAlexNet(dropout=1.0), ValueError, "dropout"),
    (lambda: MiniMobileNetV2(num_classes=1.5), TypeError, "num_classes"),
    (lambda: zoo(image_size=30), ValueError, "image_size"),
    (lambda: MiniResNet(1, 10, 8), TypeError, "positional"),
])
def test_invalid_arguments_raise(make, error, name):
    with pytest.raises(error, match=name):
        make()


def test_recompute_batch_norm_gives_the_statistics_of_the_images():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.BatchNorm2d(3)).eval()
    x = torch.rand(10, 1, 6, 6, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        net(torch.zeros(1, 1, 6, 6))  # eval mode: statistics untouched
        weight = net[0].weight.clone()
    assert recompute_batch_norm(net, x, batch_size=5) is net
    features = net[0](x).detach()
    # the mean of two batches' means (equal sizes) is the mean over all images
    torch.testing.assert_close(net[1].running_mean, features.mean(dim=(0, 2, 3)))
    batch_vars = [b.var(dim=(0, 2, 3), unbiased=True) for b in features.split(5)]
    torch.testing.assert_close(net[1].running_var, torch.stack(batch_vars).mean(0))
    assert not net.training and net[1].momentum == net[3].momentum == 0.1
    assert int(net[1].num_batches_tracked) == 2 and torch.equal(net[0].weight, weight)


def test_recompute_batch_norm_rejects_wrong_inputs():
    with pytest.raises(TypeError, match="`model`"):
        recompute_batch_norm("net", torch.zeros(1, 1, 4, 4))
    with pytest.raises(TypeError, match="`images`"):
        recompute_batch_norm(MiniResNet(), torch.zeros(1, 1, 4, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="`batch_size`"):
        recompute_batch_norm(MiniResNet(), torch.zeros(1, 1, 28, 28), batch_size=0)
