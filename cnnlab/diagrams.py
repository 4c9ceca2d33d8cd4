"""Diagrams of the convolution operation and its cost, for figures and widgets.

Which input pixels one output pixel reads (:func:`plot_conv_window`, and
:func:`conv_window_explorer` for sliders), kernels and what they do to a photo,
pooling, and bar charts of parameters and multiply-accumulates. Like
:mod:`cnnlab.plotting`, every function returns a :class:`matplotlib.figure.Figure`
built without pyplot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from cnnlab._checks import check_int, check_tuple
from cnnlab.counting import conv_params, dense_params
from cnnlab.plotting import _as_image


def plot_param_counts(
    side: int,
    channels: int = 3,
    units: int = 128,
    filters: int = 10,
    kernel_size: int = 3,
) -> Figure:
    """Bar chart: parameters of a dense layer against a convolution, on one image size.

    The dense layer maps the flattened ``side × side × channels`` image to
    `units` outputs; the convolution has `filters` kernels of
    ``kernel_size × kernel_size × channels``. Both have biases. Meant for
    :func:`ipywidgets.interact`, which redraws it as the sliders move.

    Parameters
    ----------
    side : int
        Image height and width in pixels, >= 1.
    channels : int, default 3
        Colour channels (1 grey, 3 RGB), >= 1.
    units : int, default 128
        Outputs of the dense layer, >= 1.
    filters : int, default 10
        Output channels of the convolution, >= 1.
    kernel_size : int, default 3
        Side of the square kernel, >= 1.

    Returns
    -------
    matplotlib.figure.Figure
        One axes (log scale) with two bars, each labelled with its count.

    Raises
    ------
    TypeError, ValueError
        If an argument is not a positive int.

    Examples
    --------
    >>> fig = plot_param_counts(64, channels=3)
    >>> [round(bar.get_height()) for bar in fig.axes[0].patches]
    [1572992, 280]
    """
    side = check_int("side", side, minimum=1)
    channels = check_int("channels", channels, minimum=1)
    dense = dense_params(side * side * channels, units)
    conv = conv_params(channels, filters, kernel_size)

    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.add_subplot()
    labels = [f"dense → {units} units", f"conv {kernel_size}×{kernel_size}, {filters} filters"]
    bars = ax.bar(labels, [dense, conv], color=["tab:red", "tab:blue"])
    ax.bar_label(bars, labels=[f"{dense:,}", f"{conv:,}"], padding=2)
    ax.set_yscale("log")
    ax.set_ylim(1, dense * 20)
    ax.set_ylabel("parameters (log scale)")
    ax.set_xlabel("layer")
    ax.set_title(f"{side}×{side}×{channels} image: dense needs {dense / conv:,.0f}× more")
    return fig


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

    Left: the input grid with its zero padding (grey, hatched), the window of
    the chosen output pixel outlined, and the pixels the kernel actually reads
    filled (with dilation they are spread out). Right: the output grid with the
    chosen pixel filled. Sizes come from :func:`cnnlab.shapes.conv_output_size`.

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
    from cnnlab.shapes import conv_output_size

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
    from matplotlib.patches import Rectangle

    for i in range(H):
        for j in range(W):
            pad_cell = not (p[0] <= i < p[0] + h and p[1] <= j < p[1] + w)
            face = "tab:orange" if (i, j) in read else ("0.85" if pad_cell else "white")
            ax_in.add_patch(Rectangle((j, i), 1, 1, facecolor=face, edgecolor="0.5",
                                      hatch="//" if pad_cell else None, lw=0.6))
    ax_in.add_patch(Rectangle((left, top), span[1], span[0], fill=False, edgecolor="tab:red", lw=2.2))
    for i in range(out_h):
        for j in range(out_w):
            face = "tab:orange" if (i, j) == (oi, oj) else "white"
            ax_out.add_patch(Rectangle((j, i), 1, 1, facecolor=face, edgecolor="0.5", lw=0.6))
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


def plot_conv_cost(
    in_channels: int = 64,
    out_channels: int = 64,
    kernel_size: int = 3,
    groups: int = 1,
    output_size: int = 32,
    *,
    figsize: tuple[float, float] = (9.0, 3.6),
) -> Figure:
    """Parameters and MACs of a (grouped) convolution, next to a standard and a separable one.

    Three bars per panel: the standard convolution (``groups=1``), the layer
    with `groups`, and a depthwise-separable pair (depthwise ``k × k`` then
    pointwise 1 × 1), all with biases, from :mod:`cnnlab.counting`. Meant for
    :func:`ipywidgets.interact`.

    Parameters
    ----------
    in_channels, out_channels : int, default 64
        Channels in and out, >= 1, both divisible by `groups`.
    kernel_size : int, default 3
        Side of the square kernel, >= 1.
    groups : int, default 1
        Channel groups of the middle bar.
    output_size : int, default 32
        Height and width of the output feature map (for the MACs).
    figsize : (float, float), default (9.0, 3.6), keyword-only

    Returns
    -------
    matplotlib.figure.Figure
        Two axes (log scale): parameters (left) and MACs (right), three bars each.

    Raises
    ------
    TypeError, ValueError
        If an argument is not a positive int or `groups` does not divide the channels.

    Examples
    --------
    >>> fig = plot_conv_cost(3, 10, 3, output_size=62)
    >>> [round(bar.get_height()) for bar in fig.axes[0].patches]
    [280, 280, 70]
    >>> plot_conv_cost(6, 9, 3, groups=2)
    Traceback (most recent call last):
    ...
    ValueError: `out_channels` must be divisible by `groups`=2, got 9
    """
    from cnnlab.counting import conv_macs, separable_macs, separable_params

    params = [
        conv_params(in_channels, out_channels, kernel_size),
        conv_params(in_channels, out_channels, kernel_size, groups=groups),
        separable_params(in_channels, out_channels, kernel_size),
    ]
    macs = [
        conv_macs(in_channels, out_channels, kernel_size, output_size),
        conv_macs(in_channels, out_channels, kernel_size, output_size, groups=groups),
        separable_macs(in_channels, out_channels, kernel_size, output_size),
    ]
    labels = ["standard", f"groups={groups}", "depthwise\n+ 1×1"]
    fig = Figure(figsize=figsize, layout="constrained")
    for ax, values, name in zip(fig.subplots(1, 2), (params, macs), ("parameters", "MACs")):
        bars = ax.bar(labels, values, color=["tab:blue", "tab:orange", "tab:green"])
        ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=2, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylim(1, max(values) * 30)
        ax.set_ylabel(f"{name} (log scale)")
        ax.set_xlabel("layer")
        ax.set_title(name)
    fig.suptitle(f"{in_channels} → {out_channels} channels, {kernel_size}×{kernel_size} kernel, "
                 f"output {output_size}×{output_size}")
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
    from cnnlab.shapes import conv_output_size, effective_kernel_size

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


def plot_kernels(
    kernels: Mapping[str, object],
    *,
    ncols: int | None = None,
    decimals: int = 2,
    cmap: str = "coolwarm",
    suptitle: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw small kernels as heat maps with their values written in the cells.

    Each panel has its own colour scale, symmetric around 0 (so with the
    default ``"coolwarm"`` map negative weights are blue, positive red and 0
    is white), and its title is the kernel's name.

    Parameters
    ----------
    kernels : mapping of str to array or tensor of shape (kh, kw)
        Name -> kernel, drawn in the order given (``cnnlab.kernels.KERNELS``
        fits). Tensors may live on any device and require grad.
    ncols : int, optional, keyword-only
        Panels per row; by default all on one row, at most 5 per row.
    decimals : int, default 2, keyword-only
        Digits after the point in the cell labels (trailing zeros dropped).
    cmap : str, default "coolwarm", keyword-only
    suptitle : str, optional, keyword-only
    figsize : (float, float), optional, keyword-only
        By default about 2.3 inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per kernel, in order, with column (x) and row (y) labels.

    Raises
    ------
    ValueError
        If `kernels` is empty or a kernel is not 2-D.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_kernels({"sobel x": np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])})
    >>> ax = fig.axes[0]
    >>> ax.get_title(), [t.get_text() for t in ax.texts][:3]
    ('sobel x', ['-1', '0', '1'])
    """
    if not kernels:
        raise ValueError("`kernels` must hold at least one kernel, got none")
    arrays = {}
    for name, kernel in kernels.items():
        if hasattr(kernel, "detach"):
            kernel = kernel.detach().cpu().numpy()
        array = np.asarray(kernel, dtype=np.float64)
        if array.ndim != 2:
            raise ValueError(f"`kernels[{name!r}]` must be 2-D (kh, kw), got shape {array.shape}")
        arrays[name] = array
    decimals = check_int("decimals", decimals, minimum=0)
    n = len(arrays)
    ncols = min(n, 5) if ncols is None else min(check_int("ncols", ncols, minimum=1), n)
    nrows = math.ceil(n / ncols)
    if figsize is None:
        figsize = (2.3 * ncols, 2.4 * nrows + (0.4 if suptitle else 0.0))
    fig = Figure(figsize=figsize, layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False)
    items = list(arrays.items())
    for k, ax in enumerate(grid.flat):
        if k >= n:
            fig.delaxes(ax)  # empty cells of the last row
            continue
        name, array = items[k]
        _draw_kernel(ax, array, decimals, cmap)
        ax.set_title(name)
        ax.set_xlabel("column")
        if k % ncols == 0:
            ax.set_ylabel("row")
    if suptitle is not None:
        fig.suptitle(suptitle)
    return fig


