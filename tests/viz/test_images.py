"""cnnlab.viz.images: the figures hold what they claim, and nothing leaks into pyplot."""

import matplotlib
import numpy as np
import pytest
import torch

from matplotlib.figure import Figure

from cnnlab.viz.images import show_images


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


def test_show_images_converts_an_rgb_nchw_batch_of_one_to_channels_last():
    batch = torch.rand(1, 3, 4, 5, generator=torch.Generator().manual_seed(0))
    fig = show_images(batch)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), batch[0].permute(1, 2, 0).numpy())


def test_show_image_rows_one_labelled_row_per_batch():
    from cnnlab.viz.images import show_image_rows

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
    from cnnlab.viz.images import show_image_rows

    with pytest.raises(ValueError, match=match):
        show_image_rows(rows, labels, **kwargs)
