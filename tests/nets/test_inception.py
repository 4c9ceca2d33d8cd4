"""cnnlab.nets.inception: four branches, concatenated; shapes, parameter counts, MACs, errors."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.cost.architectures import count
from cnnlab.cost.counting import conv_macs, conv_params
from cnnlab.nets.inception import Inception
from cnnlab.ops.specs import BNSpec, BranchSpec, ConvSpec, PoolSpec
from tests.counts import flops, numel
from tests.nets.block_cases import FEW, bn

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py
small = st.integers(1, 6)


@FEW
@given(small, small, small, small, small, small, small, st.integers(1, 9), st.booleans())
def test_output_channels_are_the_sum_of_the_branches(cin, c1, c3r, c3, c5r, c5, cp, size, batch_norm):
    block = Inception(cin, c1, c3r, c3, c5r, c5, cp, batch_norm=batch_norm)
    y = block(torch.randn(2, cin, size, size))
    assert tuple(y.shape) == (2, c1 + c3 + c5 + cp, size, size)
    assert block.out_channels == c1 + c3 + c5 + cp and len(block.branches) == 4
    b = not batch_norm
    expected = (conv_params(cin, c1, 1, bias=b) + bn(c1, batch_norm)
                + conv_params(cin, c3r, 1, bias=b) + bn(c3r, batch_norm) + conv_params(c3r, c3, 3, bias=b) + bn(c3, batch_norm)
                + conv_params(cin, c5r, 1, bias=b) + bn(c5r, batch_norm) + conv_params(c5r, c5, 5, bias=b) + bn(c5, batch_norm)
                + conv_params(cin, cp, 1, bias=b) + bn(cp, batch_norm))
    assert numel(block) == expected


@pytest.mark.parametrize("size", [5, 8])
def test_macs_match_the_formulas_and_torch(size):
    block = Inception(12, 4, 6, 8, 2, 4, 3).eval()
    macs = (conv_macs(12, 4, 1, size) + conv_macs(12, 6, 1, size) + conv_macs(6, 8, 3, size)
            + conv_macs(12, 2, 1, size) + conv_macs(2, 4, 5, size) + conv_macs(12, 3, 1, size))
    with torch.no_grad():
        assert flops(block, torch.zeros(1, 12, size, size)) == 2 * macs


def test_branches_are_stacked_in_order():
    block = Inception(6, 2, 3, 4, 2, 3, 5).eval()
    x = torch.randn(2, 6, 7, 7, dtype=torch.float32)
    with torch.no_grad():
        y = block(x)
        parts = [branch(x) for branch in block.branches]
    torch.testing.assert_close(y, torch.cat(parts, dim=1))
    assert [p.shape[1] for p in parts] == [2, 4, 3, 5]
    assert isinstance(block.branches[3][0], torch.nn.MaxPool2d)


def test_googlenet_module_3a_counts_as_its_spec():
    """GoogLeNet's inception (3a) with the paper's 5×5, counted from layer specs by cost.count."""
    def cbn(cin, cout, k):
        return [ConvSpec(cin, cout, k, padding=k // 2, bias=False), BNSpec(cout)]

    spec = [BranchSpec((cbn(192, 64, 1), cbn(192, 96, 1) + cbn(96, 128, 3), cbn(192, 16, 1) + cbn(16, 32, 5),
                        [PoolSpec(3, 1, 1)] + cbn(192, 32, 1)), merge="concat")]
    params, macs = count(spec, image_size=28)
    block = Inception(192, 64, 96, 128, 16, 32, 32)
    assert numel(block) == params
    with torch.no_grad():
        assert flops(block.eval(), torch.zeros(1, 192, 28, 28)) == 2 * macs


@pytest.mark.parametrize("args, error", [((0, 1, 1, 1, 1, 1, 1), ValueError), ((4, 1, 1, 1.5, 1, 1, 1), TypeError),
                                         ((4, 1, 1, 1, 1, 1, 0), ValueError)])
def test_invalid_channels_raise(args, error):
    with pytest.raises(error, match="`(in_channels|ch3x3|pool_proj)`"):
        Inception(*args)


def test_options_are_keyword_only():
    with pytest.raises(TypeError, match="positional"):
        Inception(4, 1, 1, 1, 1, 1, 1, False)
    with pytest.raises(TypeError, match="`batch_norm`"):
        Inception(4, 1, 1, 1, 1, 1, 1, batch_norm=1)
