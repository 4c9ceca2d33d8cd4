"""cnnlab.viz.curves: the figures hold what they claim, and nothing leaks into pyplot."""

import numpy as np
import pytest
import torch

from matplotlib.figure import Figure

from cnnlab.viz.curves import plot_curves


def _pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()


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


def test_plot_gradient_norms_draws_each_profile_and_skips_zeros():
    from torch import nn

    from cnnlab.viz.curves import plot_gradient_norms
    from cnnlab.train.evaluate import gradient_norms

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
    from cnnlab.viz.curves import plot_gradient_norms

    with pytest.raises(ValueError, match="`norms"):
        plot_gradient_norms(norms)


def test_plot_runs_mean_and_band():
    from cnnlab.viz.curves import plot_runs

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
    from cnnlab.viz.curves import plot_runs

    with pytest.raises(ValueError, match="`runs"):
        plot_runs(runs, ylabel="loss")
