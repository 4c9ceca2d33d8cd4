"""Tests for cnnlab.counting and cnnlab.summary: formulas against torch modules and FlopCounterMode."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnnlab.counting import (
    conv_macs,
    conv_params,
    dense_macs,
    dense_params,
    depthwise_macs,
    depthwise_params,
    pointwise_macs,
    pointwise_params,
    pool_macs,
    separable_cost_ratio,
    separable_macs,
    separable_params,
)
from cnnlab.shapes import conv_output_size, pool_output_size
from cnnlab.summary import Summary, SummaryRow, summary

META = torch.device("meta")  # shapes and counts only: no memory, no arithmetic


def _numel(module):
    return sum(p.numel() for p in module.parameters())


def _flops(module, x):
    with FlopCounterMode(display=False) as counter:
        module(x)
    return counter.get_total_flops()


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
    out = pool_output_size(n, k, s)
    layer = nn.MaxPool2d(k, s)
    assert tuple(layer(torch.empty(1, channels, n, n, device=META)).shape[2:]) == (out, out)
    assert pool_macs(channels, k, out) == channels * out * out * k * k
    assert pool_macs(channels, k, out) == depthwise_macs(channels, k, out)
    assert pool_macs(channels, (k, k, k), (out, out, out)) == channels * out**3 * k**3


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


# --- summary ----------------------------------------------------------------------------


def small_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, groups=4, bias=False),
        nn.ReLU(),
        nn.ConvTranspose2d(16, 8, 2, stride=2, groups=2),
        nn.Sequential(nn.Identity()),  # nested: its leaf is named "7.0"
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 10),
    )


def test_summary_totals_match_torch():
    model = small_cnn()
    model[0].weight.requires_grad_(False)
    x = torch.zeros(2, 3, 16, 16)
    s = summary(model, (2, 3, 16, 16))
    assert isinstance(s, Summary)
    assert s.total_params == _numel(model)
    assert s.trainable_params == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert s.non_trainable_params == model[0].weight.numel()
    assert 2 * s.total_macs == _flops(model, x)
    assert sum(row.params for row in s) == s.total_params
    assert [row.name for row in s] == ["0", "1", "2", "3", "4", "5", "6", "7.0", "8", "9", "10"]
    assert s[0] == SummaryRow("0", "Conv2d", (2, 8, 16, 16), 224, 2 * 8 * 16 * 16 * 27)
    assert s[-1].output_shape == tuple(model(x).shape)
    assert s[6].output_shape == (2, 8, 16, 16)
    assert all(row.macs == 0 for row in s if row.type in {"BatchNorm2d", "ReLU", "MaxPool2d"})


def test_summary_has_no_side_effects():
    model = small_cnn().train()
    model[3].eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    summary(model, (4, 3, 8, 8))
    assert [m.training for m in model.modules()] == [m is not model[3] for m in model.modules()]
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, before[key])
    assert all(not m._forward_hooks for m in model.modules())


def test_summary_other_dimensions_and_shared_modules():
    shared = nn.Conv1d(4, 4, 3, padding=1)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.Conv1d(4, 2, 5), nn.Flatten(),
                          nn.Linear(2 * 12, 3)).double()
    s = summary(model, [1, 4, 16], dtype=torch.float64)
    assert len(s) == 6
    assert s.total_params == _numel(model)
    assert sum(row.params for row in s) == s.total_params  # the shared conv is counted once
    assert 2 * s.total_macs == _flops(model, torch.zeros(1, 4, 16, dtype=torch.float64))
    conv3d = nn.Conv3d(2, 3, 3)
    assert 2 * summary(conv3d, (1, 2, 5, 5, 5)).total_macs == _flops(conv3d, torch.zeros(1, 2, 5, 5, 5))


def test_summary_renders_a_table():
    s = summary(small_cnn(), (1, 3, 16, 16))
    text = str(s)
    assert text.splitlines()[0].split() == ["Layer", "(type)", "Output", "shape", "Param", "#", "MACs"]
    assert f"Total params: {s.total_params:,}" in text
    assert f"Total MACs: {s.total_macs:,}" in text
    assert "4 (Conv2d)" in text and "[1, 16, 8, 8]" in text
    assert repr(s) == text
    page = s._repr_html_()
    assert page.startswith("<table>") and page.count("<tr>") >= len(s) + 1
    assert f"{s.trainable_params:,}" in page


def test_summary_runs_on_device(device):
    model = small_cnn().to(device)
    s = summary(model, (1, 3, 8, 8))
    assert s.total_params == _numel(model)


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
        (lambda: summary("net", (1, 3)), TypeError, "`model`.*str"),
        (lambda: summary(nn.ReLU(), 3), TypeError, "`input_shape`.*3"),
        (lambda: summary(nn.ReLU(), (1, 0)), ValueError, "`input_shape`.*got 0"),
        (lambda: summary(nn.ReLU(), (1, 3), dtype="float"), TypeError, "`dtype`"),
        (lambda: summary(nn.Linear(3, 2), (1, 4)), ValueError, r"`model` failed on an input of shape \(1, 4\)"),
    ],
)
def test_invalid_arguments_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
