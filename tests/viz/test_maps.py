"""cnnlab.viz.maps: heat maps are resized, scaled and drawn over their images."""

import matplotlib
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from cnnlab.viz.maps import overlay, plot_map, plot_maps, upsample

matplotlib.use("Agg")


def test_upsample_keeps_constants_and_matches_torch_bilinear():
    torch.testing.assert_close(upsample(torch.full((3, 3), 2.0), (9, 9)), torch.full((9, 9), 2.0, dtype=torch.float64))
    heat = torch.rand(2, 4, 4, dtype=torch.float64)
    expected = torch.nn.functional.interpolate(heat[:, None], size=(8, 12), mode="bilinear")[:, 0]
    torch.testing.assert_close(upsample(heat, (8, 12)), expected)


def test_overlay_scales_by_the_largest_absolute_value_and_picks_the_colour_map():
    fig = Figure()
    ax = fig.add_subplot()
    positive = overlay(ax, torch.rand(1, 4, 4), torch.tensor([[0.0, 2.0], [1.0, 4.0]]))
    data = np.asarray(positive.get_array())
    assert data.shape == (4, 4) and data.max() <= 1.0 and data.min() >= 0.0
    assert positive.get_clim() == (0, 1)
    signed = overlay(ax, torch.rand(3, 4, 4), torch.tensor([[-2.0, 1.0], [0.0, 0.5]]))
    assert signed.get_clim() == (-1, 1) and signed.get_cmap().name == "RdBu_r"
    assert np.asarray(signed.get_array()).min() == pytest.approx(-1.0)


def test_plot_maps_draws_one_row_per_image_and_checks_its_inputs():
    images = torch.rand(3, 3, 8, 8)
    fig = plot_maps(images, {"a": torch.rand(3, 8, 8), "b": torch.rand(3, 2, 2)}, titles=["x", "y", "z"],
                    suptitle="maps")
    assert len(fig.axes) == 9 and fig.axes[0].get_title() == "x" and fig.axes[1].get_title() == "a"
    with pytest.raises(ValueError, match="`maps`"):
        plot_maps(images, {"a": torch.rand(2, 8, 8)})
    with pytest.raises(TypeError, match="`maps`"):
        plot_maps(images, [torch.rand(3, 8, 8)])
    with pytest.raises(ValueError, match="`titles`"):
        plot_maps(images, {"a": torch.rand(3, 8, 8)}, titles=["x"])
    with pytest.raises(ValueError, match="`alpha`"):
        overlay(fig.axes[0], images[0], torch.rand(2, 2), alpha=2.0)


def test_plot_map_shows_the_chosen_image_and_method():
    images = torch.rand(3, 1, 8, 8)
    maps = {"a": torch.rand(3, 8, 8), "b": torch.rand(3, 2, 2)}
    fig = plot_map(images, maps, image=2, method="b", titles=["p", "q", "r"])
    assert [ax.get_title() for ax in fig.axes] == ["r", "b, image 2"]
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), images[2, 0].numpy())
    assert plot_map(images, maps).axes[1].get_title() == "a, image 0"
    with pytest.raises(ValueError, match="`method`"):
        plot_map(images, maps, method="c")
    with pytest.raises(ValueError, match="`image`"):
        plot_map(images, maps, image=3)
