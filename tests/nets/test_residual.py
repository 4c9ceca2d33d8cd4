"""cnnlab.nets.residual: plain and residual blocks, their shapes, parameter counts and skips."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from cnnlab.cost.counting import conv_params
from cnnlab.nets.residual import BasicBlock, Bottleneck, PlainBlock
from tests.counts import numel
from tests.nets.block_cases import FEW, bn, channels, out_size, sizes, strides


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@FEW
@given(channels, channels, strides, sizes, st.booleans())
def test_plain_and_basic_block_shape_and_params(cin, cout, stride, size, batch_norm):
    x = torch.randn(2, cin, size, size)
    expected_shape = (2, cout, out_size(size, stride), out_size(size, stride))
    body = (conv_params(cin, cout, 3, bias=not batch_norm) + bn(cout, batch_norm)
            + conv_params(cout, cout, 3, bias=not batch_norm) + bn(cout, batch_norm))
    projection = stride != 1 or cin != cout
    skip = conv_params(cin, cout, 1, bias=not batch_norm) + bn(cout, batch_norm) if projection else 0

    plain = PlainBlock(cin, cout, stride=stride, batch_norm=batch_norm)
    basic = BasicBlock(cin, cout, stride=stride, batch_norm=batch_norm)
    assert tuple(plain(x).shape) == expected_shape
    assert tuple(basic(x).shape) == expected_shape
    assert numel(plain) == body
    assert numel(basic) == body + skip
    assert isinstance(basic.shortcut, nn.Identity) is not projection


@FEW
@given(channels, st.integers(1, 4), strides, st.integers(1, 4), sizes)
def test_bottleneck_shape_and_params(cin, mid, stride, expansion, size):
    block = Bottleneck(cin, mid, stride=stride, expansion=expansion)
    cout = mid * expansion
    expected = (conv_params(cin, mid, 1, bias=False) + 2 * mid + conv_params(mid, mid, 3, bias=False)
                + 2 * mid + conv_params(mid, cout, 1, bias=False) + 2 * cout)
    if stride != 1 or cin != cout:
        expected += conv_params(cin, cout, 1, bias=False) + 2 * cout
    assert numel(block) == expected
    y = block(torch.randn(2, cin, size, size))
    assert tuple(y.shape) == (2, cout, out_size(size, stride), out_size(size, stride))


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
    for block in (PlainBlock(3, 4, batch_norm=False), BasicBlock(3, 4, stride=2, batch_norm=False)):
        assert not any(isinstance(m, nn.BatchNorm2d) for m in block.modules())
        assert all(m.bias is not None for m in block.modules() if isinstance(m, nn.Conv2d))
    block = BasicBlock(3, 4, stride=2)
    assert all(m.bias is None for m in block.modules() if isinstance(m, nn.Conv2d))


def test_options_are_keyword_only():
    """BasicBlock(16, 32, 2) would read as a kernel size in one block and a stride in another: refused."""
    with pytest.raises(TypeError, match="positional"):
        BasicBlock(16, 32, 2)
    with pytest.raises(TypeError, match="positional"):
        Bottleneck(16, 4, 2)


def test_device_and_dtype(device):
    for block in (PlainBlock(2, 3, device=device, dtype=torch.float64),
                  BasicBlock(2, 3, stride=2, device=device, dtype=torch.float64),
                  Bottleneck(4, 2, device=device, dtype=torch.float64)):
        assert all(p.dtype == torch.float64 and p.device.type == device.type for p in block.parameters())
        cin = 4 if isinstance(block, Bottleneck) else 2
        assert block(torch.randn(1, cin, 4, 4, device=device, dtype=torch.float64)).dtype == torch.float64


@pytest.mark.parametrize("make, error, words", [
    (lambda: BasicBlock(0, 4), ValueError, "`in_channels`"),
    (lambda: PlainBlock(4, 4, stride=0), ValueError, "`stride`"),
    (lambda: PlainBlock(4, 4.0), TypeError, "`out_channels`"),
    (lambda: BasicBlock(4, 4, batch_norm=1), TypeError, "`batch_norm`"),
    (lambda: BasicBlock(4, 4, zero_init_residual="yes"), TypeError, "`zero_init_residual`"),
    (lambda: Bottleneck(4, 0), ValueError, "`mid_channels`"),
    (lambda: Bottleneck(4, 2, expansion=0), ValueError, "`expansion`"),
])
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()
