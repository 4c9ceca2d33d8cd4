"""cnnlab.conv, cnnlab.functional and cnnlab.fft against torch.nn.functional (float64)."""

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from cnnlab.conv import Conv2d, conv1d, conv2d, conv3d
from cnnlab.fft import conv2d_fft
from cnnlab.functional import PADDING_MODES, conv2d_loops, convolve2d, correlate2d

# The `device` fixture only names a device: nothing to reset between examples.
device_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@st.composite
def conv_configs(draw, nd=2, max_size=7, max_batch=2, max_per_group=2):
    """A valid convolution: shapes and arguments that torch accepts.

    Small sizes on purpose: every code path (groups, strides, dilation, padding modes, borders)
    shows up on tiny tensors, and the thorough profile draws 10,000 of them per property.
    """
    groups = draw(st.integers(1, 3))
    channels = groups * draw(st.integers(1, max_per_group))
    out_channels = groups * draw(st.integers(1, max_per_group))
    mode = draw(st.sampled_from(PADDING_MODES))
    kernel, stride, dilation, padding, size = [], [], [], [], []
    for _ in range(nd):
        k, d = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        n = draw(st.integers(1, max_size))
        limit = n - 1 if mode == "reflect" else n  # reflect needs padding < size
        p = draw(st.integers(0, min(3, limit)))
        if d * (k - 1) + 1 > n + 2 * p:  # the kernel must fit: shrink the dilation, then the kernel
            d = 1
            k = min(k, n + 2 * p)
        kernel.append(k), stride.append(draw(st.integers(1, 3))), dilation.append(d)
        padding.append(p), size.append(n)
    # 'same' pads d·(k-1) in all, the larger half after: circular allows at most the input size
    same_fits = all(d * (k - 1) - d * (k - 1) // 2 <= n for k, d, n in zip(kernel, dilation, size))
    if mode != "reflect" and (mode != "circular" or same_fits) and draw(st.booleans()):
        padding, stride = "same", [1] * nd
    return {
        "shape": (draw(st.integers(1, max_batch)), channels, *size),
        "weight": (out_channels, channels // groups, *kernel),
        "bias": draw(st.booleans()),
        "kwargs": dict(stride=tuple(stride), padding=padding if padding == "same" else tuple(padding),
                       dilation=tuple(dilation), groups=groups),
        "padding_mode": mode,
    }


def make(config, device, seed=0, requires_grad=False):
    """Random float64 input, weight and bias for `config`."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(config["shape"], generator=g, dtype=torch.float64).to(device)
    w = torch.randn(config["weight"], generator=g, dtype=torch.float64).to(device)
    b = torch.randn(config["weight"][0], generator=g, dtype=torch.float64).to(device) if config["bias"] else None
    for t in (x, w, b):
        if t is not None:
            t.requires_grad_(requires_grad)
    return x, w, b


def reference(nd, x, w, b, kwargs, mode):
    """torch's answer, the padding applied with F.pad as nn.ConvNd does for padding modes."""
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
    kwargs = dict(kwargs)
    padding = kwargs.pop("padding")
    if padding == "same":  # torch puts the odd one after (and warns about it: avoid the warning)
        total = [d * (k - 1) for k, d in zip(w.shape[2:], kwargs["dilation"])]
        pads = [(t // 2, t - t // 2) for t in total]
    else:
        pads = [(p, p) for p in padding]
    flat = [v for before, after in reversed(pads) for v in (before, after)]
    x = F.pad(x, flat, mode="constant" if mode == "zeros" else mode)
    return conv(x, w, b, padding=0, **kwargs)


@device_ok
@given(config=conv_configs())
def test_conv2d_values_and_gradients_match_torch(config, device):
    x, w, b = make(config, device, requires_grad=True)
    ours = conv2d(x, w, b, padding_mode=config["padding_mode"], **config["kwargs"])
    theirs = reference(2, x, w, b, config["kwargs"], config["padding_mode"])
    assert_close(ours, theirs)
    grad_out = torch.randn_like(theirs)
    inputs = [t for t in (x, w, b) if t is not None]
    for g_ours, g_theirs in zip(torch.autograd.grad(ours, inputs, grad_out),
                                torch.autograd.grad(theirs, inputs, grad_out)):
        assert_close(g_ours, g_theirs)


@given(config=conv_configs())
def test_numpy_path_matches_torch_path(config):
    x, w, b = make(config, "cpu")
    kwargs = dict(padding_mode=config["padding_mode"], **config["kwargs"])
    out_numpy = conv2d(x.numpy(), w.numpy(), None if b is None else b.numpy(), **kwargs)
    assert isinstance(out_numpy, np.ndarray)
    assert_close(torch.from_numpy(out_numpy), conv2d(x, w, b, **kwargs))


@given(config=conv_configs(max_size=4, max_batch=1, max_per_group=1))  # Python loops: tiny only
def test_conv2d_loops_matches_torch(config):
    x, w, b = make(config, "cpu")
    ours = conv2d_loops(x.numpy(), w.numpy(), None if b is None else b.numpy(),
                        padding_mode=config["padding_mode"], **config["kwargs"])
    assert_close(torch.from_numpy(ours), reference(2, x, w, b, config["kwargs"], config["padding_mode"]))


@device_ok
@given(config=conv_configs())
def test_conv2d_fft_matches_torch(config, device):
    x, w, b = make(config, device)
    ours = conv2d_fft(x, w, b, padding_mode=config["padding_mode"], **config["kwargs"])
    assert_close(ours, reference(2, x, w, b, config["kwargs"], config["padding_mode"]))


@device_ok
@given(config=conv_configs(nd=1))
def test_conv1d_matches_torch(config, device):
    x, w, b = make(config, device)
    ours = conv1d(x, w, b, padding_mode=config["padding_mode"], **config["kwargs"])
    assert_close(ours, reference(1, x, w, b, config["kwargs"], config["padding_mode"]))


@device_ok
@given(config=conv_configs(nd=3, max_size=4, max_batch=1))
def test_conv3d_matches_torch(config, device):
    x, w, b = make(config, device)
    ours = conv3d(x, w, b, padding_mode=config["padding_mode"], **config["kwargs"])
    assert_close(ours, reference(3, x, w, b, config["kwargs"], config["padding_mode"]))


@device_ok
@given(config=conv_configs(), layout=st.sampled_from(["transposed", "sliced", "channels_last"]))
def test_non_contiguous_inputs_give_the_same_answer(config, layout, device):
    x, w, b = make(config, device)
    kwargs = dict(padding_mode=config["padding_mode"], **config["kwargs"])
    if layout == "transposed":  # same values, H and W strides swapped
        strided = x.transpose(2, 3).contiguous().transpose(2, 3)
    elif layout == "sliced":  # every other element of a bigger tensor
        strided = torch.zeros(*x.shape[:3], 2 * x.shape[3], dtype=x.dtype, device=device)[..., ::2]
        strided.copy_(x)
    else:
        strided = x.contiguous(memory_format=torch.channels_last)
    assert_close(strided, x)  # the same values, laid out differently
    assert_close(conv2d(strided, w, b, **kwargs), conv2d(x, w, b, **kwargs))


@device_ok
@given(config=conv_configs())
def test_channels_last_input_gives_channels_last_output_values_and_gradients(config, device):
    x, w, b = make(config, device, requires_grad=True)
    x = x.detach().contiguous(memory_format=torch.channels_last).requires_grad_()
    ours = conv2d(x, w, b, padding_mode=config["padding_mode"], **config["kwargs"])
    theirs = reference(2, x, w, b, config["kwargs"], config["padding_mode"])
    assert_close(ours, theirs)
    unambiguous = not x.is_contiguous() and ours.shape[1] > 1 and ours[0, 0].numel() > 1
    if config["padding_mode"] == "zeros" and unambiguous:
        # channels-last in, channels-last out, as torch (with 'reflect' etc. the padding is NCHW)
        assert ours.is_contiguous(memory_format=torch.channels_last)
    grad_out = torch.randn_like(theirs)
    inputs = [t for t in (x, w, b) if t is not None]
    for g_ours, g_theirs in zip(torch.autograd.grad(ours, inputs, grad_out),
                                torch.autograd.grad(theirs, inputs, grad_out)):
        assert_close(g_ours, g_theirs)


@pytest.mark.parametrize("groups", [1, 2])
def test_a_large_image_matches_torch_in_both_memory_formats(groups):
    x, w = torch.randn(2, 4, 300, 40, dtype=torch.float64), torch.randn(6, 4 // groups, 3, 3, dtype=torch.float64)
    expected = F.conv2d(x, w, stride=(2, 1), padding=1, groups=groups)
    assert conv2d(x, w, stride=(2, 1), padding=1, groups=groups).is_contiguous()
    x_cl = x.contiguous(memory_format=torch.channels_last)
    out_cl = conv2d(x_cl, w, stride=(2, 1), padding=1, groups=groups)
    assert out_cl.is_contiguous(memory_format=torch.channels_last)
    assert_close(out_cl, expected)
    assert_close(conv2d(x, w, stride=(2, 1), padding=1, groups=groups), expected)


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


def test_conv2d_module_initialises_and_trains_like_torch():
    torch.manual_seed(0)
    ours = Conv2d(3, 8, 3, stride=2, padding=1, groups=1, dtype=torch.float64)
    torch.manual_seed(0)
    theirs = nn.Conv2d(3, 8, 3, stride=2, padding=1, dtype=torch.float64)
    assert_close(ours.weight, theirs.weight)
    assert_close(ours.bias, theirs.bias)
    x, target = torch.randn(4, 3, 9, 9, dtype=torch.float64), torch.randn(4, 8, 5, 5, dtype=torch.float64)
    optimizers = [torch.optim.SGD(m.parameters(), lr=0.1) for m in (ours, theirs)]
    for _ in range(5):
        for model, optimizer in zip((ours, theirs), optimizers):
            optimizer.zero_grad()
            F.mse_loss(model(x), target).backward()
            optimizer.step()
    assert_close(ours.weight, theirs.weight)
    assert_close(ours(x), theirs(x))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(stride=0), ValueError, r"`stride` must be an int >= 1, got 0"),
        (dict(dilation=-1), ValueError, r"`dilation` must be an int >= 1, got -1"),
        (dict(stride=1.5), TypeError, r"`stride` must be an int >= 1, got 1.5"),
        (dict(groups=4), ValueError, r"`groups` must divide in_channels=6 and out_channels=4, got groups=4"),
        (dict(padding="same", stride=2), ValueError, r"`padding='same'` needs stride 1.*cnnlab.shapes.same_padding"),
        (dict(padding="half"), ValueError, r"`padding` must be 'valid', 'same'.*got 'half'"),
        (dict(padding=-1), ValueError, r"`padding` must be an int >= 0, got -1"),
        (dict(padding_mode="mirror"), ValueError, r"`padding_mode` must be one of 'zeros'.*got 'mirror'"),
        (dict(padding=5, padding_mode="reflect"), ValueError, r"padding_mode='reflect' must be < the input size 5"),
        (dict(dilation=3), ValueError, r"kernel of size \(3, 3\) \(dilated: \(7, 7\)\) is larger than the padded input \(5, 5\)"),
    ],
)
def test_invalid_arguments_raise_naming_them(kwargs, error, match):
    x, w = torch.zeros(1, 6, 5, 5), torch.zeros(4, 6, 3, 3)
    for f in (conv2d, conv2d_fft, conv2d_loops):
        inputs = (x.numpy(), w.numpy()) if f is conv2d_loops else (x, w)
        with pytest.raises(error, match=match):
            f(*inputs, **kwargs)


@pytest.mark.parametrize(
    "x, w, b, error, match",
    [
        (torch.zeros(6, 5), torch.zeros(4, 6, 3, 3), None, ValueError, r"`input` must have 4 dimensions.*got shape \(6, 5\)"),
        (torch.zeros(1, 6, 5, 5), torch.zeros(4, 6, 3), None, ValueError, r"`weight` must have 4 dimensions"),
        (torch.zeros(1, 6, 5, 5), torch.zeros(4, 6, 3, 3, dtype=torch.float64), None, TypeError, r"`weight` dtype torch.float64 does not match `input` dtype torch.float32"),
        (torch.zeros(1, 6, 5, 5), torch.zeros(4, 6, 3, 3), torch.zeros(3), ValueError, r"`bias` must have shape \(4,\), got \(3,\)"),
        (torch.zeros(1, 6, 5, 5), torch.zeros(4, 2, 3, 3), None, ValueError, r"`weight` must have in_channels/groups = 6"),
        (torch.zeros(1, 6, 5, 5, dtype=torch.int64), torch.zeros(4, 6, 3, 3), None, TypeError, r"`input` must have a floating-point dtype"),
        ([[1.0]], torch.zeros(4, 6, 3, 3), None, TypeError, r"`input` must be a torch.Tensor or a numpy.ndarray, got list"),
    ],
)
def test_invalid_tensors_raise_naming_them(x, w, b, error, match):
    with pytest.raises(error, match=match):
        conv2d(x, w, b)


def test_weight_on_another_device_raises(device):
    if device.type == "cpu":
        pytest.skip("needs a second device")
    with pytest.raises(ValueError, match=r"`weight` is on cpu but `input` is on cuda"):
        conv2d(torch.zeros(1, 1, 3, 3, device=device), torch.zeros(1, 1, 3, 3))


def test_correlate2d_rejects_a_bad_mode_and_shapes():
    with pytest.raises(ValueError, match=r"`mode` must be one of 'valid', 'same', 'full', got 'wide'"):
        correlate2d(np.zeros((3, 3)), np.zeros((2, 2)), "wide")
    with pytest.raises(ValueError, match=r"`image` must have 2 dimensions"):
        correlate2d(np.zeros((1, 3, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"`kernel` of shape \(4, 4\) is larger than `image` \(3, 3\)"):
        correlate2d(np.zeros((3, 3)), np.zeros((4, 4)))