def _draw_kernel(ax, array: np.ndarray, decimals: int = 2, cmap: str = "coolwarm") -> None:
    """Heat map of one kernel on `ax`, colours symmetric around 0, values written up to 9×9."""
    limit = float(np.abs(array).max()) or 1.0
    ax.imshow(array, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    if array.size <= 81:  # numbers stay readable up to 9×9
        for (i, j), value in np.ndenumerate(array):
            text = f"{value:.{decimals}f}"
            if decimals:
                text = text.rstrip("0").rstrip(".")
            ax.text(j, i, "0" if text in ("-0", "") else text, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(array.shape[1]))
    ax.set_yticks(range(array.shape[0]))


def plot_filter(image, kernel="identity", sigma: float = 0.0, *, padding_mode: str = "reflect",
                figsize: tuple[float, float] = (10.0, 3.6)) -> Figure:
    """Filter a grey image with a named or given kernel, after an optional Gaussian blur.

    Meant for :func:`ipywidgets.interact`: a dropdown of names from
    ``cnnlab.kernels.KERNELS`` and a slider for `sigma`. When ``sigma > 0``
    the image is first blurred with
    ``cnnlab.kernels.gaussian(2 * ceil(3 * sigma) + 1, sigma)``; then it is
    correlated with `kernel` by :func:`cnnlab.conv.conv2d` with
    ``padding="same"``, so the output has the size of the input.

    Parameters
    ----------
    image : array or tensor, shape (H, W)
        A grey image with values in [0, 1], such as
        ``cnnlab.sample_image("camera", size=256)``.
    kernel : str or array of shape (kh, kw), default "identity"
        A key of ``cnnlab.kernels.KERNELS`` or the kernel itself.
    sigma : float, default 0.0
        Standard deviation of the Gaussian pre-blur in pixels; 0 means none.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, default 'reflect', keyword-only
        How the border is filled (see :func:`cnnlab.conv.conv2d`).
    figsize : (float, float), default (10.0, 3.6), keyword-only

    Returns
    -------
    matplotlib.figure.Figure
        Three axes: the (blurred) input, the kernel with its values, the output.
        Outputs of kernels that sum to 1 are shown on the input's 0..1 scale
        (clipped); other outputs (edge kernels sum to 0) are drawn with 0 as
        mid-grey and ± their 99th percentile of ``|output|`` as black and white.

    Raises
    ------
    ValueError
        If `kernel` is an unknown name or not 2-D, `sigma` is negative, or
        `image` is not a grey (H, W) image.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_filter(np.eye(8), "box_blur", sigma=1.0)
    >>> [ax.get_title() for ax in fig.axes]
    ['input, Gaussian blur σ = 1', 'kernel box_blur (3×3)', 'output, 8×8']
    """
    import torch

    from cnnlab.conv import conv2d
    from cnnlab.kernels import KERNELS, gaussian

    name = None
    if isinstance(kernel, str):
        if kernel not in KERNELS:
            raise ValueError(f"`kernel` must be one of {', '.join(KERNELS)} or an array, got {kernel!r}")
        name, kernel = kernel, KERNELS[kernel]
    if hasattr(kernel, "detach"):
        kernel = kernel.detach().cpu().numpy()
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2:
        raise ValueError(f"`kernel` must be 2-D (kh, kw), got shape {kernel.shape}")
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not sigma >= 0:
        raise ValueError(f"`sigma` must be a number >= 0, got {sigma!r}")
    array = _as_image("image", image)
    if array.ndim != 2:
        raise ValueError(f"`image` must be grey, shape (H, W), got {array.shape}")
    x = torch.tensor(np.asarray(array, dtype=np.float64))[None, None]  # (1, 1, H, W)
    if sigma > 0:
        g = gaussian(2 * math.ceil(3 * sigma) + 1, float(sigma))
        x = conv2d(x, torch.tensor(g)[None, None], padding="same", padding_mode=padding_mode)
    y = conv2d(x, torch.tensor(kernel)[None, None], padding="same", padding_mode=padding_mode)
    x, y = x[0, 0].numpy(), y[0, 0].numpy()

    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=[1, 0.7, 1])
    axes[0].imshow(x, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0].set_title("input" + (f", Gaussian blur σ = {sigma:g}" if sigma > 0 else ""))
    _draw_kernel(axes[1], kernel)
    kh, kw = kernel.shape
    axes[1].set_title(f"kernel {name} ({kh}×{kw})" if name else f"kernel ({kh}×{kw})")
    if abs(kernel.sum() - 1.0) < 1e-6:  # keeps the brightness: same scale as the input
        axes[2].imshow(np.clip(y, 0, 1), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:  # signed map (edges): 0 is mid-grey, the 1 % strongest responses saturate
        limit = float(np.percentile(np.abs(y), 99)) or 1.0
        axes[2].imshow(y, cmap="gray", vmin=-limit, vmax=limit, interpolation="nearest")
    axes[2].set_title(f"output, {y.shape[0]}×{y.shape[1]}")
    for ax, (xlabel, ylabel) in zip(axes, [("x (column)", "y (row)"), ("column", "row"),
                                           ("x (column)", "y (row)")]):
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    return fig


_POOLS = ("max", "avg", "l2")


def plot_pooling(feature_map, kernel_size: int = 2, mode: str = "max") -> Figure:
    """A feature map next to its pooled version (non-overlapping windows), for a widget.

    Pools with :mod:`cnnlab.pooling` (``max_pool2d``, ``avg_pool2d`` or ``lp_pool2d``
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

    from cnnlab import pooling

    if mode not in _POOLS:
        raise ValueError(f"`mode` must be one of {_POOLS}, got {mode!r}")
    array = _as_image("feature_map", feature_map)
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


def plot_block_cost(
    in_channels: int = 64,
    out_channels: int = 64,
    kernel_size: int = 3,
    expand_ratio: int = 6,
    output_size: int = 32,
    *,
    figsize: tuple[float, float] = (9.0, 3.6),
) -> Figure:
    """Weights and MACs of a standard, a depthwise-separable and an inverted-bottleneck layer.

    Three bars per panel, convolution weights only (no biases, no batch norm),
    all at stride 1 on a ``output_size × output_size`` map, from
    :mod:`cnnlab.counting`:

    - standard: ``k × k`` convolution, `in_channels` to `out_channels`;
    - separable: depthwise ``k × k`` on `in_channels`, then pointwise 1 × 1;
    - inverted bottleneck (MobileNetV2): 1 × 1 expansion to
      ``hidden = in_channels * expand_ratio`` (none when `expand_ratio` is 1),
      depthwise ``k × k`` on `hidden`, linear 1 × 1 projection to `out_channels`.

    Meant for :func:`ipywidgets.interact` with sliders for the channels, the
    kernel size and the expansion ratio.

    Parameters
    ----------
    in_channels, out_channels : int, default 64
        Channels in and out, >= 1.
    kernel_size : int, default 3
        Side of the square (depthwise) kernel, >= 1.
    expand_ratio : int, default 6
        Expansion ratio *t* of the inverted bottleneck, >= 1.
    output_size : int, default 32
        Height and width of the output feature map (for the MACs), >= 1.
    figsize : (float, float), default (9.0, 3.6), keyword-only

    Returns
    -------
    matplotlib.figure.Figure
        Two axes (log scale): weights (left) and MACs (right), three bars each,
        labelled with the count and its ratio to the standard convolution.

    Raises
    ------
    TypeError, ValueError
        If an argument is not a positive int.

    References
    ----------
    M. Sandler et al., "MobileNetV2: Inverted residuals and linear bottlenecks", CVPR 2018.

    Examples
    --------
    >>> fig = plot_block_cost(64, 64, 3, expand_ratio=6, output_size=32)
    >>> [round(bar.get_height()) for bar in fig.axes[0].patches]
    [36864, 4672, 52608]
    >>> [round(bar.get_height()) for bar in fig.axes[1].patches]
    [37748736, 4784128, 53870592]
    """
    from cnnlab.counting import conv_macs, depthwise_macs, depthwise_params, pointwise_macs, pointwise_params

    in_channels = check_int("in_channels", in_channels, minimum=1)
    out_channels = check_int("out_channels", out_channels, minimum=1)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    expand_ratio = check_int("expand_ratio", expand_ratio, minimum=1)
    output_size = check_int("output_size", output_size, minimum=1)
    k, n, hidden = kernel_size, output_size, in_channels * expand_ratio

    expand_params = pointwise_params(in_channels, hidden, bias=False) if expand_ratio > 1 else 0
    expand_macs = pointwise_macs(in_channels, hidden, n) if expand_ratio > 1 else 0
    params = [
        conv_params(in_channels, out_channels, k, bias=False),
        depthwise_params(in_channels, k, bias=False)
        + pointwise_params(in_channels, out_channels, bias=False),
        expand_params + depthwise_params(hidden, k, bias=False)
        + pointwise_params(hidden, out_channels, bias=False),
    ]
    macs = [
        conv_macs(in_channels, out_channels, k, n),
        depthwise_macs(in_channels, k, n) + pointwise_macs(in_channels, out_channels, n),
        expand_macs + depthwise_macs(hidden, k, n) + pointwise_macs(hidden, out_channels, n),
    ]
    labels = [f"standard\n{k}×{k}", f"depthwise {k}×{k}\n+ 1×1", f"inverted\nbottleneck t={expand_ratio}"]
    fig = Figure(figsize=figsize, layout="constrained")
    for ax, values, name in zip(fig.subplots(1, 2), (params, macs), ("weights", "MACs")):
        bars = ax.bar(labels, values, color=["tab:blue", "tab:green", "tab:purple"])
        ax.bar_label(bars, labels=[f"{v:,}\n({v / values[0]:.2f}×)" for v in values],
                     padding=2, fontsize=8)
        ax.set_yscale("log")
        ax.set_ylim(1, max(values) * 100)
        ax.set_ylabel(f"{name} (log scale)")
        ax.set_xlabel("layer")
        ax.set_title(name)
    fig.suptitle(f"{in_channels} → {out_channels} channels, {k}×{k} kernel, "
                 f"output {n}×{n} (hidden {hidden} channels in the inverted bottleneck)")
    return fig
