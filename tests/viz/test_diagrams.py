"""cnnlab.viz.diagrams: the figures hold what they claim, and nothing leaks into pyplot."""

import numpy as np
import pytest
import torch


def _pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()


def _filled(ax, colour="tab:orange"):
    """(row, col) of the cells drawn in `colour` in the axes' grid image."""
    from matplotlib.colors import to_rgb

    grid = np.asarray(ax.images[0].get_array())
    return {(int(i), int(j)) for i, j in zip(*np.nonzero(np.all(np.isclose(grid, to_rgb(colour)), axis=-1)))}


def test_plot_conv_window_marks_the_pixels_the_kernel_reads():
    from cnnlab.viz.diagrams import plot_conv_window

    fig = plot_conv_window(7, 3, stride=2, padding=1, dilation=2, output_index=(1, 2))
    ax_in, ax_out = fig.axes
    # padded coordinates: window corner (2, 4), taps every 2nd pixel
    assert _filled(ax_in) == {(r, c) for r in (2, 4, 6) for c in (4, 6, 8)}
    assert _filled(ax_out) == {(1, 2)}
    assert ax_out.get_title() == "output 3×3"
    assert ax_in.images[0].get_array().shape[:2] == (9, 9) and len(ax_in.patches) == 1  # the padded grid, the window


def test_plot_conv_window_rejects_an_output_pixel_outside_the_output():
    from cnnlab.viz.diagrams import plot_conv_window

    with pytest.raises(ValueError, match="`output_index`"):
        plot_conv_window(5, 3, output_index=(3, 0))
    with pytest.raises(ValueError, match="kernel_size"):
        plot_conv_window(3, 5)


@pytest.mark.parametrize(
    "size, kernel_size, stride, padding", [(5, 3, 1, 0), (8, 3, 2, 1), (9, 4, 3, 2), (6, 1, 1, 0)]
)
def test_conv_window_explorer_clamps_the_output_pixel_and_states_the_size(size, kernel_size, stride, padding):
    from cnnlab.viz.diagrams import conv_window_explorer
    from cnnlab.ops.shapes import conv_output_size

    out = conv_output_size(size, kernel_size, stride=stride, padding=padding)
    fig = conv_window_explorer(size, kernel_size, stride, padding, row=100, col=100)
    assert fig.get_suptitle().endswith(f"= {out}")
    assert fig.axes[1].get_title() == f"output {out}×{out}"
    assert _filled(fig.axes[1]) == {(out - 1, out - 1)}  # clamped to the last output pixel
    assert _pyplot_figures() == []


def test_conv_window_explorer_explains_a_kernel_that_does_not_fit():
    from cnnlab.viz.diagrams import conv_window_explorer

    fig = conv_window_explorer(4, 7, padding=1)
    assert "larger than the padded input" in fig.get_suptitle()
    assert len(fig.axes) == 1


@pytest.mark.parametrize("name, kwargs", [("size", {"size": 0}), ("stride", {"stride": 0}),
                                          ("padding", {"padding": -1}), ("row", {"row": -1}),
                                          ("dilation", {"dilation": 0})])
def test_conv_window_explorer_rejects_bad_arguments(name, kwargs):
    from cnnlab.viz.diagrams import conv_window_explorer

    with pytest.raises(ValueError, match=f"`{name}`"):
        conv_window_explorer(**kwargs)


def test_conv_window_explorer_with_dilation_clamps_and_states_the_effective_size():
    from cnnlab.viz.diagrams import conv_window_explorer
    from cnnlab.ops.shapes import conv_output_size, effective_kernel_size

    fig = conv_window_explorer(15, 3, dilation=3, stride=2, row=99, col=1)
    out = conv_output_size(15, 3, stride=2, dilation=3)
    assert effective_kernel_size(3, 3) == 7 and out == 5
    assert fig.get_suptitle() == "effective kernel 3 + 2·2 = 7; output size ⌊(15 + 2·0 − 7) / 2⌋ + 1 = 5"
    ax_in, ax_out = fig.axes
    assert _filled(ax_out) == {(4, 1)}
    assert _filled(ax_in) == {(8 + 3 * a, 2 + 3 * b) for a in range(3) for b in range(3)}
    assert "dilated kernel 7" in conv_window_explorer(5, 3, dilation=3).get_suptitle()
    assert _pyplot_figures() == []


def test_plot_pooling_matches_torch_and_rejects_bad_arguments():
    import torch.nn.functional as F

    from cnnlab.viz.diagrams import plot_pooling

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
