"""cnnlab.ops.shapes: every size formula against the shapes torch produces."""

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from cnnlab.ops.shapes import (
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    pool_output_size,
    resolve_padding,
    same_padding,
)

sizes = st.integers(1, 40)
kernels = st.integers(1, 7)
strides = st.integers(1, 4)
pads = st.integers(0, 4)
dilations = st.integers(1, 3)


def _eff(k, d):
    return k + (k - 1) * (d - 1)


def _torch_shape(op, *args, **kwargs):
    """The output shape of a torch op, or None when torch rejects the configuration."""
    try:
        return tuple(op(*args, **kwargs).shape[2:])
    except RuntimeError:
        return None


# --- conv_output_size -------------------------------------------------------------------


@given(n=sizes, k=kernels, s=strides, p=pads, d=dilations)
def test_conv_output_size_matches_conv1d(n, k, s, p, d):
    expected = _torch_shape(F.conv1d, torch.zeros(1, 1, n), torch.zeros(1, 1, k),
                            stride=s, padding=p, dilation=d)
    if expected is None:
        with pytest.raises(ValueError, match="larger than the padded input"):
            conv_output_size(n, k, s, p, d)
    else:
        assert conv_output_size(n, k, s, p, d) == expected[0]


@given(n=st.tuples(sizes, sizes), k=st.tuples(kernels, kernels), s=st.tuples(strides, strides),
       p=st.tuples(pads, pads), d=st.tuples(dilations, dilations))
def test_conv_output_size_matches_conv2d(n, k, s, p, d):
    expected = _torch_shape(F.conv2d, torch.zeros(1, 1, *n), torch.zeros(1, 1, *k),
                            stride=s, padding=p, dilation=d)
    if expected is None:
        with pytest.raises(ValueError, match="`size`"):
            conv_output_size(n, k, s, p, d)
    else:
        assert conv_output_size(n, k, s, p, d) == expected
        assert conv_output_size(list(n), list(k), s, p, d) == expected


@given(n=sizes, k=kernels, s=strides, before=pads, after=pads, d=dilations)
def test_asymmetric_padding_matches_pad_then_conv(n, k, s, before, after, d):
    x = F.pad(torch.zeros(1, 1, n), (before, after))
    expected = _torch_shape(F.conv1d, x, torch.zeros(1, 1, k), stride=s, dilation=d)
    if expected is None:
        with pytest.raises(ValueError):
            conv_output_size(n, k, s, (before, after), d)
    else:
        assert conv_output_size(n, k, s, (before, after), d) == expected[0]
        assert conv_output_size((n, n), k, s, ((before, after), (before, after)), d) == expected * 2


@given(n=sizes, k=kernels, s=strides, d=dilations)
def test_valid_and_full_padding(n, k, s, d):
    e = _eff(k, d)
    full = _torch_shape(F.conv1d, torch.zeros(1, 1, n), torch.zeros(1, 1, k),
                        stride=s, padding=e - 1, dilation=d)
    assert conv_output_size(n, k, s, "full", d) == full[0]
    if n >= e:
        assert conv_output_size(n, k, s, "valid", d) == conv_output_size(n, k, s, 0, d)
    else:
        with pytest.raises(ValueError):
            conv_output_size(n, k, s, "valid", d)


@given(n=sizes, k=kernels, s=strides, d=dilations)
def test_same_padding_follows_keras(n, k, s, d):
    before, after = same_padding(n, k, s, d)
    assert 0 <= after - before <= 1  # the odd pixel goes after
    assert conv_output_size(n, k, s, "same", d) == math.ceil(n / s)
    x = F.pad(torch.zeros(1, 1, n), (before, after))
    out = F.conv1d(x, torch.zeros(1, 1, k), stride=s, dilation=d)
    assert out.shape[-1] == math.ceil(n / s)
    total = max((math.ceil(n / s) - 1) * s + _eff(k, d) - n, 0)
    assert (before, after) == (total // 2, total - total // 2)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@given(n=st.tuples(st.integers(1, 12), st.integers(1, 12)),
       k=st.tuples(st.integers(1, 5), st.integers(1, 5)), d=st.tuples(dilations, dilations),
       seed=st.integers(0, 2**16))
def test_same_padding_matches_torch_same_values(n, k, d, seed):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(1, 2, *n, generator=gen, dtype=torch.float64)
    w = torch.randn(3, 2, *k, generator=gen, dtype=torch.float64)
    expected = F.conv2d(x, w, padding="same", dilation=d)
    (top, bottom), (left, right) = same_padding(n, k, dilation=d)
    ours = F.conv2d(F.pad(x, (left, right, top, bottom)), w, dilation=d)
    torch.testing.assert_close(ours, expected)
    assert conv_output_size(n, k, 1, "same", d) == n


def test_int_size_gives_int_and_tuple_gives_tuple():
    assert isinstance(conv_output_size(10, 3), int)
    assert conv_output_size((10,), 3) == (8,)
    assert same_padding(10, 3) == (1, 1)
    assert same_padding((10,), 3) == ((1, 1),)


