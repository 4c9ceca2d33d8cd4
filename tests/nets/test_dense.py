"""cnnlab.nets.dense: dense layers concatenate, channels grow by the growth rate, transitions."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.cost.counting import conv_macs, conv_params
from cnnlab.nets.dense import DenseBlock, DenseLayer, Transition
from tests.counts import flops, numel
from tests.nets.block_cases import FEW, bn

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def layer_params(cin, k, bn_size, batch_norm):
    b = not batch_norm
    if bn_size is None:
        return bn(cin, batch_norm) + conv_params(cin, k, 3, bias=b)
    mid = bn_size * k
    return bn(cin, batch_norm) + conv_params(cin, mid, 1, bias=b) + bn(mid, batch_norm) + conv_params(mid, k, 3, bias=b)


@FEW
@given(st.integers(1, 8), st.integers(1, 6), st.integers(1, 4), st.sampled_from([None, 1, 2, 4]),
       st.integers(1, 8), st.booleans())
def test_block_grows_by_the_growth_rate(cin, k, layers, bn_size, size, batch_norm):
    block = DenseBlock(cin, k, num_layers=layers, bn_size=bn_size, batch_norm=batch_norm)
    y = block(torch.randn(2, cin, size, size))
    assert tuple(y.shape) == (2, cin + layers * k, size, size)
    assert block.out_channels == cin + layers * k
    assert [layer.in_channels for layer in block] == [cin + i * k for i in range(layers)]
    assert numel(block) == sum(layer_params(cin + i * k, k, bn_size, batch_norm) for i in range(layers))


@pytest.mark.parametrize("batch_norm", [True, False])
def test_a_dense_layer_passes_its_input_on_unchanged(batch_norm):
    """The input comes first in the output, bit for bit (and is not overwritten in place)."""
    layer = DenseLayer(5, 3, batch_norm=batch_norm)
    x = torch.randn(2, 5, 6, 6) - 0.5
    kept = x.clone()
    y = layer(x)
    assert torch.equal(y[:, :5], kept) and torch.equal(x, kept)
    torch.testing.assert_close(y[:, 5:], layer.layers(kept))


def test_macs_match_the_formulas_and_torch():
    block = DenseBlock(6, 4, num_layers=2, bn_size=2).eval()
    size = 7
    macs = sum(conv_macs(c, 8, 1, size) + conv_macs(8, 4, 3, size) for c in (6, 10))
    with torch.no_grad():
        assert flops(block, torch.zeros(1, 6, size, size)) == 2 * macs


@pytest.mark.parametrize("size", [4, 7, 8])
def test_transition_thins_and_halves(size):
    t = Transition(12, 6)
    assert tuple(t(torch.randn(1, 12, size, size)).shape) == (1, 6, size // 2, size // 2)
    assert numel(t) == 2 * 12 + conv_params(12, 6, 1, bias=False)
    assert t.out_channels == 6


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(in_channels=0, growth_rate=2), ValueError, "in_channels"),
    (dict(in_channels=4, growth_rate=2.0), TypeError, "growth_rate"),
    (dict(in_channels=4, growth_rate=2, bn_size=0), ValueError, "bn_size"),
    (dict(in_channels=4, growth_rate=2, num_layers=0), ValueError, "num_layers"),
])
def test_invalid_arguments_raise(kwargs, error, name):
    with pytest.raises(error, match=f"`{name}`"):
        DenseBlock(**kwargs)
    with pytest.raises(TypeError, match="positional"):
        DenseLayer(4, 2, 4)
