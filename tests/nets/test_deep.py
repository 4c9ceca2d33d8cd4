"""cnnlab.nets.deep: plain and residual networks of depth 6n + 2 that differ only by their skips."""

import pytest
from torch import nn

from cnnlab.nets.deep import PlainNet, ResNet
from cnnlab.nets.residual import BasicBlock


def numel(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("depth", [8, 20, 32, 56])
def test_depth_is_number_of_weighted_layers(depth):
    n = (depth - 2) // 6
    for cls, projections in ((PlainNet, 0), (ResNet, 2)):
        net = cls(depth=depth)
        convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
        assert sum(m.kernel_size == (3, 3) for m in convs) == 6 * n + 1 == depth - 1
        assert sum(m.kernel_size == (1, 1) for m in convs) == projections
        assert sum(isinstance(m, nn.Linear) for m in net.modules()) == 1
    assert sum(isinstance(m, BasicBlock) for m in ResNet(depth=depth).modules()) == 3 * n


def test_plain_and_residual_differ_only_by_skips():
    plain, res = PlainNet(depth=20, width=8), ResNet(depth=20, width=8)
    # the two projections: conv1x1 (8 -> 16) + BN and conv1x1 (16 -> 32) + BN
    assert numel(res) - numel(plain) == 8 * 16 + 2 * 16 + 16 * 32 + 2 * 32


def test_batch_norm_switch_and_zero_init():
    net = ResNet(depth=14, batch_norm=False)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    zero = ResNet(depth=14, zero_init_residual=True)
    assert all(bool((b.bn2.weight == 0).all()) for b in zero.modules() if isinstance(b, BasicBlock))


@pytest.mark.parametrize("make, error, words", [
    (lambda: PlainNet(depth=21), ValueError, "`depth` must be 6n \\+ 2"),
    (lambda: ResNet(depth=2), ValueError, "`depth`"),
    (lambda: PlainNet(zero_init_residual=True), ValueError, "`zero_init_residual`"),
    (lambda: ResNet(width=0), ValueError, "`width`"),
    (lambda: ResNet(3, 10, 20), TypeError, "positional"),
])
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()
