"""Tests for cnnlab/diagrams.py: the diagrams show what they claim, and nothing leaks into pyplot."""

import numpy as np
import pytest
import torch

from cnnlab.counting import conv_params, dense_params
from cnnlab.diagrams import plot_param_counts


def _pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()


@pytest.mark.parametrize("side, channels", [(16, 1), (64, 3), (200, 3), (512, 4)])
def test_plot_param_counts_bars_match_the_counting_module(side, channels):
    fig = plot_param_counts(side, channels=channels)
    (ax,) = fig.axes
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [dense_params(side * side * channels, 128), conv_params(channels, 10, 3)]
    assert ax.get_yscale() == "log"
    assert f"{side}×{side}×{channels}" in ax.get_title()
    assert ax.get_ylabel()


@pytest.mark.parametrize("side, error", [(0, ValueError), (2.5, TypeError)])
def test_plot_param_counts_rejects_bad_sides(side, error):
    with pytest.raises(error, match="`side`"):
        plot_param_counts(side)


def _filled(ax, colour="tab:orange"):
    from matplotlib.colors import to_rgba

    return {
        (int(p.get_y()), int(p.get_x()))
        for p in ax.patches
        if p.get_fill() and p.get_facecolor() == to_rgba(colour)
    }


def test_plot_conv_window_marks_the_pixels_the_kernel_reads():
    from cnnlab.diagrams import plot_conv_window

    fig = plot_conv_window(7, 3, stride=2, padding=1, dilation=2, output_index=(1, 2))
    ax_in, ax_out = fig.axes
    # padded coordinates: window corner (2, 4), taps every 2nd pixel
    assert _filled(ax_in) == {(r, c) for r in (2, 4, 6) for c in (4, 6, 8)}
    assert _filled(ax_out) == {(1, 2)}
    assert ax_out.get_title() == "output 3×3"
    assert len(ax_in.patches) == 9 * 9 + 1  # every padded cell plus the window outline


def test_plot_conv_window_rejects_an_output_pixel_outside_the_output():
    from cnnlab.diagrams import plot_conv_window

    with pytest.raises(ValueError, match="`output_index`"):
        plot_conv_window(5, 3, output_index=(3, 0))
    with pytest.raises(ValueError, match="kernel_size"):
        plot_conv_window(3, 5)


@pytest.mark.parametrize(
    "size, kernel_size, stride, padding", [(5, 3, 1, 0), (8, 3, 2, 1), (9, 4, 3, 2), (6, 1, 1, 0)]
)
def test_conv_window_explorer_clamps_the_output_pixel_and_states_the_size(size, kernel_size, stride, padding):
    from cnnlab.diagrams import conv_window_explorer
    from cnnlab.shapes import conv_output_size

    out = conv_output_size(size, kernel_size, stride=stride, padding=padding)
    fig = conv_window_explorer(size, kernel_size, stride, padding, row=100, col=100)
    assert fig.get_suptitle().endswith(f"= {out}")
    assert fig.axes[1].get_title() == f"output {out}×{out}"
    assert _filled(fig.axes[1]) == {(out - 1, out - 1)}  # clamped to the last output pixel
    assert _pyplot_figures() == []


def test_conv_window_explorer_explains_a_kernel_that_does_not_fit():
    from cnnlab.diagrams import conv_window_explorer

    fig = conv_window_explorer(4, 7, padding=1)
    assert "larger than the padded input" in fig.get_suptitle()
    assert len(fig.axes) == 1


@pytest.mark.parametrize("name, kwargs", [("size", {"size": 0}), ("stride", {"stride": 0}),
                                          ("padding", {"padding": -1}), ("row", {"row": -1}),
                                          ("dilation", {"dilation": 0})])
def test_conv_window_explorer_rejects_bad_arguments(name, kwargs):
    from cnnlab.diagrams import conv_window_explorer

    with pytest.raises(ValueError, match=f"`{name}`"):
        conv_window_explorer(**kwargs)


