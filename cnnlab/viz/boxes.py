"""Figures of detections and segmentations: boxes with labels and scores over images, and masks.

Boxes are ``(x1, y1, x2, y2)`` in pixels (:mod:`cnnlab.ops.boxes`); pixel ``(r, c)`` is drawn
as the square ``[c - 1/2, c + 1/2] x [r - 1/2, r + 1/2]`` by ``imshow``, so a box is drawn from
``x1 - 1/2`` to ``x2 - 1/2``. Every function builds a :class:`matplotlib.figure.Figure` without
pyplot.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnnlab._checks import as_tensor, check_int
from cnnlab.ops.boxes import check_boxes

COLOURS = ("tab:red", "tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown")  #: one per class


def _picture(image):
    image = as_tensor("image", image).detach().cpu().float()
    if image.dim() == 3 and image.shape[0] in (1, 3):
        image = image.permute(1, 2, 0)
    return image.squeeze(-1).clamp(0, 1).numpy()


def draw_boxes(ax, boxes, labels=None, scores=None, *, classes=None, dashed: bool = False, fontsize: float = 6):
    """Draw boxes on a matplotlib Axes, coloured by label, with ``class score`` written above each.

    Parameters
    ----------
    ax : matplotlib Axes
    boxes : Tensor, shape (K, 4)
    labels : Tensor of int64, shape (K,), optional
    scores : Tensor, shape (K,), optional
    classes : sequence of str, optional
        Names of the labels.
    dashed : bool, default False
        Dashed outlines (for true boxes under predicted ones).

    Examples
    --------
    >>> fig = Figure(); ax = fig.subplots()
    >>> draw_boxes(ax, torch.tensor([[1.0, 2, 5, 6]]), torch.tensor([0]), torch.tensor([0.9]), classes=["a"])
    1
    """
    boxes = check_boxes("boxes", boxes).detach().cpu()
    labels = torch.zeros(len(boxes), dtype=torch.long) if labels is None else as_tensor("labels", labels).cpu()
    if len(labels) != len(boxes) or (scores is not None and len(scores) != len(boxes)):
        raise ValueError(f"`labels` and `scores` must have one entry per box ({len(boxes)})")
    for k, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
        colour = COLOURS[int(labels[k]) % len(COLOURS)]
        ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, edgecolor=colour,
                               linewidth=1.2, linestyle="--" if dashed else "-"))
        text = classes[int(labels[k])] if classes is not None else ""
        text = f"{text} {float(scores[k]):.2f}".strip() if scores is not None else text
        if text:
            ax.text(x1 - 0.5, y1 - 1, text, color="white", fontsize=fontsize, va="bottom",
                    bbox={"facecolor": colour, "edgecolor": "none", "pad": 0.5, "alpha": 0.8})
    return len(boxes)


def plot_detections(images, found=None, truth=None, *, classes=None, titles=None, ncols: int | None = None,
                    figsize=None) -> Figure:
    """Images with their detections (solid, with scores) and true objects (dashed).

    Parameters
    ----------
    images : Tensor, shape (N, 3, H, W)
    found : list of N tuples (boxes, scores, labels), optional
        As :func:`cnnlab.train.detect_fit.detect` returns.
    truth : list of N tuples (boxes, labels), optional
    classes : sequence of str, optional
    titles : list of str, optional
    ncols : int, optional
        Default: all in one row.

    Examples
    --------
    >>> fig = plot_detections(torch.ones(2, 3, 8, 8), truth=[(torch.tensor([[1.0, 1, 4, 4]]), torch.tensor([0]))] * 2)
    >>> len(fig.axes)
    2
    """
    n = len(images)
    ncols = n if ncols is None else check_int("ncols", ncols, minimum=1)
    nrows = -(-n // ncols)
    fig = Figure(figsize=figsize or (1.6 * ncols, 1.7 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(_picture(images[i]))
        if truth is not None:
            draw_boxes(ax, truth[i][0], truth[i][1], dashed=True)
        if found is not None:
            boxes, scores, labels = found[i]
            draw_boxes(ax, boxes, labels, scores, classes=classes)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    return fig


def plot_segmentation(images, masks, *predictions, labels=None, num_classes: int | None = None,
                      figsize=None) -> Figure:
    """Rows of images, their true masks and any predicted masks, one column per image.

    Parameters
    ----------
    images : Tensor, shape (N, 3, H, W)
    masks : Tensor of int64, shape (N, H, W)
    *predictions : Tensors of int64, shape (N, H, W)
    labels : sequence of str, optional
        A name per row; default "image", "truth", "prediction 1", ...
    num_classes : int, optional

    Examples
    --------
    >>> fig = plot_segmentation(torch.ones(3, 3, 8, 8), torch.zeros(3, 8, 8, dtype=torch.long))
    >>> len(fig.axes)
    6
    """
    rows = [images, masks, *predictions]
    labels = ["image", "truth", *(f"prediction {k + 1}" for k in range(len(predictions)))] if labels is None else labels
    n = len(images)
    top = int(max(int(as_tensor("masks", m).max()) for m in rows[1:])) if num_classes is None else num_classes - 1
    cmap = ListedColormap(["#f2f2f2", *COLOURS][: max(top, 1) + 1])
    fig = Figure(figsize=figsize or (1.3 * n, 1.35 * len(rows)), layout="constrained")
    axes = fig.subplots(len(rows), n, squeeze=False)
    for r, row in enumerate(rows):
        for i in range(n):
            ax = axes[r, i]
            ax.set_xticks([]), ax.set_yticks([])
            if r == 0:
                ax.imshow(_picture(row[i]))
            else:
                ax.imshow(as_tensor("masks", row[i]).cpu().numpy(), cmap=cmap, vmin=0, vmax=max(top, 1),
                          interpolation="nearest")
            if i == 0:
                ax.set_ylabel(labels[r], fontsize=8)
    return fig
