"""cnnlab.ops.loops: the textbook formula against torch, and correlation against convolution."""

import numpy as np
import pytest
import scipy.signal
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from cnnlab.ops.loops import conv2d_loops, convolve2d, correlate2d
from tests.ops.conv_cases import conv_configs, make, reference

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@given(config=conv_configs(max_size=4, max_batch=1, max_per_group=1))  # Python loops: tiny only
def test_conv2d_loops_matches_torch(config):
    x, w, b = make(config, "cpu")
    ours = conv2d_loops(x.numpy(), w.numpy(), None if b is None else b.numpy(),
                        padding_mode=config["padding_mode"], **config["kwargs"])
    assert isinstance(ours, np.ndarray)
    assert_close(torch.from_numpy(ours), reference(2, x, w, b, config["kwargs"], config["padding_mode"]))


@given(config=conv_configs(max_size=3, max_batch=1, max_per_group=1))
def test_conv2d_loops_takes_tensors_and_keeps_their_gradients(config):
    """Tensors in, a tensor out (not a detached array), differentiable like cnnlab.conv2d."""
    x, w, b = make(config, "cpu", requires_grad=True)
    ours = conv2d_loops(x, w, b, padding_mode=config["padding_mode"], **config["kwargs"])
    theirs = reference(2, x, w, b, config["kwargs"], config["padding_mode"])
    assert isinstance(ours, torch.Tensor) and ours.requires_grad
    assert_close(ours, theirs)
    inputs = [t for t in (x, w, b) if t is not None]
    grad_out = torch.randn_like(theirs)
    for g_ours, g_theirs in zip(torch.autograd.grad(ours, inputs, grad_out),
                                torch.autograd.grad(theirs, inputs, grad_out)):
        assert_close(g_ours, g_theirs)


@given(
    shape=st.tuples(st.integers(1, 8), st.integers(1, 8)),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    mode=st.sampled_from(["valid", "same", "full"]),
    use_torch=st.booleans(),
)
def test_correlate2d_and_convolve2d_match_scipy(shape, kernel, mode, use_torch):
    rng = np.random.default_rng(0)
    kernel = tuple(min(k, n) for k, n in zip(kernel, shape))
    image, k = rng.normal(size=shape), rng.normal(size=kernel)
    for ours, theirs in ((correlate2d, scipy.signal.correlate2d), (convolve2d, scipy.signal.convolve2d)):
        got = ours(torch.from_numpy(image), torch.from_numpy(k), mode) if use_torch else ours(image, k, mode)
        assert isinstance(got, torch.Tensor if use_torch else np.ndarray)
        assert_close(torch.as_tensor(got), torch.from_numpy(theirs(image, k, mode)))


def test_convolve2d_is_correlate2d_with_the_kernel_flipped():
    image, kernel = np.random.default_rng(1).normal(size=(6, 7)), np.arange(6.0).reshape(2, 3)
    assert_close(convolve2d(image, kernel, "full"), correlate2d(image, kernel[::-1, ::-1], "full"))


def test_correlate2d_rejects_a_bad_mode_and_shapes():
    with pytest.raises(ValueError, match=r"`mode` must be one of 'valid', 'same', 'full', got 'wide'"):
        correlate2d(np.zeros((3, 3)), np.zeros((2, 2)), "wide")
    with pytest.raises(ValueError, match=r"`image` must have 2 dimensions"):
        correlate2d(np.zeros((1, 3, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"`kernel` of shape \(4, 4\) is larger than `image` \(3, 3\)"):
        correlate2d(np.zeros((3, 3)), np.zeros((4, 4)))
