"""Tests for cnnlab/plotting.py: the figures hold what they claim, and nothing leaks into pyplot."""

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from cnnlab.counting import conv_params, dense_params
from cnnlab.plotting import plot_curves, plot_param_counts, show_images


def _pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()


# --- show_images -------------------------------------------------------------


@pytest.mark.parametrize("n, ncols, nrows", [(1, None, 1), (3, None, 1), (5, None, 2), (5, 2, 3)])
def test_show_images_one_axes_per_image_in_a_grid(n, ncols, nrows):
    images = [np.full((4, 6), float(k)) for k in range(n)]
    fig = show_images(images, titles=[f"image {k}" for k in range(n)], ncols=ncols)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == n  # empty grid cells are removed
    assert [ax.get_title() for ax in fig.axes] == [f"image {k}" for k in range(n)]
    rows = {ax.get_subplotspec().rowspan.start for ax in fig.axes}
    assert len(rows) == nrows
    for k, ax in enumerate(fig.axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), images[k])


def test_show_images_keeps_the_pixel_data_and_labels_axes():
    rng = np.random.default_rng(0)
    grey = rng.random((5, 7)).astype(np.float32)
    rgb = rng.random((5, 7, 3)).astype(np.float32)
    fig = show_images([grey, rgb], titles=["grey", "rgb"], cmap="viridis")
    ax_grey, ax_rgb = fig.axes
    np.testing.assert_allclose(ax_grey.images[0].get_array(), grey)
    np.testing.assert_allclose(ax_rgb.images[0].get_array(), rgb)
    assert ax_grey.images[0].get_cmap().name == "viridis"
    assert ax_grey.get_xlabel() == "x (column)" and ax_grey.get_ylabel() == "y (row)"
    assert ax_rgb.get_xlabel() == "x (column)" and ax_rgb.get_ylabel() == ""


def test_show_images_accepts_tensors_and_drops_leading_unit_axes():
    feature_map = torch.arange(12.0).reshape(1, 1, 3, 4)  # (N, C, H, W) from conv2d
    fig = show_images(feature_map, titles=["map"])
    assert len(fig.axes) == 1
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), feature_map[0, 0].numpy())


def test_show_images_one_cmap_per_image_and_colorbars():
    fig = show_images([np.eye(3), np.eye(3)], cmap=["gray", "coolwarm"], colorbar=True,
                      suptitle="two", xlabel="input", ylabel="output")
    image_axes = [ax for ax in fig.axes if ax.images]
    assert [ax.images[0].get_cmap().name for ax in image_axes] == ["gray", "coolwarm"]
    assert len(fig.axes) == 4  # two images, two colour bars
    assert fig.get_suptitle() == "two"
    assert image_axes[0].get_xlabel() == "input" and image_axes[0].get_ylabel() == "output"


def test_show_images_does_not_register_with_pyplot_or_change_style():
    before_figs = _pyplot_figures()
    before_rc = dict(matplotlib.rcParams)
    for _ in range(25):  # more than pyplot's 20-open-figures warning (an error in this config)
        show_images([np.zeros((2, 2))])
    assert _pyplot_figures() == before_figs
    assert dict(matplotlib.rcParams) == before_rc


def test_show_images_renders_to_png(tmp_path):
    fig = show_images([np.linspace(0, 1, 64).reshape(8, 8)], titles=["ramp"])
    path = tmp_path / "ramp.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(images=[]), ValueError, "`images` must hold at least one"),
        (dict(images=[np.zeros((3, 5, 5))]), ValueError, r"`images\[0\]` must have shape"),
        (dict(images=[np.zeros((2, 2))], titles=["a", "b"]), ValueError, "`titles`"),
        (dict(images=[np.zeros((2, 2))], cmap=["gray", "gray"]), ValueError, "`cmap`"),
        (dict(images=[np.zeros((2, 2))], cmap=3), TypeError, "`cmap`"),
        (dict(images=[np.zeros((2, 2))], ncols=0), ValueError, "`ncols`"),
        (dict(images=[np.array([["a"]])]), TypeError, r"`images\[0\]`"),
        (dict(images="camera"), TypeError, "`images`"),
    ],
)
def test_show_images_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        show_images(**kwargs)


# --- plot_curves -------------------------------------------------------------


def test_plot_curves_draws_each_curve_with_labels_and_scales():
    x = np.array([16, 32, 64])
    curves = {"dense": x**2 * 3.0, "conv": np.full(3, 280.0)}
    fig = plot_curves(x, curves, xlabel="side", ylabel="parameters", title="t", logy=True)
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.lines] == ["dense", "conv"]
    for line, values in zip(ax.lines, curves.values()):
        np.testing.assert_array_equal(line.get_xdata(), x)
        np.testing.assert_array_equal(line.get_ydata(), values)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("side", "parameters", "t")
    assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "log")
    assert ax.get_legend() is not None


