"""Tests for cnnlab/blocks.py: shapes, parameter counts by hand formula, skips, errors."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cnnlab.blocks import (
    BasicBlock,
    Bottleneck,
    DepthwiseSeparableConv,
    InvertedResidual,
    PlainBlock,
    SqueezeExcitation,
    conv1x1,
    conv3x3,
)
from cnnlab.counting import conv_params


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def numel(module):
    return sum(p.numel() for p in module.parameters())


def out_size(size, stride):
    """Output of a 3×3 conv with padding 1 (and of a 1×1 conv without padding)."""
    return (size - 1) // stride + 1


# Building a block costs milliseconds: draw an eighth of the profile's examples (25 in ci).
FEW = settings(max_examples=max(10, settings.default.max_examples // 8))
channels = st.integers(1, 8)
strides = st.integers(1, 3)
sizes = st.integers(1, 9)


def bn(c, batch_norm):
    return 2 * c if batch_norm else 0


@FEW
@given(channels, channels, strides, sizes, st.booleans())
def test_plain_and_basic_block_shape_and_params(cin, cout, stride, size, batch_norm):
    x = torch.randn(2, cin, size, size)
    expected_shape = (2, cout, out_size(size, stride), out_size(size, stride))
    body = (conv_params(cin, cout, 3, bias=not batch_norm) + bn(cout, batch_norm)
            + conv_params(cout, cout, 3, bias=not batch_norm) + bn(cout, batch_norm))
    projection = stride != 1 or cin != cout
    skip = conv_params(cin, cout, 1, bias=not batch_norm) + bn(cout, batch_norm) if projection else 0

    plain = PlainBlock(cin, cout, stride, batch_norm)
    basic = BasicBlock(cin, cout, stride, batch_norm)
    assert tuple(plain(x).shape) == expected_shape
    assert tuple(basic(x).shape) == expected_shape
    assert numel(plain) == body
    assert numel(basic) == body + skip
    assert isinstance(basic.shortcut, nn.Identity) is not projection


@FEW
@given(channels, st.integers(1, 4), strides, st.integers(1, 4), sizes)
def test_bottleneck_shape_and_params(cin, mid, stride, expansion, size):
    block = Bottleneck(cin, mid, stride, expansion)
    cout = mid * expansion
    expected = (conv_params(cin, mid, 1, bias=False) + 2 * mid + conv_params(mid, mid, 3, bias=False)
                + 2 * mid + conv_params(mid, cout, 1, bias=False) + 2 * cout)
    if stride != 1 or cin != cout:
        expected += conv_params(cin, cout, 1, bias=False) + 2 * cout
    assert numel(block) == expected
    y = block(torch.randn(2, cin, size, size))
    assert tuple(y.shape) == (2, cout, out_size(size, stride), out_size(size, stride))


@FEW
@given(channels, channels, st.sampled_from([1, 3, 5]), strides, sizes, st.booleans())
def test_depthwise_separable_shape_and_params(cin, cout, k, stride, size, batch_norm):
    block = DepthwiseSeparableConv(cin, cout, k, stride, batch_norm)
    expected = (conv_params(cin, cin, k, groups=cin, bias=not batch_norm) + bn(cin, batch_norm)
                + conv_params(cin, cout, 1, bias=not batch_norm) + bn(cout, batch_norm))
    assert numel(block) == expected
    assert block[0].groups == cin
    y = block(torch.randn(2, cin, size, size))
    assert tuple(y.shape) == (2, cout, out_size(size, stride), out_size(size, stride))
    assert bool((y >= 0).all())  # ends with ReLU


@FEW
@given(channels, channels, st.sampled_from([1, 2]), st.integers(1, 6), sizes)
def test_inverted_residual_params_and_skip(cin, cout, stride, t, size):
    block = InvertedResidual(cin, cout, stride, t)
    hidden = cin * t
    expected = (conv_params(cin, hidden, 1, bias=False) + 2 * hidden if t != 1 else 0)
    expected += conv_params(hidden, hidden, 3, groups=hidden, bias=False) + 2 * hidden
    expected += conv_params(hidden, cout, 1, bias=False) + 2 * cout
    assert numel(block) == expected
    should_skip = stride == 1 and cin == cout
    assert block.use_residual is should_skip
    block.eval()
    x = torch.randn(2, cin, size, size)
    with torch.no_grad():
        y, branch = block(x), block.block(x)
    assert tuple(y.shape) == (2, cout, out_size(size, stride), out_size(size, stride))
    torch.testing.assert_close(y, branch + x if should_skip else branch)


def test_inverted_residual_projection_is_linear():
    block = InvertedResidual(4, 4)
    assert isinstance(block.block[-1], nn.BatchNorm2d)  # no activation after the projection
    assert not any(isinstance(m, nn.ReLU) for m in block.modules())
    assert sum(isinstance(m, nn.ReLU6) for m in block.modules()) == 2


@pytest.mark.parametrize("batch_norm", [True, False])
@pytest.mark.parametrize("make", [
    lambda bn: BasicBlock(6, 6, batch_norm=bn, zero_init_residual=True),
    lambda bn: Bottleneck(8, 2, batch_norm=bn, zero_init_residual=True),
])
def test_zero_init_residual_block_is_relu(make, batch_norm):
    block = make(batch_norm)
    x = torch.randn(3, block.conv1.in_channels, 5, 5)
    for train in (True, False):
        block.train(train)
        with torch.no_grad():
            torch.testing.assert_close(block(x), torch.relu(x))
            torch.testing.assert_close(block(x.abs()), x.abs())  # identity on non-negative input


def test_zero_init_inverted_residual_is_identity():
    block = InvertedResidual(5, 5, zero_init_residual=True).eval()
    x = torch.randn(2, 5, 6, 6)
    with torch.no_grad():
        torch.testing.assert_close(block(x), x)


def test_without_zero_init_the_branch_is_not_zero():
    block = BasicBlock(6, 6).eval()
    x = torch.randn(3, 6, 5, 5)
    with torch.no_grad():
        assert not torch.allclose(block(x), torch.relu(x))


def test_relu_after_addition():
    block = BasicBlock(4, 4).eval()
    with torch.no_grad():
        y = block(torch.randn(2, 4, 6, 6))
    assert bool((y >= 0).all())
    assert isinstance(block.shortcut, nn.Identity)


def test_batch_norm_switch():
    for block in (PlainBlock(3, 4, batch_norm=False), BasicBlock(3, 4, 2, batch_norm=False),
                  InvertedResidual(3, 4, batch_norm=False)):
        assert not any(isinstance(m, nn.BatchNorm2d) for m in block.modules())
        assert all(m.bias is not None for m in block.modules() if isinstance(m, nn.Conv2d))
    block = BasicBlock(3, 4, 2)
    assert all(m.bias is None for m in block.modules() if isinstance(m, nn.Conv2d))


@FEW
@given(st.integers(1, 64), st.integers(1, 32))
def test_squeeze_excitation_params_and_gate(c, reduction):
    se = SqueezeExcitation(c, reduction)
    s = max(1, c // reduction)
    assert numel(se) == c * s + s + s * c + c
    x = torch.rand(2, c, 3, 3)
    with torch.no_grad():
        y = se(x)
    assert tuple(y.shape) == (2, c, 3, 3)
    assert bool((y <= x + 1e-6).all()) and bool((y >= 0).all())  # gate in (0, 1)


def test_helpers_match_torchvision_conventions():
    c3, c1 = conv3x3(4, 8, 2), conv1x1(4, 8)
    assert (c3.kernel_size, c3.stride, c3.padding, c3.bias) == ((3, 3), (2, 2), (1, 1), None)
    assert (c1.kernel_size, c1.padding, c1.bias) == ((1, 1), (0, 0), None)


def test_device_and_dtype(device):
    for block in (PlainBlock(2, 3, device=device, dtype=torch.float64),
                  BasicBlock(2, 3, 2, device=device, dtype=torch.float64),
                  Bottleneck(4, 2, device=device, dtype=torch.float64),
                  DepthwiseSeparableConv(2, 3, device=device, dtype=torch.float64),
                  InvertedResidual(2, 3, device=device, dtype=torch.float64),
                  SqueezeExcitation(4, device=device, dtype=torch.float64)):
        params = list(block.parameters())
        assert all(p.dtype == torch.float64 and p.device.type == device.type for p in params)
        cin = 4 if isinstance(block, (Bottleneck, SqueezeExcitation)) else 2
        y = block(torch.randn(1, cin, 4, 4, device=device, dtype=torch.float64))
        assert y.dtype == torch.float64


@pytest.mark.parametrize("make, error, words", [
    (lambda: BasicBlock(0, 4), ValueError, "`in_channels`"),
    (lambda: PlainBlock(4, 4, stride=0), ValueError, "`stride`"),
    (lambda: PlainBlock(4, 4.0), TypeError, "`out_channels`"),
    (lambda: BasicBlock(4, 4, batch_norm=1), TypeError, "`batch_norm`"),
    (lambda: BasicBlock(4, 4, zero_init_residual="yes"), TypeError, "`zero_init_residual`"),
    (lambda: Bottleneck(4, 0), ValueError, "`mid_channels`"),
    (lambda: Bottleneck(4, 2, expansion=0), ValueError, "`expansion`"),
    (lambda: DepthwiseSeparableConv(4, 4, kernel_size=2), ValueError, "`kernel_size`"),
    (lambda: InvertedResidual(4, 4, stride=3), ValueError, "`stride` must be 1 or 2, got 3"),
    (lambda: InvertedResidual(4, 4, expand_ratio=0), ValueError, "`expand_ratio`"),
    (lambda: SqueezeExcitation(8, reduction=0), ValueError, "`reduction`"),
])
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()
