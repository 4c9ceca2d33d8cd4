"""cnnlab.viz.kernels: the figures hold what they claim, and nothing leaks into pyplot."""

import numpy as np
import pytest
import torch


def _pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()


def test_plot_kernels_one_panel_per_kernel_with_values_and_symmetric_colours():
    from cnnlab.ops.kernels import KERNELS
    from cnnlab.viz.kernels import plot_kernels

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
    from cnnlab.viz.kernels import plot_kernels

    w = torch.zeros(3, 3, requires_grad=True)
    fig = plot_kernels({"learned": w})
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)  # all zeros: a unit scale
    with pytest.raises(ValueError, match="`kernels`"):
        plot_kernels({})
    with pytest.raises(ValueError, match="`kernels\\['bad'\\]`"):
        plot_kernels({"bad": np.zeros((1, 3, 3))})


def test_plot_filter_output_is_the_same_padded_correlation():
    from cnnlab.ops.conv import conv2d
    from cnnlab.ops.kernels import SOBEL_X
    from cnnlab.viz.kernels import plot_filter

    image = np.random.default_rng(0).random((12, 10))
    fig = plot_filter(image, "sobel_x")
    assert len(fig.axes) == 3
    shown = fig.axes[2].images[0].get_array()
    expected = conv2d(torch.tensor(image)[None, None], torch.tensor(SOBEL_X)[None, None],
                      padding="same", padding_mode="reflect")[0, 0].numpy()
    np.testing.assert_allclose(shown, expected)
    assert fig.axes[1].get_title() == "kernel sobel_x (3×3)"


def test_plot_filter_blurs_first_and_rejects_bad_arguments():
    from cnnlab.viz.kernels import plot_filter

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