def test_plot_curves_rejects_mismatched_lengths_and_empty_curves():
    with pytest.raises(ValueError, match="`curves\\['a'\\]`"):
        plot_curves([1, 2, 3], {"a": [1, 2]}, xlabel="x", ylabel="y")
    with pytest.raises(ValueError, match="`curves`"):
        plot_curves([1, 2, 3], {}, xlabel="x", ylabel="y")


# --- plot_param_counts -------------------------------------------------------


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


def test_show_images_converts_an_rgb_nchw_batch_of_one_to_channels_last():
    batch = torch.rand(1, 3, 4, 5, generator=torch.Generator().manual_seed(0))
    fig = show_images(batch)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), batch[0].permute(1, 2, 0).numpy())


def _filled(ax, colour="tab:orange"):
    from matplotlib.colors import to_rgba

    return {
        (int(p.get_y()), int(p.get_x()))
        for p in ax.patches
        if p.get_fill() and p.get_facecolor() == to_rgba(colour)
    }


def test_plot_conv_window_marks_the_pixels_the_kernel_reads():
    from cnnlab.plotting import plot_conv_window

    fig = plot_conv_window(7, 3, stride=2, padding=1, dilation=2, output_index=(1, 2))
    ax_in, ax_out = fig.axes
    # padded coordinates: window corner (2, 4), taps every 2nd pixel
    assert _filled(ax_in) == {(r, c) for r in (2, 4, 6) for c in (4, 6, 8)}
    assert _filled(ax_out) == {(1, 2)}
    assert ax_out.get_title() == "output 3×3"
    assert len(ax_in.patches) == 9 * 9 + 1  # every padded cell plus the window outline


def test_plot_conv_window_rejects_an_output_pixel_outside_the_output():
    from cnnlab.plotting import plot_conv_window

    with pytest.raises(ValueError, match="`output_index`"):
        plot_conv_window(5, 3, output_index=(3, 0))
    with pytest.raises(ValueError, match="kernel_size"):
        plot_conv_window(3, 5)


# --- conv_window_explorer ------------------------------------------------------


@pytest.mark.parametrize(
    "size, kernel_size, stride, padding", [(5, 3, 1, 0), (8, 3, 2, 1), (9, 4, 3, 2), (6, 1, 1, 0)]
)
def test_conv_window_explorer_clamps_the_output_pixel_and_states_the_size(size, kernel_size, stride, padding):
    from cnnlab.plotting import conv_window_explorer
    from cnnlab.shapes import conv_output_size

    out = conv_output_size(size, kernel_size, stride=stride, padding=padding)
    fig = conv_window_explorer(size, kernel_size, stride, padding, row=100, col=100)
    assert fig.get_suptitle().endswith(f"= {out}")
    assert fig.axes[1].get_title() == f"output {out}×{out}"
    assert _filled(fig.axes[1]) == {(out - 1, out - 1)}  # clamped to the last output pixel
    assert _pyplot_figures() == []


def test_conv_window_explorer_explains_a_kernel_that_does_not_fit():
    from cnnlab.plotting import conv_window_explorer

    fig = conv_window_explorer(4, 7, padding=1)
    assert "larger than the padded input" in fig.get_suptitle()
    assert len(fig.axes) == 1


@pytest.mark.parametrize("name, kwargs", [("size", {"size": 0}), ("stride", {"stride": 0}),
                                          ("padding", {"padding": -1}), ("row", {"row": -1}),
                                          ("dilation", {"dilation": 0})])
def test_conv_window_explorer_rejects_bad_arguments(name, kwargs):
    from cnnlab.plotting import conv_window_explorer

    with pytest.raises(ValueError, match=f"`{name}`"):
        conv_window_explorer(**kwargs)


def test_conv_window_explorer_with_dilation_clamps_and_states_the_effective_size():
    from cnnlab.plotting import conv_window_explorer
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


# --- plot_conv_cost -------------------------------------------------------------


@pytest.mark.parametrize("c_in, c_out, k, groups", [(3, 10, 3, 1), (32, 64, 3, 4), (16, 16, 5, 16)])
def test_plot_conv_cost_bars_match_torch_and_the_counters(c_in, c_out, k, groups):
    from cnnlab.counting import conv_macs, separable_params
    from cnnlab.plotting import plot_conv_cost

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
    from cnnlab.plotting import plot_conv_cost

    with pytest.raises(ValueError, match="divisible by `groups`"):
        plot_conv_cost(6, 9, 3, groups=2)


# --- plot_kernels / plot_filter --------------------------------------------------