def test_conv_window_explorer_with_dilation_clamps_and_states_the_effective_size():
    from cnnlab.diagrams import conv_window_explorer
    from cnnlab.shapes import conv_output_size, effective_kernel_size

    fig = conv_window_explorer(15, 3, dilation=3, stride=2, row=99, col=1)
    out = conv_output_size(15, 3, stride=2, dilation=3)
    assert effective_kernel_size(3, 3) == 7 and out == 5
    assert fig.get_suptitle() == "effective kernel 3 + 2·2 = 7; output size ⌊(15 + 2·0 − 7) / 2⌋ + 1 = 5"
    ax_in, ax_out = fig.axes
    assert _filled(ax_out) == {(4, 1)}
    assert _filled(ax_in) == {(8 + 3 * a, 2 + 3 * b) for a in range(3) for b in range(3)}
    assert "dilated kernel 7" in conv_window_explorer(5, 3, dilation=3).get_suptitle()
    assert _pyplot_figures() == []


@pytest.mark.parametrize("c_in, c_out, k, groups", [(3, 10, 3, 1), (32, 64, 3, 4), (16, 16, 5, 16)])
def test_plot_conv_cost_bars_match_torch_and_the_counters(c_in, c_out, k, groups):
    from cnnlab.counting import conv_macs, separable_params
    from cnnlab.diagrams import plot_conv_cost

    fig = plot_conv_cost(c_in, c_out, k, groups=groups, output_size=8)
    ax_params, ax_macs = fig.axes
    layer = torch.nn.Conv2d(c_in, c_out, k, groups=groups)
    separable = [torch.nn.Conv2d(c_in, c_in, k, groups=c_in), torch.nn.Conv2d(c_in, c_out, 1)]
    expected = [
        conv_params(c_in, c_out, k),
        sum(p.numel() for p in layer.parameters()),
        sum(p.numel() for m in separable for p in m.parameters()),
    ]
    assert [round(b.get_height()) for b in ax_params.patches] == expected
    assert expected[2] == separable_params(c_in, c_out, k)
    macs = [round(b.get_height()) for b in ax_macs.patches]
    assert macs[:2] == [conv_macs(c_in, c_out, k, 8), conv_macs(c_in, c_out, k, 8, groups=groups)]
    assert ax_params.get_yscale() == "log" and ax_macs.get_title() == "MACs"


def test_plot_conv_cost_rejects_groups_that_do_not_divide():
    from cnnlab.diagrams import plot_conv_cost

    with pytest.raises(ValueError, match="divisible by `groups`"):
        plot_conv_cost(6, 9, 3, groups=2)


def test_plot_kernels_one_panel_per_kernel_with_values_and_symmetric_colours():
    from cnnlab.kernels import KERNELS
    from cnnlab.diagrams import plot_kernels

    before = _pyplot_figures()
    fig = plot_kernels(KERNELS, ncols=3, suptitle="gallery")
    assert len(fig.axes) == len(KERNELS)
    assert [ax.get_title() for ax in fig.axes] == list(KERNELS)
    sobel = fig.axes[list(KERNELS).index("sobel_x")]
    assert [t.get_text() for t in sobel.texts] == ["-1", "0", "1", "-2", "0", "2", "-1", "0", "1"]
    assert sobel.images[0].get_clim() == (-2.0, 2.0)
    assert fig.get_suptitle() == "gallery"
    assert _pyplot_figures() == before


def test_plot_kernels_accepts_tensors_with_grad_and_rejects_bad_input():
    from cnnlab.diagrams import plot_kernels

    w = torch.zeros(3, 3, requires_grad=True)
    fig = plot_kernels({"learned": w})
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)  # all zeros: a unit scale
    with pytest.raises(ValueError, match="`kernels`"):
        plot_kernels({})
    with pytest.raises(ValueError, match="`kernels\\['bad'\\]`"):
        plot_kernels({"bad": np.zeros((1, 3, 3))})


def test_plot_filter_output_is_the_same_padded_correlation():
    from cnnlab.conv import conv2d
    from cnnlab.kernels import SOBEL_X
    from cnnlab.diagrams import plot_filter

    image = np.random.default_rng(0).random((12, 10))
    fig = plot_filter(image, "sobel_x")
    assert len(fig.axes) == 3
    shown = fig.axes[2].images[0].get_array()
    expected = conv2d(torch.tensor(image)[None, None], torch.tensor(SOBEL_X)[None, None],
                      padding="same", padding_mode="reflect")[0, 0].numpy()
    np.testing.assert_allclose(shown, expected)
    assert fig.axes[1].get_title() == "kernel sobel_x (3×3)"


