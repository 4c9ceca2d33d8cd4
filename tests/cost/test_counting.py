"""cnnlab.cost.counting: every formula against torch modules and FlopCounterMode."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from cnnlab.cost.counting import (
    conv_macs,
    conv_params,
    conv_transpose_macs,
    dense_macs,
    dense_params,
    depthwise_macs,
    depthwise_params,
    inverted_residual_macs,
    inverted_residual_params,
    pointwise_macs,
    pointwise_params,
    pool_macs,
    separable_cost_ratio,
    separable_macs,
    separable_params,
)
from cnnlab.nets.mobile import InvertedResidual
from cnnlab.ops.shapes import conv_output_size, conv_transpose_output_size, pool_output_size
from tests.counts import flops as _flops
from tests.counts import numel as _numel

META = torch.device("meta")  # shapes and counts only: no memory, no arithmetic




@st.composite
def convs(draw):
    groups = draw(st.integers(1, 4))
    return dict(
        in_channels=groups * draw(st.integers(1, 6)),
        out_channels=groups * draw(st.integers(1, 6)),
        kernel_size=(draw(st.integers(1, 5)), draw(st.integers(1, 5))),
        stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
        padding=(draw(st.integers(0, 2)), draw(st.integers(0, 2))),
        groups=groups,
        bias=draw(st.booleans()),
    )


@given(st.integers(1, 300), st.integers(1, 300), st.booleans())
def test_dense_counts_match_linear(in_features, out_features, bias):
    layer = nn.Linear(in_features, out_features, bias=bias, device=META)
    assert dense_params(in_features, out_features, bias) == _numel(layer)
    flops = _flops(layer, torch.empty(1, in_features, device=META))
    assert 2 * dense_macs(in_features, out_features) == flops


@given(convs(), st.integers(5, 20), st.integers(5, 20))
def test_conv_counts_match_conv2d(cfg, h, w):
    layer = nn.Conv2d(**cfg, device=META)
    assert conv_params(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"],
                       cfg["groups"], cfg["bias"]) == _numel(layer)
    x = torch.empty(1, cfg["in_channels"], h, w, device=META)
    out = conv_output_size((h, w), cfg["kernel_size"], cfg["stride"], cfg["padding"])
    macs = conv_macs(cfg["in_channels"], cfg["out_channels"], cfg["kernel_size"], out,
                     groups=cfg["groups"])
    assert 2 * macs == _flops(layer, x)


@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 5), st.integers(3, 20),
       st.booleans())
def test_separable_counts_match_depthwise_then_pointwise(cin, cout, k, n, bias):
    depthwise = nn.Conv2d(cin, cin, k, groups=cin, bias=bias, device=META)
    pointwise = nn.Conv2d(cin, cout, 1, bias=bias, device=META)
    block = nn.Sequential(depthwise, pointwise)
    assert depthwise_params(cin, k, bias) == _numel(depthwise)
    assert pointwise_params(cin, cout, bias) == _numel(pointwise)
    assert separable_params(cin, cout, k, bias) == _numel(block)
    if n >= k:
        x = torch.empty(1, cin, n, n, device=META)
        out = conv_output_size(n, k)
        assert 2 * depthwise_macs(cin, k, out) == _flops(depthwise, x)
        assert 2 * pointwise_macs(cin, cout, out) == _flops(pointwise, torch.empty(1, cin, out, out, device=META))
        assert 2 * separable_macs(cin, cout, k, out) == _flops(block, x)


@given(st.integers(1, 512), st.integers(1, 512), st.integers(1, 7), st.integers(1, 7),
       st.integers(1, 64))
def test_separable_cost_ratio(cin, cout, kh, kw, n):
    ratio = separable_cost_ratio(cout, (kh, kw))
    assert ratio == pytest.approx(1 / cout + 1 / (kh * kw), rel=1e-12)
    macs = separable_macs(cin, cout, (kh, kw), n) / conv_macs(cin, cout, (kh, kw), n)
    assert macs == pytest.approx(ratio, rel=1e-12)
    params = separable_params(cin, cout, (kh, kw), bias=False)
    assert params / conv_params(cin, cout, (kh, kw), bias=False) == pytest.approx(ratio, rel=1e-12)


@given(st.integers(1, 8), st.integers(1, 4), st.integers(1, 4), st.integers(4, 20))
def test_pool_macs_counts_window_reads(channels, k, s, n):
    """Against the windows torch reads: F.unfold lays out every value of every window once."""
    out = pool_output_size(n, k, s)
    layer = nn.MaxPool2d(k, s)
    assert tuple(layer(torch.empty(1, channels, n, n, device=META)).shape[2:]) == (out, out)
    reads = torch.nn.functional.unfold(torch.empty(1, channels, n, n, device=META), k, stride=s).numel()
    assert pool_macs(channels, k, out) == reads
    volume = torch.empty(1, channels, n, n, n, device=META)
    reads3 = volume.unfold(2, k, s).unfold(3, k, s).unfold(4, k, s).numel()
    assert pool_macs(channels, (k, k, k), (out, out, out)) == reads3


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.integers(3, 12))
def test_conv_macs_other_dimensions(groups, mult, k, n):
    cin, cout = groups * mult, groups * 2
    conv1d = nn.Conv1d(cin, cout, k, groups=groups, device=META)
    conv3d = nn.Conv3d(cin, cout, k, groups=groups, device=META)
    if n >= k:
        out = n - k + 1
        flops1 = _flops(conv1d, torch.empty(1, cin, n, device=META))
        flops3 = _flops(conv3d, torch.empty(1, cin, n, n, n, device=META))
        assert 2 * conv_macs(cin, cout, (k,), (out,), groups) == flops1
        assert 2 * conv_macs(cin, cout, (k, k, k), out, groups) == flops3


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(1, 6))
def test_conv_transpose_macs_match_flop_counter(groups, mult, k, s, n):
    cin, cout = groups * mult, groups * 2
    layer = nn.ConvTranspose2d(cin, cout, k, stride=s, groups=groups, device=META)
    x = torch.empty(1, cin, n, n, device=META)
    assert tuple(layer(x).shape[2:]) == (conv_transpose_output_size(n, k, s),) * 2
    assert 2 * conv_transpose_macs(cin, cout, k, n, groups) == _flops(layer, x)


@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 6), st.integers(2, 10))
def test_inverted_residual_counts_match_the_block(cin, cout, t, n):
    block = InvertedResidual(cin, cout, expand_ratio=t, device=META)
    weights = sum(m.weight.numel() for m in block.modules() if isinstance(m, nn.Conv2d))
    assert inverted_residual_params(cin, cout, 3, t) == weights
    assert 2 * inverted_residual_macs(cin, cout, 3, n, t) == _flops(block, torch.empty(1, cin, n, n, device=META))


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: dense_macs(0, 3), ValueError, "`in_features`.*got 0"),
        (lambda: dense_macs(3, 2.5), TypeError, "`out_features`.*2.5"),
        (lambda: conv_macs(6, 4, 3, 8, groups=4), ValueError, "`in_channels`.*`groups`=4, got 6"),
        (lambda: conv_macs(4, 6, 3, 8, groups=4), ValueError, "`out_channels`.*got 6"),
        (lambda: conv_macs(4, 4, 3, 0), ValueError, "`output_size`.*got 0"),
        (lambda: conv_macs(4, 4, (3, 3), (8, 8, 8)), ValueError, "`kernel_size` and `output_size`"),
        (lambda: conv_macs(4, 4, (3, 3), (8, 8, 0)), ValueError, "`kernel_size` and `output_size`"),
        (lambda: conv_macs(4, 4, (3, 3, 3, 3), 5), ValueError, "`kernel_size`.*1 to 3"),
        (lambda: conv_macs(4, 4, 3, 8, groups=0), ValueError, "`groups`"),
        (lambda: depthwise_params(0, 3), ValueError, "`channels`"),
        (lambda: depthwise_macs(4, -1, 3), ValueError, "`kernel_size`.*-1"),
        (lambda: pointwise_params(4, 4, bias=1), TypeError, "`bias`"),
        (lambda: pointwise_macs(4, 0, 3), ValueError, "`out_channels`"),
        (lambda: separable_params(4, 8, (3, 3, 3)), ValueError, "`kernel_size`"),
        (lambda: separable_macs(4, 8, 3, 0), ValueError, "`output_size`"),
        (lambda: separable_cost_ratio(0, 3), ValueError, "`out_channels`.*got 0"),
        (lambda: pool_macs(0, 2, 4), ValueError, "`channels`"),
        (lambda: inverted_residual_params(4, 4, 3, 0), ValueError, "`expand_ratio`"),
    ],
)
def test_invalid_arguments_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
