"""Diagrams of the convolution operation: which pixels a window reads, kernels, filters, pooling.

Which input pixels one output pixel reads (:func:`plot_conv_window`, and
:func:`conv_window_explorer` for explorers), pooling, and what named kernels do to a photo.
Like :mod:`cnnlab.viz.images`, every function returns a :class:`matplotlib.figure.Figure` built
without pyplot; sizes come from :mod:`cnnlab.ops.shapes`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from cnnlab._checks import as_image, check_choice, check_int, check_tuple
from cnnlab.ops.shapes import conv_output_size, effective_kernel_size

#: Colour of the cells a window reads (and of the output pixel it computes).
CELL_READ = "tab:orange"


def plot_conv_window(
    size,
    kernel_size,
    *,
    stride=1,
    padding=0,
    dilation=1,
    output_index=(0, 0),
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw which input pixels feed one output pixel of a 2-D convolution.

    Left: the input grid with its zero padding (grey), the window of the chosen
    output pixel outlined, and the pixels the kernel actually reads filled (with
    dilation they are spread out). Right: the output grid with the
    chosen pixel filled. Sizes come from :func:`cnnlab.conv_output_size`.

    Parameters
    ----------
    size : int or (int, int)
        Input height and width (small grids read best, up to about 16).
    kernel_size, stride, dilation : int or (int, int)
    padding : int or (int, int)
        Zeros on each side (symmetric), per dimension.
    output_index : (int, int), default (0, 0)
        Row and column of the output pixel to trace.
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
        Two axes, titled with the input and output sizes.

    Raises
    ------
    ValueError
        If the kernel does not fit the padded input or `output_index` is outside the output.

    Examples
    --------
    >>> fig = plot_conv_window(5, 3, padding=1, output_index=(0, 0))
    >>> [ax.get_title() for ax in fig.axes]
    ['input 5×5, padding 1: 9 pixels read', 'output 5×5']
    >>> fig = plot_conv_window(7, 3, stride=2, dilation=2, output_index=(1, 1))
    >>> fig.axes[1].get_title()
    'output 2×2'
    """
    (h, w) = check_tuple("size", size, 2, minimum=1)
    k = check_tuple("kernel_size", kernel_size, 2, minimum=1)
    s = check_tuple("stride", stride, 2, minimum=1)
    d = check_tuple("dilation", dilation, 2, minimum=1)
    p = check_tuple("padding", padding, 2, minimum=0)
    out_h, out_w = conv_output_size((h, w), k, s, p, d)
    if (
        not isinstance(output_index, (tuple, list))
        or len(output_index) != 2
        or not (0 <= output_index[0] < out_h and 0 <= output_index[1] < out_w)
    ):
        raise ValueError(
            f"`output_index` must be (row, col) inside the {out_h}×{out_w} output, got {output_index!r}"
        )
    oi, oj = output_index
    top, left = oi * s[0], oj * s[1]  # window corner in padded coordinates
    read = {(top + a * d[0], left + b * d[1]) for a in range(k[0]) for b in range(k[1])}
    span = ((k[0] - 1) * d[0] + 1, (k[1] - 1) * d[1] + 1)

    H, W = h + 2 * p[0], w + 2 * p[1]
    if figsize is None:
        figsize = (4.0 + 0.3 * (W + out_w), 0.5 + 0.3 * max(H, out_h) + 0.6)
    fig = Figure(figsize=figsize, layout="constrained")
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[W, max(out_w, 1)])
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Rectangle

    # one image per grid (fast to draw), cell colours: read, padding, input
    grid = np.ones((H, W, 3))
    grid[:, :] = to_rgb("0.85")
    grid[p[0]:p[0] + h, p[1]:p[1] + w] = 1.0
    for i, j in read:
        grid[i, j] = to_rgb(CELL_READ)
    output = np.ones((out_h, out_w, 3))
    output[oi, oj] = to_rgb(CELL_READ)
    for ax, image in ((ax_in, grid), (ax_out, output)):
        rows, cols = image.shape[:2]
        ax.imshow(image, extent=(0, cols, rows, 0), interpolation="nearest")
        ax.vlines(np.arange(cols + 1), 0, rows, colors="0.5", lw=0.6)
        ax.hlines(np.arange(rows + 1), 0, cols, colors="0.5", lw=0.6)
    ax_in.add_patch(Rectangle((left, top), span[1], span[0], fill=False, edgecolor="tab:red", lw=2.2))
    pad_text = f", padding {p[0]}" if p[0] == p[1] else f", padding {p}"
    ax_in.set_title(f"input {h}×{w}{pad_text if any(p) else ''}: {len(read)} pixels read")
    ax_out.set_title(f"output {out_h}×{out_w}")
    for ax, (rows, cols) in ((ax_in, (H, W)), (ax_out, (out_h, out_w))):
        ax.set_xlim(0, cols)
        ax.set_ylim(rows, 0)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def conv_window_explorer(size=7, kernel_size=3, stride=1, padding=0, dilation=1, row=0, col=0) -> Figure:
    """:func:`plot_conv_window` for sliders: clamps the output pixel and states the size formula.

    Meant for :func:`ipywidgets.interact`: `row` and `col` are clamped into the
    output, so a slider range that suits the largest output never raises, and
    the figure's title writes out ``floor((n + 2p - e) / s) + 1`` with the
    slider values, where ``e = k + (k - 1)(d - 1)`` is the effective (dilated)
    kernel size. A kernel larger than the padded input gives a figure that
    says so instead of an error.

    Parameters
    ----------
    size : int, default 7
        Input height and width, >= 1.
    kernel_size, stride, dilation : int, default 3, 1 and 1
        Square kernel side, step and dilation, >= 1.
    padding : int, default 0
        Zeros on each side, >= 0.
    row, col : int, default 0
        Output pixel to trace, >= 0; clamped to the last row / column.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes (input, output) under a title with the output-size formula, or
        one axes with a message when the kernel does not fit.

    Raises
    ------
    TypeError, ValueError
        If an argument is not an int in its range.

    Examples
    --------
    >>> fig = conv_window_explorer(8, 3, stride=2, padding=1, row=9, col=0)
    >>> fig.get_suptitle()
    'output size ⌊(8 + 2·1 − 3) / 2⌋ + 1 = 4'
    >>> fig.axes[1].get_title()
    'output 4×4'
    >>> conv_window_explorer(15, 3, dilation=2, row=50, col=50).get_suptitle()
    'effective kernel 3 + 2·1 = 5; output size ⌊(15 + 2·0 − 5) / 1⌋ + 1 = 11'
    >>> conv_window_explorer(3, 7).get_suptitle()
    'kernel 7 is larger than the padded input 3 + 2·0 = 3: no output'
    """
    size = check_int("size", size, minimum=1)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    padding = check_int("padding", padding, minimum=0)
    dilation = check_int("dilation", dilation, minimum=1)
    row = check_int("row", row, minimum=0)
    col = check_int("col", col, minimum=0)
    padded = size + 2 * padding
    effective = effective_kernel_size(kernel_size, dilation)
    named = f"kernel {kernel_size}" if dilation == 1 else f"dilated kernel {effective}"
    if effective > padded:
        fig = Figure(figsize=(6.4, 1.6), layout="constrained")
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, "make the kernel smaller or the padding larger",
                ha="center", va="center", transform=ax.transAxes)
        fig.suptitle(f"{named} is larger than the padded input "
                     f"{size} + 2·{padding} = {padded}: no output")
        return fig
    out = conv_output_size(size, kernel_size, stride=stride, padding=padding, dilation=dilation)
    fig = plot_conv_window(size, kernel_size, stride=stride, padding=padding, dilation=dilation,
                           output_index=(min(row, out - 1), min(col, out - 1)))
    formula = f"output size ⌊({size} + 2·{padding} − {effective}) / {stride}⌋ + 1 = {out}"
    if dilation > 1:
        formula = (f"effective kernel {kernel_size} + {kernel_size - 1}·{dilation - 1} = {effective}; "
                   + formula)
    fig.suptitle(formula)
    return fig


