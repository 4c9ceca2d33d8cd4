"""cnnlab.nets.mobile: depthwise-separable convolution, inverted residual, squeeze-and-excitation."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from cnnlab.cost.counting import conv_params
from cnnlab.nets.mobile import DepthwiseSeparableConv, InvertedResidual, SqueezeExcitation
from tests.counts import numel
from tests.nets.block_cases import FEW, bn, channels, out_size, sizes, strides


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@FEW
@given(channels, channels, st.sampled_from([1, 3, 5]), strides, sizes, st.booleans())
def test_depthwise_separable_shape_and_params(cin, cout, k, stride, size, batch_norm):
    block = DepthwiseSeparableConv(cin, cout, kernel_size=k, stride=stride, batch_norm=batch_norm)
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
    block = InvertedResidual(cin, cout, stride=stride, expand_ratio=t)
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


def test_zero_init_inverted_residual_is_identity():
    block = InvertedResidual(5, 5, zero_init_residual=True).eval()
    x = torch.randn(2, 5, 6, 6)
    with torch.no_grad():
        torch.testing.assert_close(block(x), x)


def test_zero_init_needs_the_skip_connection():
    """Zeroing the branch of a block without a skip would make it output 0 (as PlainNet refuses)."""
    for kwargs in (dict(stride=2), dict()):
        out = 8 if kwargs else 6
        with pytest.raises(ValueError, match="`zero_init_residual` must be False when the block has no skip"):
            InvertedResidual(4, out, zero_init_residual=True, **kwargs)


def test_options_are_keyword_only():
    """DepthwiseSeparableConv(32, 64, 2), meant as stride 2, is refused instead of read as a kernel size."""
    with pytest.raises(TypeError, match="positional"):
        DepthwiseSeparableConv(32, 64, 2)
    with pytest.raises(TypeError, match="positional"):
        InvertedResidual(32, 64, 2)
    assert DepthwiseSeparableConv(32, 64, stride=2)(torch.zeros(1, 32, 8, 8)).shape == (1, 64, 4, 4)


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


def test_batch_norm_switch():
    for block in (DepthwiseSeparableConv(3, 4, batch_norm=False), InvertedResidual(3, 4, batch_norm=False)):
        assert not any(isinstance(m, nn.BatchNorm2d) for m in block.modules())
        assert all(m.bias is not None for m in block.modules() if isinstance(m, nn.Conv2d))


def test_device_and_dtype(device):
    for block in (DepthwiseSeparableConv(2, 3, device=device, dtype=torch.float64),
                  InvertedResidual(2, 3, device=device, dtype=torch.float64),
                  SqueezeExcitation(2, device=device, dtype=torch.float64)):
        assert all(p.dtype == torch.float64 and p.device.type == device.type for p in block.parameters())
        assert block(torch.randn(1, 2, 4, 4, device=device, dtype=torch.float64)).dtype == torch.float64


@pytest.mark.parametrize("make, error, words", [
    (lambda: DepthwiseSeparableConv(4, 4, kernel_size=2), ValueError, "`kernel_size`"),
    (lambda: InvertedResidual(4, 4, stride=3), ValueError, "`stride` must be 1 or 2, got 3"),
    (lambda: InvertedResidual(4, 4, expand_ratio=0), ValueError, "`expand_ratio`"),
    (lambda: SqueezeExcitation(8, reduction=0), ValueError, "`reduction`"),
])
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()
