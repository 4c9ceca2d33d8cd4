"""cnnlab.nets.equivariant: p4 convolutions are exactly equivariant to 90° rotations (float64)."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn import functional as F

from cnnlab.cost.counting import conv_macs, conv_params
from cnnlab.nets.equivariant import (P4CNN, P4GroupConv2d, P4LiftingConv2d, p4_group_conv2d, p4_lifting_conv2d,
                                     rotate_p4)
from tests.counts import flops, numel
from tests.nets.block_cases import FEW

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py
f64 = {"dtype": torch.float64}


def rot(x, k=1):
    return torch.rot90(x, k, dims=(-2, -1))


def lifting_by_loops(x, w, b, padding):
    """out[:, o, r] = conv2d(x, rot90(w[o], r)): one conv2d per output channel and rotation."""
    maps = [[F.conv2d(x, rot(w[o:o + 1], r), padding=padding)[:, 0] + (0 if b is None else b[o]) for r in range(4)]
            for o in range(len(w))]
    return torch.stack([torch.stack(m, dim=1) for m in maps], dim=1)


def group_by_loops(x, w, b, padding):
    """out[:, o, r] = sum over c, s of conv2d(x[:, c, s], rot90(w[o, c, (s - r) % 4], r))."""
    out = []
    for o in range(w.shape[0]):
        per_r = []
        for r in range(4):
            total = sum(F.conv2d(x[:, c:c + 1, s], rot(w[o, c, (s - r) % 4], r)[None, None], padding=padding)[:, 0]
                        for c in range(w.shape[1]) for s in range(4))
            per_r.append(total + (0 if b is None else b[o]))
        out.append(torch.stack(per_r, dim=1))
    return torch.stack(out, dim=1)


cases = dict(n=st.integers(1, 2), cin=st.integers(1, 3), cout=st.integers(1, 3), k=st.sampled_from([1, 2, 3, 5]),
             size=st.integers(5, 9), padding=st.integers(0, 2), bias=st.booleans(), seed=st.integers(0, 2**16))


@FEW
@given(**cases)
def test_lifting_matches_the_definition_and_rotates_with_its_input(n, cin, cout, k, size, padding, bias, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, cin, size, size, generator=g, **f64)
    w = torch.randn(cout, cin, k, k, generator=g, **f64)
    b = torch.randn(cout, generator=g, **f64) if bias else None
    y = p4_lifting_conv2d(x, w, b, padding)
    torch.testing.assert_close(y, lifting_by_loops(x, w, b, padding))
    for turns in (1, 2, 3):
        torch.testing.assert_close(p4_lifting_conv2d(rot(x, turns), w, b, padding), rotate_p4(y, turns))


@FEW
@given(**cases)
def test_group_conv_matches_the_definition_and_is_equivariant(n, cin, cout, k, size, padding, bias, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, cin, 4, size, size, generator=g, **f64)
    w = torch.randn(cout, cin, 4, k, k, generator=g, **f64)
    b = torch.randn(cout, generator=g, **f64) if bias else None
    y = p4_group_conv2d(x, w, b, padding)
    torch.testing.assert_close(y, group_by_loops(x, w, b, padding))
    for turns in (1, 2, 3):
        torch.testing.assert_close(p4_group_conv2d(rotate_p4(x, turns), w, b, padding), rotate_p4(y, turns))


def test_an_ordinary_convolution_is_not_equivariant():
    """The control: the lifting layer's first map alone is a plain conv2d, which does not rotate."""
    g = torch.Generator().manual_seed(0)
    x, w = torch.randn(1, 1, 7, 7, generator=g, **f64), torch.randn(1, 1, 3, 3, generator=g, **f64)
    assert not torch.allclose(F.conv2d(rot(x), w), rot(F.conv2d(x, w)))


def test_rotate_p4_is_a_rotation_of_order_four():
    x = torch.randn(2, 3, 4, 5, 5, **f64)
    torch.testing.assert_close(rotate_p4(rotate_p4(x, 1), 3), x)
    torch.testing.assert_close(rotate_p4(x, 4), x)
    torch.testing.assert_close(rotate_p4(rotate_p4(x), 1), rotate_p4(x, 2))
    torch.testing.assert_close(rotate_p4(x, -1), rotate_p4(x, 3))
    assert torch.equal(rotate_p4(x)[:, :, 1], rot(x[:, :, 0]))  # map 1 of the turned input is map 0 turned


def test_layers_count_parameters_and_macs():
    lift, group = P4LiftingConv2d(3, 8, 3, padding=1), P4GroupConv2d(8, 4, 3, padding=1, bias=False)
    assert numel(lift) == conv_params(3, 8, 3) == 8 * 3 * 9 + 8
    assert numel(group) == conv_params(8 * 4, 4, 3, bias=False) == 4 * 8 * 4 * 9
    with torch.no_grad():
        assert flops(lift, torch.zeros(1, 3, 10, 10)) == 2 * 4 * conv_macs(3, 8, 3, 10)
        assert flops(group, torch.zeros(1, 8, 4, 10, 10)) == 2 * 4 * conv_macs(32, 4, 3, 10)
    assert lift(torch.zeros(2, 3, 10, 10)).shape == (2, 8, 4, 10, 10)


def test_p4cnn_scores_do_not_change_when_the_image_turns():
    torch.manual_seed(0)
    net = P4CNN(1, 10, width=4, dtype=torch.float64).eval()
    x = torch.randn(3, 1, 28, 28, **f64)
    with torch.no_grad():
        scores = net(x)
        for turns in (1, 2, 3):
            torch.testing.assert_close(net(rot(x, turns)), scores)
    assert scores.shape == (3, 10)


def test_invalid_arguments_raise():
    x = torch.randn(1, 2, 6, 6)
    with pytest.raises(ValueError, match="`weight` must have square kernels"):
        p4_lifting_conv2d(x, torch.randn(3, 2, 3, 2))
    with pytest.raises(ValueError, match="`input` must have 4 dimensions"):
        p4_lifting_conv2d(x[0], torch.randn(3, 2, 3, 3))
    with pytest.raises(ValueError, match="rotation axis of 4"):
        p4_group_conv2d(torch.randn(1, 2, 3, 6, 6), torch.randn(3, 2, 4, 3, 3))
    with pytest.raises(ValueError, match="`bias`"):
        p4_lifting_conv2d(x, torch.randn(3, 2, 3, 3), torch.randn(2))
    with pytest.raises(ValueError, match="`padding`"):
        p4_lifting_conv2d(x, torch.randn(3, 2, 3, 3), padding=-1)
    with pytest.raises(ValueError, match=r"`input` must have shape \(N, C, 4, H, W\)"):
        rotate_p4(x)
    with pytest.raises(TypeError, match="`k`"):
        rotate_p4(torch.zeros(1, 1, 4, 2, 2), 1.0)
    with pytest.raises(TypeError, match="positional"):
        P4LiftingConv2d(1, 2, 3, 1)
