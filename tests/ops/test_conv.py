"""cnnlab.ops.conv (im2col convolutions, the transposed convolution, Conv2d) against torch (float64)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from cnnlab.ops.conv import Conv2d, conv1d, conv2d, conv3d, conv_transpose2d
from cnnlab.ops.shapes import conv_transpose_output_size
from tests.ops.conv_cases import conv_configs, device_ok, make, reference

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


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


@st.composite
def transpose_configs(draw):
    """Arguments F.conv_transpose2d accepts: output_padding below stride or dilation."""
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    op = tuple(draw(st.integers(0, max(ss, dd) - 1)) for ss, dd in zip(s, d))
    n = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    full = [dd * (kk - 1) for kk, dd in zip(k, d)]
    p = tuple(draw(st.integers(0, 3)) for _ in range(2))
    # the output must have at least one pixel
    p = tuple(min(pp, ((nn - 1) * ss + ff + oo) // 2) for pp, nn, ss, ff, oo in zip(p, n, s, full, op))
    return dict(shape=(draw(st.integers(1, 2)), c_in, *n), weight=(c_in, c_out // groups, *k),
                kwargs=dict(stride=s, padding=p, output_padding=op, groups=groups, dilation=d),
                bias=draw(st.booleans()))


@device_ok
@given(config=transpose_configs())
def test_conv_transpose2d_matches_torch_values_gradients_and_sizes(config, device):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(config["shape"], generator=g, dtype=torch.float64).to(device).requires_grad_()
    w = torch.randn(config["weight"], generator=g, dtype=torch.float64).to(device).requires_grad_()
    c_out = config["weight"][1] * config["kwargs"]["groups"]
    b = torch.randn(c_out, dtype=torch.float64, generator=g).to(device).requires_grad_() if config["bias"] else None
    ours = conv_transpose2d(x, w, b, **config["kwargs"])
    theirs = F.conv_transpose2d(x, w, b, **config["kwargs"])
    assert_close(ours, theirs)
    kw = config["kwargs"]
    assert tuple(ours.shape[2:]) == conv_transpose_output_size(
        tuple(x.shape[2:]), tuple(w.shape[2:]), kw["stride"], kw["padding"], kw["output_padding"], kw["dilation"])
    inputs = [t for t in (x, w, b) if t is not None]
    grad_out = torch.randn_like(theirs)
    for g_ours, g_theirs in zip(torch.autograd.grad(ours, inputs, grad_out),
                                torch.autograd.grad(theirs, inputs, grad_out)):
        assert_close(g_ours, g_theirs)


def test_conv_transpose2d_is_the_gradient_of_conv2d_with_respect_to_its_input():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 9, 8, dtype=torch.float64, generator=g, requires_grad=True)
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64, generator=g)
    y = conv2d(x, w, stride=2, padding=1)
    grad_y = torch.randn(y.shape, dtype=torch.float64, generator=g)
    (grad_x,) = torch.autograd.grad(y, x, grad_y)
    # 9 = (5 - 1) * 2 - 2 + 3 + 0 and 8 = (4 - 1) * 2 - 2 + 3 + 1: output_padding picks the size
    assert_close(conv_transpose2d(grad_y, w, stride=2, padding=1, output_padding=(0, 1)), grad_x)


@pytest.mark.parametrize("kwargs, match", [
    (dict(output_padding=2, stride=2), "`output_padding` must be smaller than `stride` or `dilation`"),
    (dict(groups=2), "divisible by `groups`=2"),
    (dict(stride=0), "`stride` must be an int >= 1"),
])
def test_conv_transpose2d_rejects_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        conv_transpose2d(torch.zeros(1, 3, 4, 4), torch.zeros(3, 2, 3, 3), **kwargs)