def test_plot_kernels_one_panel_per_kernel_with_values_and_symmetric_colours():
    from cnnlab.kernels import KERNELS
    from cnnlab.plotting import plot_kernels

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
    from cnnlab.plotting import plot_kernels

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
    from cnnlab.plotting import plot_filter

    image = np.random.default_rng(0).random((12, 10))
    fig = plot_filter(image, "sobel_x")
    assert len(fig.axes) == 3
    shown = fig.axes[2].images[0].get_array()
    expected = conv2d(torch.tensor(image)[None, None], torch.tensor(SOBEL_X)[None, None],
                      padding="same", padding_mode="reflect")[0, 0].numpy()
    np.testing.assert_allclose(shown, expected)
    assert fig.axes[1].get_title() == "kernel sobel_x (3×3)"


def test_plot_filter_blurs_first_and_rejects_bad_arguments():
    from cnnlab.plotting import plot_filter

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

    from cnnlab.plotting import plot_pooling

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


# --- plot_block_cost -------------------------------------------------------------


@pytest.mark.parametrize("c_in, c_out, k, t", [(64, 64, 3, 6), (16, 24, 5, 1), (8, 32, 3, 4)])
def test_plot_block_cost_bars_match_torch_modules_and_flop_counter(c_in, c_out, k, t):
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    from cnnlab.plotting import plot_block_cost

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
    from cnnlab.plotting import plot_block_cost

    block = InvertedResidual(24, 24, expand_ratio=6)
    conv_weights = sum(m.weight.numel() for m in block.modules() if isinstance(m, torch.nn.Conv2d))
    fig = plot_block_cost(24, 24, 3, expand_ratio=6, output_size=4)
    assert round(fig.axes[0].patches[2].get_height()) == conv_weights
    with pytest.raises(ValueError, match="`expand_ratio`"):
        plot_block_cost(24, 24, 3, expand_ratio=0)
    with pytest.raises(TypeError, match="`kernel_size`"):
        plot_block_cost(24, 24, 3.0)


# --- plot_gradient_norms, plot_runs (chapter 9) -------------------------------------------


def test_plot_gradient_norms_draws_each_profile_and_skips_zeros():
    from torch import nn

    from cnnlab.plotting import plot_gradient_norms
    from cnnlab.training import gradient_norms

    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    measured = gradient_norms(net, torch.randn(5, 4), torch.tensor([0, 1, 0, 1, 1]))
    before = _pyplot_figures()
    fig = plot_gradient_norms({"net": measured, "with zeros": [0.0, 1e-30, 0.0, 2.0]}, title="t")
    assert _pyplot_figures() == before
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "t"
    assert [line.get_label() for line in ax.lines] == ["net", "with zeros (2 layers exactly 0)"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), list(measured.values()))
    y = np.asarray(ax.lines[1].get_ydata(), float)
    assert np.isnan(y[[0, 2]]).all() and y[1] == 1e-30 and y[3] == 2.0
    # drawing into a given axes returns that axes' figure
    outer = Figure()
    axes = outer.subplots(1, 2)
    assert plot_gradient_norms({"a": [1.0, 2.0]}, ax=axes[1]) is outer and len(axes[1].lines) == 1


@pytest.mark.parametrize("norms", [{}, {"a": []}, {"a": [1.0, -1.0]}, {"a": [float("nan")]}, {"a": [[1.0]]}])
def test_plot_gradient_norms_rejects_bad_profiles(norms):
    from cnnlab.plotting import plot_gradient_norms

    with pytest.raises(ValueError, match="`norms"):
        plot_gradient_norms(norms)


def test_plot_runs_mean_and_band():
    from cnnlab.plotting import plot_runs

    runs = np.array([[2.0, 1.0, 0.5], [2.2, 1.4, 0.7], [1.8, 1.2, 0.3]])
    before = _pyplot_figures()
    fig = plot_runs({"deep": runs, "single": runs[:1]}, ylabel="loss", title="t", logy=True)
    assert _pyplot_figures() == before
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["deep (3 runs)", "single (1 run)"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), runs.mean(0))
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [1, 2, 3])
    assert len(ax.collections) == 1  # one band: none for a single run
    band = ax.collections[0].get_paths()[0].vertices
    np.testing.assert_allclose(band[:, 1].max(), (runs.mean(0) + runs.std(0, ddof=1)).max())
    np.testing.assert_allclose(band[:, 1].min(), (runs.mean(0) - runs.std(0, ddof=1)).min())
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "loss" and ax.get_xlabel() == "epoch"