# --- pooling and transposed convolution -------------------------------------------------


@given(n=st.tuples(sizes, sizes), k=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       s=st.one_of(st.none(), st.tuples(strides, strides)), p=st.tuples(pads, pads),
       d=st.tuples(dilations, dilations), ceil_mode=st.booleans())
def test_pool_output_size_matches_max_pool2d(n, k, s, p, d, ceil_mode):
    p = tuple(min(pp, kk // 2) for pp, kk in zip(p, k))
    expected = _torch_shape(F.max_pool2d, torch.zeros(1, 1, *n), k, stride=s, padding=p,
                            dilation=d, ceil_mode=ceil_mode)
    if expected is None:
        with pytest.raises(ValueError):
            pool_output_size(n, k, s, p, d, ceil_mode)
    else:
        assert pool_output_size(n, k, s, p, d, ceil_mode) == expected


@given(n=sizes, k=st.integers(1, 5), p=pads)
def test_pool_padding_over_half_kernel_raises_like_torch(n, k, p):
    if p > k // 2:
        with pytest.raises(RuntimeError):
            F.max_pool1d(torch.zeros(1, 1, n), k, padding=p)
        with pytest.raises(ValueError, match="`padding` must be at most half"):
            pool_output_size(n, k, padding=p)


@given(n=st.tuples(st.integers(1, 12), st.integers(1, 12)), k=st.tuples(kernels, kernels),
       s=st.tuples(strides, strides), p=st.tuples(pads, pads), op=st.tuples(pads, pads),
       d=st.tuples(dilations, dilations))
def test_conv_transpose_output_size_matches_torch(n, k, s, p, op, d):
    expected = _torch_shape(F.conv_transpose2d, torch.zeros(1, 1, *n), torch.zeros(1, 1, *k),
                            stride=s, padding=p, output_padding=op, dilation=d)
    # torch may return an empty (size 0) output here instead of raising; we raise for any size < 1
    if expected is None or 0 in expected:
        with pytest.raises(ValueError):
            conv_transpose_output_size(n, k, s, p, op, d)
    else:
        assert conv_transpose_output_size(n, k, s, p, op, d) == expected


@given(n=sizes, k=kernels, s=strides, p=pads, d=dilations)
def test_effective_kernel_size_is_the_undilated_equivalent(n, k, s, p, d):
    e = effective_kernel_size(k, d)
    assert e == _eff(k, d)
    if n + 2 * p >= e:
        assert conv_output_size(n, k, s, p, d) == conv_output_size(n, e, s, p)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: conv_output_size(10, 3, stride=0), ValueError, "`stride` must be an int >= 1, got 0"),
        (lambda: conv_output_size(10, 3, stride=-1), ValueError, "`stride`.*-1"),
        (lambda: conv_output_size(10, 3, dilation=0), ValueError, "`dilation`.*got 0"),
        (lambda: conv_output_size(0, 3), ValueError, "`size`.*got 0"),
        (lambda: conv_output_size(10, 0), ValueError, "`kernel_size`.*got 0"),
        (lambda: conv_output_size(10, 3, padding=-1), ValueError, "`padding`.*got -1"),
        (lambda: conv_output_size(10, 3.0), TypeError, "`kernel_size`.*3.0"),
        (lambda: conv_output_size(10, 3, padding="half"), ValueError, "`padding`.*'half'"),
        (lambda: conv_output_size(4, 7), ValueError, r"`kernel_size`=7 with `dilation`=1 .*`size`=4 \+ `padding`=0"),
        (lambda: conv_output_size(4, 3, dilation=2), ValueError, r"`dilation`=2 \(effective size 5\)"),
        (lambda: conv_output_size((9, 4), 3, dilation=(1, 2)), ValueError, "in dimension 1"),
        (lambda: pool_output_size(2, 3, padding=1, dilation=2), ValueError, "`kernel_size`=3"),
        (lambda: conv_output_size((10, 10), (3, 3, 3)), ValueError, "`kernel_size`.*2 ints"),
        (lambda: conv_output_size((10, 10), 3, padding=(1, 1, 1)), ValueError, "`padding`"),
        (lambda: conv_output_size(10, 3, padding=((1, 2, 3),)), ValueError, "`padding` pairs"),
        (lambda: conv_output_size((), 3), ValueError, "`size`"),
        (lambda: same_padding(10, 3, stride=0), ValueError, "`stride`"),
        (lambda: pool_output_size(10, 2, ceil_mode=1), TypeError, "`ceil_mode`"),
        (lambda: pool_output_size(10, 3, padding=2), ValueError, "`padding`.*padding=2"),
        (lambda: conv_transpose_output_size(5, 3, output_padding=1), ValueError,
         "`output_padding`.*output_padding=1"),
        (lambda: conv_transpose_output_size(1, 1, padding=1), ValueError, "`padding`=1"),
        (lambda: effective_kernel_size(3, 0), ValueError, "`dilation`"),
    ],
)
def test_invalid_arguments_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
