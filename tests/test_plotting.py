"""Tests for cnnlab/plotting.py: the figures hold what they claim, and nothing leaks into pyplot."""

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from cnnlab.plotting import plot_curves, show_images


def _pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()


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


def test_show_images_converts_an_rgb_nchw_batch_of_one_to_channels_last():
    batch = torch.rand(1, 3, 4, 5, generator=torch.Generator().manual_seed(0))
    fig = show_images(batch)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), batch[0].permute(1, 2, 0).numpy())


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