@pytest.mark.parametrize("runs", [{}, {"a": [1.0, 2.0]}, {"a": np.zeros((0, 3))}])
def test_plot_runs_rejects_bad_runs(runs):
    from cnnlab.plotting import plot_runs

    with pytest.raises(ValueError, match="`runs"):
        plot_runs(runs, ylabel="loss")


@pytest.mark.parametrize("transform", ["brightness", "contrast", "saturation", "hue", "jpeg_quality", "crop",
                                       "flip_left_right", "flip_up_down", "rotation", "scale", "shear", "elastic"])
def test_plot_augmentation_every_transform(transform):
    from cnnlab.plotting import AUGMENTATIONS, plot_augmentation

    assert transform in AUGMENTATIONS
    image = np.random.default_rng(0).random((24, 32, 3)).astype(np.float32)
    before = _pyplot_figures()
    fig = plot_augmentation(image, transform, strength=0.8, seed=3)
    assert _pyplot_figures() == before
    assert len(fig.axes) == 2
    assert fig.axes[1].get_title().startswith(transform)
    shown = fig.axes[1].images[0].get_array()
    assert float(np.min(shown)) >= 0.0 and float(np.max(shown)) <= 1.0
    again = plot_augmentation(image, transform, strength=0.8, seed=3).axes[1].images[0].get_array()
    np.testing.assert_array_equal(np.asarray(shown), np.asarray(again))  # stateless: same seed, same picture


def test_plot_augmentation_grey_and_identity():
    from cnnlab.plotting import plot_augmentation

    image = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8)
    fig = plot_augmentation(image, "rotation", strength=0.0, seed=1)
    np.testing.assert_allclose(np.asarray(fig.axes[1].images[0].get_array()), image, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [({"transform": "blur"}, "`transform`"),
                                           ({"strength": 1.5}, "`strength`"),
                                           ({"strength": True}, "`strength`")])
def test_plot_augmentation_rejects_bad_arguments(kwargs, match):
    from cnnlab.plotting import plot_augmentation

    with pytest.raises(ValueError, match=match):
        plot_augmentation(np.zeros((8, 8, 3)), **kwargs)


# --- show_image_rows ---------------------------------------------------------


def test_show_image_rows_one_labelled_row_per_batch():
    from cnnlab.plotting import show_image_rows

    clean = torch.zeros(4, 1, 8, 8)
    fig = show_image_rows([clean, clean + 0.5, np.ones((4, 8, 8))], ["clean", "noisy", "denoised"],
                          titles=list("abcd"), suptitle="compare")
    assert isinstance(fig, Figure) and len(fig.axes) == 12
    assert [fig.axes[4 * r].get_ylabel() for r in range(3)] == ["clean", "noisy", "denoised"]
    assert [ax.get_title() for ax in fig.axes[:4]] == list("abcd") and fig.axes[4].get_title() == ""
    assert fig.axes[5].images[0].get_array()[0, 0] == pytest.approx(0.5)
    assert fig.axes[0].images[0].get_clim() == (0.0, 1.0)
    assert fig._suptitle.get_text() == "compare"


@pytest.mark.parametrize("rows, labels, kwargs, match", [
    ([], [], {}, "`rows`"),
    ([np.zeros((2, 3, 8, 8))], ["a"], {}, r"`rows\[0\]`"),
    ([np.zeros((2, 8, 8)), np.zeros((3, 8, 8))], ["a", "b"], {}, "same number"),
    ([np.zeros((2, 8, 8))], ["a", "b"], {}, "`row_labels`"),
    ([np.zeros((2, 8, 8))], ["a"], {"titles": ["x"]}, "`titles`"),
])
def test_show_image_rows_rejects_bad_arguments(rows, labels, kwargs, match):
    from cnnlab.plotting import show_image_rows

    with pytest.raises(ValueError, match=match):
        show_image_rows(rows, labels, **kwargs)


# --- plot_denoising ----------------------------------------------------------


def test_plot_denoising_shows_clean_noisy_denoised_with_psnr():
    from cnnlab.autoencoders import add_gaussian_noise, psnr
    from cnnlab.plotting import plot_denoising

    clean = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    model = torch.nn.Identity()
    fig = plot_denoising(model, clean, 0.3, seed=5)
    assert len(fig.axes) == 9 and fig._suptitle.get_text() == "Gaussian noise σ = 0.30"
    noisy = add_gaussian_noise(clean, 0.3, seed=5)
    np.testing.assert_allclose(fig.axes[3].images[0].get_array(), noisy[0, 0].numpy(), atol=1e-6)
    assert fig.axes[3].get_ylabel() == f"noisy\n{psnr(noisy, clean):.1f} dB"
    assert fig.axes[6].get_ylabel() == fig.axes[3].get_ylabel().replace("noisy", "denoised")
    assert _pyplot_figures() == []