_POOLS = ("max", "avg", "l2")


def plot_pooling(feature_map, kernel_size: int = 2, mode: str = "max") -> Figure:
    """A feature map next to its pooled version (non-overlapping windows), for a widget.

    Pools with :mod:`cnnlab.ops.pooling` (``max_pool2d``, ``avg_pool2d`` or ``lp_pool2d``
    with ``norm_type=2``), stride = `kernel_size`, and draws both at the same size, so
    the loss of detail is visible; the titles give the sizes.

    Parameters
    ----------
    feature_map : array or tensor, shape (H, W)
        One channel, e.g. a ReLU edge map of a photo.
    kernel_size : int, default 2
        Side of the square pooling window, >= 1 and at most min(H, W).
    mode : {'max', 'avg', 'l2'}, default 'max'

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the map (left) and the pooled map (right).

    Raises
    ------
    TypeError, ValueError
        For an unknown `mode`, a bad `kernel_size` or a map that is not 2-D.

    Examples
    --------
    >>> fig = plot_pooling(np.arange(16.0).reshape(4, 4), 2, "max")
    >>> fig.axes[1].images[0].get_array().tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    >>> fig.axes[1].get_title()
    'max pooling 2×2 → 2×2'
    """
    import torch

    from cnnlab.ops import pooling

    check_choice("mode", mode, _POOLS)
    array = as_image("feature_map", feature_map)
    if array.ndim != 2:
        raise ValueError(f"`feature_map` must be 2-D (H, W), got shape {array.shape}")
    k = check_int("kernel_size", kernel_size, minimum=1)
    if k > min(array.shape):
        raise ValueError(f"`kernel_size` must be at most the map's smaller side {min(array.shape)}, got {k}")
    x = torch.as_tensor(np.asarray(array, dtype=np.float64))[None, None]  # (1, 1, H, W)
    if mode == "max":
        pooled = pooling.max_pool2d(x, k)
    elif mode == "avg":
        pooled = pooling.avg_pool2d(x, k)
    else:
        pooled = pooling.lp_pool2d(x, 2, k)
    pooled = pooled[0, 0].numpy()
    h, w = array.shape
    fig = Figure(figsize=(9.0, 4.0), layout="constrained")
    axes = fig.subplots(1, 2)
    axes[0].imshow(array, cmap="gray", interpolation="nearest")
    axes[0].set_title(f"feature map {h}×{w}")
    # the pooled map drawn over the same extent: each value covers its k × k window
    axes[1].imshow(pooled, cmap="gray", interpolation="nearest",
                   extent=(-0.5, pooled.shape[1] * k - 0.5, pooled.shape[0] * k - 0.5, -0.5))
    axes[1].set_xlim(axes[0].get_xlim())
    axes[1].set_ylim(axes[0].get_ylim())
    name = {"max": "max", "avg": "average", "l2": "L2"}[mode]
    axes[1].set_title(f"{name} pooling {k}×{k} → {pooled.shape[0]}×{pooled.shape[1]}")
    for ax in axes:
        ax.set_xlabel("x (column of the input)")
        ax.set_ylabel("y (row of the input)")
    return fig
