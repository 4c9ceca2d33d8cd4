"""cnnlab.viz.boxes: figures of detections and masks."""

import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnnlab.viz.boxes import draw_boxes, plot_detections, plot_segmentation


def test_draw_boxes_draws_one_rectangle_per_box_with_text():
    ax = Figure().subplots()
    n = draw_boxes(ax, torch.tensor([[1.0, 2, 5, 6], [0, 0, 3, 3]]), torch.tensor([0, 1]),
                   torch.tensor([0.9, 0.25]), classes=["circle", "square"])
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert n == 2 and len(rects) == 2
    assert rects[0].get_xy() == (0.5, 1.5) and rects[0].get_width() == 4
    assert [t.get_text() for t in ax.texts] == ["circle 0.90", "square 0.25"]


def test_draw_boxes_checks_lengths():
    with pytest.raises(ValueError, match="`labels` and `scores`"):
        draw_boxes(Figure().subplots(), torch.zeros(2, 4), torch.zeros(1, dtype=torch.long))
    with pytest.raises(ValueError, match="`boxes`"):
        draw_boxes(Figure().subplots(), torch.zeros(2, 3))


def test_plot_detections_panels_and_titles():
    images = torch.rand(3, 3, 8, 8)
    found = [(torch.tensor([[1.0, 1, 4, 4]]), torch.tensor([0.5]), torch.tensor([1]))] * 3
    truth = [(torch.tensor([[1.0, 1, 5, 5]]), torch.tensor([1]))] * 3
    fig = plot_detections(images, found, truth, classes=["a", "b"], titles=["x", "y", "z"], ncols=2)
    assert len(fig.axes) == 4                        # 2 x 2 grid, the last one empty
    assert [ax.get_title() for ax in fig.axes[:3]] == ["x", "y", "z"]
    assert len(fig.axes[0].patches) == 2


def test_plot_segmentation_rows():
    masks = torch.randint(0, 3, (2, 8, 8))
    fig = plot_segmentation(torch.rand(2, 3, 8, 8), masks, masks, masks, labels=["i", "t", "p", "q"])
    assert len(fig.axes) == 8
    assert fig.axes[6].get_ylabel() == "q"
