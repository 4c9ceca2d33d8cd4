"""Shared by the tests of the three convolutions: valid configurations and torch's answer."""

import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from cnnlab.ops.padding import PADDING_MODES

# The `device` fixture only names a device: nothing to reset between examples.
device_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


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
