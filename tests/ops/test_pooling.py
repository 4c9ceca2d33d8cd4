"""cnnlab.ops.pooling against torch.nn.functional (float64)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from torch.testing import assert_close

from cnnlab.ops.pooling import (
    AvgPool2d,
    MaxPool2d,
    avg_pool2d,
    global_avg_pool2d,
    global_max_pool2d,
    lp_pool2d,
    max_pool2d,
)

# The `device` fixture only names a device: nothing to reset between examples.
device_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@st.composite
def pool_configs(draw, dilation=True, padding=True):
    """A valid pooling: torch's rules are padding <= kernel // 2 and at least one window."""
    kernel, stride, pad, dil, size = [], [], [], [], []
    for _ in range(2):
        k = draw(st.integers(1, 4))
        d = draw(st.integers(1, 2)) if dilation else 1
        p = draw(st.integers(0, k // 2)) if padding else 0
        smallest = max(1, d * (k - 1) + 1 - 2 * p)
        n = draw(st.integers(smallest, max(smallest, 6)))  # small: 10,000 draws in the thorough run
        kernel.append(k), dil.append(d), pad.append(p), size.append(n)
        stride.append(draw(st.integers(1, 3)))
    # torch 2.13's max_pool2d backward corrupts the heap ("free(): invalid size") when a dilated
    # window falls entirely in the padding, e.g. H=1, kernel 2, padding 1, dilation 2: skip those.
    for k, s, p, d, n in zip(kernel, stride, pad, dil, size):
        starts = range(-p, n + p - d * (k - 1), s)
        assume(all(any(0 <= i + j * d < n for j in range(k)) for i in starts))
    return {
        "shape": (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *size),
        "kernel_size": tuple(kernel),
        "stride": draw(st.sampled_from([None, tuple(stride)])),
        "padding": tuple(pad),
        "dilation": tuple(dil),
        "ceil_mode": draw(st.booleans()),
    }


def random_input(shape, device, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g, dtype=torch.float64).to(device).requires_grad_()


def check_values_and_gradients(ours, theirs, x):
    assert_close(ours, theirs)
    grad_out = torch.randn_like(theirs)
    assert_close(torch.autograd.grad(ours, x, grad_out)[0], torch.autograd.grad(theirs, x, grad_out)[0])


@device_ok
@given(config=pool_configs())
def test_max_pool2d_matches_torch(config, device):
    x = random_input(config.pop("shape"), device)
    check_values_and_gradients(max_pool2d(x, **config), F.max_pool2d(x, **config), x)


@device_ok
@given(config=pool_configs(dilation=False), count_include_pad=st.booleans())
def test_avg_pool2d_matches_torch(config, count_include_pad, device):
    x = random_input(config.pop("shape"), device)
    config.pop("dilation")
    ours = avg_pool2d(x, **config, count_include_pad=count_include_pad)
    check_values_and_gradients(ours, F.avg_pool2d(x, **config, count_include_pad=count_include_pad), x)


@device_ok
@given(config=pool_configs(dilation=False, padding=False),
       norm_type=st.sampled_from([1, 2, 3, 1.5, float("inf")]), positive=st.booleans())
def test_lp_pool2d_matches_torch(config, norm_type, positive, device):
    x = random_input(config.pop("shape"), device)
    if positive:  # non-integer powers of negative numbers are nan in both
        x = x.detach().abs().requires_grad_()
    for key in ("padding", "dilation"):
        config.pop(key)
    ours, theirs = lp_pool2d(x, norm_type, **config), F.lp_pool2d(x, norm_type, **config)
    assert_close(ours, theirs, equal_nan=True)
    if positive:  # the gradient of sqrt at an all-zero window is inf in both: only compare clean ones
        check_values_and_gradients(ours, theirs, x)


@device_ok
@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 6), st.integers(1, 6)))
def test_global_pools_match_adaptive_pools(shape, device):
    x = random_input(shape, device)
    check_values_and_gradients(global_avg_pool2d(x), F.adaptive_avg_pool2d(x, 1), x)
    check_values_and_gradients(global_max_pool2d(x), F.adaptive_max_pool2d(x, 1), x)


@given(config=pool_configs())
def test_numpy_in_numpy_out_and_non_contiguous_inputs(config):
    x = random_input(config.pop("shape"), "cpu").detach()
    expected = F.max_pool2d(x, **config)
    out = max_pool2d(x.numpy(), **config)
    assert isinstance(out, np.ndarray)
    assert_close(torch.from_numpy(out), expected)
    assert_close(max_pool2d(x.contiguous(memory_format=torch.channels_last), **config), expected)
    assert_close(max_pool2d(x.transpose(2, 3).contiguous().transpose(2, 3), **config), expected)


def test_unbatched_input_and_modules():
    x = torch.randn(3, 8, 8)
    assert_close(MaxPool2d(2, padding=1)(x), F.max_pool2d(x, 2, padding=1))
    assert_close(AvgPool2d(3, 2, ceil_mode=True)(x), F.avg_pool2d(x, 3, 2, ceil_mode=True))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: max_pool2d(x, 0), ValueError, r"`kernel_size` must be an int >= 1, got 0"),
        (lambda x: max_pool2d(x, 2, stride=0), ValueError, r"`stride` must be an int >= 1, got 0"),
        (lambda x: max_pool2d(x, 2, dilation=0), ValueError, r"`dilation` must be an int >= 1, got 0"),
        (lambda x: max_pool2d(x, 3, padding=2), ValueError, r"`padding` must be at most half of `kernel_size` \(p <= k // 2\), got padding=2 with kernel_size=3"),
        (lambda x: avg_pool2d(x, 6), ValueError, r"`kernel_size`=6 with `dilation`=1 \(effective size 6\) is larger than the padded input in dimension 0"),
        (lambda x: max_pool2d(x[0, 0], 2), ValueError, r"`input` must have 4 dimensions.*got shape \(5, 5\)"),
        (lambda x: max_pool2d(x.long(), 2), TypeError, r"`input` must have a floating-point dtype, got torch.int64"),
        (lambda x: max_pool2d(x, 2, ceil_mode=1), TypeError, r"`ceil_mode` must be True or False, got 1"),
        (lambda x: lp_pool2d(x, 0, 2), ValueError, r"`norm_type` must be a non-zero number.*got 0"),
        (lambda x: lp_pool2d(x, "2", 2), TypeError, r"`norm_type` must be a non-zero number.*got '2'"),
    ],
)
def test_invalid_arguments_raise_naming_them(call, error, match):
    with pytest.raises(error, match=match):
        call(torch.zeros(1, 1, 5, 5))


def test_lp_pool2d_clips_nothing_as_its_docstring_says():
    """A negative window sum stays negative for p = 1 (as torch), and L2 pooling sums, so it can pass the max."""
    x = torch.tensor([[[[-3.0, 1.0], [0.5, 0.5]]]], dtype=torch.float64)
    assert_close(lp_pool2d(x, 1, (1, 2)), F.lp_pool2d(x, 1, (1, 2)))
    assert float(lp_pool2d(x, 1, (1, 2))[0, 0, 0, 0]) == -2.0
    ones = torch.ones(1, 1, 2, 2, dtype=torch.float64)
    assert float(lp_pool2d(ones, 2, 2)) == pytest.approx(2.0)  # sqrt(4) · RMS 1 > max 1