def test_plot_filter_blurs_first_and_rejects_bad_arguments():
    from cnnlab.diagrams import plot_filter

    image = np.zeros((9, 9))
    image[4, 4] = 1.0
    fig = plot_filter(image, np.ones((1, 1)), sigma=1.0)
    blurred = fig.axes[0].images[0].get_array()
    assert blurred[4, 4] < 1.0 and abs(float(blurred.sum()) - 1.0) < 0.05  # spread, mass kept
    with pytest.raises(ValueError, match="`kernel`"):
        plot_filter(image, "no_such_kernel")
    with pytest.raises(ValueError, match="`sigma`"):
        plot_filter(image, "identity", sigma=-1.0)
    with pytest.raises(ValueError, match="`image`"):
        plot_filter(np.zeros((4, 4, 3)), "identity")


def test_plot_pooling_matches_torch_and_rejects_bad_arguments():
    import torch.nn.functional as F

    from cnnlab.diagrams import plot_pooling

    fmap = np.random.default_rng(0).random((12, 10))
    x = torch.tensor(fmap)[None, None]
    expected = {"max": F.max_pool2d(x, 3), "avg": F.avg_pool2d(x, 3), "l2": F.lp_pool2d(x, 2, 3)}
    before = _pyplot_figures()
    for mode, want in expected.items():
        fig = plot_pooling(fmap, 3, mode)
        shown = np.asarray(fig.axes[1].images[0].get_array())
        np.testing.assert_allclose(shown, want[0, 0].numpy(), rtol=1e-12)
        assert fig.axes[1].get_title().endswith("→ 4×3")
    assert _pyplot_figures() == before
    with pytest.raises(ValueError, match="`mode`"):
        plot_pooling(fmap, 2, "median")
    with pytest.raises(ValueError, match="`kernel_size`"):
        plot_pooling(fmap, 11)
    with pytest.raises(ValueError, match="`feature_map`"):
        plot_pooling(np.zeros((4, 4, 3)))


@pytest.mark.parametrize("c_in, c_out, k, t", [(64, 64, 3, 6), (16, 24, 5, 1), (8, 32, 3, 4)])
def test_plot_block_cost_bars_match_torch_modules_and_flop_counter(c_in, c_out, k, t):
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    from cnnlab.diagrams import plot_block_cost

    hidden = c_in * t
    pad = k // 2
    layers = {
        "standard": [nn.Conv2d(c_in, c_out, k, padding=pad, bias=False)],
        "separable": [nn.Conv2d(c_in, c_in, k, padding=pad, groups=c_in, bias=False),
                      nn.Conv2d(c_in, c_out, 1, bias=False)],
        "inverted": ([nn.Conv2d(c_in, hidden, 1, bias=False)] if t > 1 else [])
        + [nn.Conv2d(hidden, hidden, k, padding=pad, groups=hidden, bias=False),
           nn.Conv2d(hidden, c_out, 1, bias=False)],
    }
    x = torch.zeros(1, c_in, 8, 8)
    want_params, want_macs = [], []
    for convs in layers.values():
        net = nn.Sequential(*convs)
        want_params.append(sum(p.numel() for p in net.parameters()))
        with FlopCounterMode(display=False) as counter:
            assert net(x).shape == (1, c_out, 8, 8)
        want_macs.append(counter.get_total_flops() // 2)
    before = _pyplot_figures()
    fig = plot_block_cost(c_in, c_out, k, expand_ratio=t, output_size=8)
    assert _pyplot_figures() == before
    ax_params, ax_macs = fig.axes
    assert [round(b.get_height()) for b in ax_params.patches] == want_params
    assert [round(b.get_height()) for b in ax_macs.patches] == want_macs
    assert ax_macs.get_yscale() == "log" and ax_macs.get_title() == "MACs"
    assert ax_params.get_ylabel() == "weights (log scale)"


def test_plot_block_cost_matches_inverted_residual_and_rejects_bad_arguments():
    from cnnlab.blocks import InvertedResidual
    from cnnlab.diagrams import plot_block_cost

    block = InvertedResidual(24, 24, expand_ratio=6)
    conv_weights = sum(m.weight.numel() for m in block.modules() if isinstance(m, torch.nn.Conv2d))
    fig = plot_block_cost(24, 24, 3, expand_ratio=6, output_size=4)
    assert round(fig.axes[0].patches[2].get_height()) == conv_weights
    with pytest.raises(ValueError, match="`expand_ratio`"):
        plot_block_cost(24, 24, 3, expand_ratio=0)
    with pytest.raises(TypeError, match="`kernel_size`"):
        plot_block_cost(24, 24, 3.0)
