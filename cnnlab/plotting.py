"""Small figures the chapters draw: images side by side, curves, parameter counts.

Every function builds a :class:`matplotlib.figure.Figure` directly, without
:mod:`matplotlib.pyplot`: nothing opens a window, nothing is left registered in
pyplot's list of open figures, and no global style is changed. In a notebook,
make the figure the last expression of a cell (``fig``) to display it; in a
script, call ``fig.savefig("name.png")``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from cnnlab._checks import check_int, check_tuple
from cnnlab.counting import conv_params, dense_params

__all__ = ["plot_curves", "plot_param_counts", "show_images"]


def _as_image(name: str, image) -> np.ndarray:
    """Return `image` as a NumPy array of shape (H, W) or (H, W, 3|4), else raise naming `name`."""
    if hasattr(image, "detach"):  # a torch.Tensor, on any device
        image = image.detach().cpu().numpy()
    array = np.asarray(image)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == bool
    ):
        raise TypeError(f"`{name}` must be an array or tensor of numbers, got dtype {array.dtype}")
    if array.ndim == 4 and array.shape[0] == 1 and array.shape[1] in (1, 3):
        # a (1, C, H, W) batch from conv2d: (H, W) for one channel, (H, W, 3) for RGB
        array = array[0, 0] if array.shape[1] == 1 else np.moveaxis(array[0], 0, -1)
    elif array.ndim == 3 and array.shape[-1] not in (3, 4) and array.shape[0] == 1:
        array = array[0]  # a (1, H, W) single-channel map
    if array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (3, 4)):
        return array
    raise ValueError(
        f"`{name}` must have shape (H, W), (H, W, 3), (1, H, W) or (1, C, H, W) with C "
        f"1 or 3, got {tuple(np.shape(image))}; for a (3, H, W) tensor use "
        "image.permute(1, 2, 0)"
    )


def show_images(
    images,
    titles: Sequence[str] | None = None,
    cmap="gray",
    ncols: int | None = None,
    figsize: tuple[float, float] | None = None,
    *,
    xlabel: str = "x (column)",
    ylabel: str = "y (row)",
    colorbar: bool = False,
    suptitle: str | None = None,
) -> Figure:
    """Show images side by side, one panel each, with titles and pixel axes.

    Parameters
    ----------
    images : array or tensor, or a sequence of them
        Each of shape (H, W) (drawn with `cmap`) or (H, W, 3) RGB (channels
        last). A ``(1, H, W)`` map and a ``(1, C, H, W)`` batch of one (C = 1
        or 3, NCHW as :func:`torch.nn.functional.conv2d` returns) are accepted
        too and converted.
        Tensors may live on any device. A single array or tensor is one image;
        pass a list for several.
    titles : sequence of str, optional
        One title per image.
    cmap : str or sequence of str, default "gray"
        Colour map for grey images: one for all, or one per image. Ignored for RGB.
    ncols : int, optional
        Panels per row; by default all images on one row, at most 4 per row.
    figsize : (float, float), optional
        Figure size in inches; by default about 3 inches per panel.
    xlabel, ylabel : str, keyword-only
        Axis labels: `xlabel` under every panel, `ylabel` on the first column.
    colorbar : bool, keyword-only, default False
        Add a colour bar to each grey panel (useful for signed feature maps).
    suptitle : str, optional, keyword-only
        A title for the whole figure.

    Returns
    -------
    matplotlib.figure.Figure
        A figure with exactly one axes per image (plus one per colour bar),
        in the order given.

    Raises
    ------
    TypeError
        If an image is not numeric or `cmap` is neither a str nor a sequence of str.
    ValueError
        If there are no images, an image has an unsupported shape, or `titles`
        or `cmap` do not have one entry per image.

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.linspace(0, 1, 12).reshape(3, 4)
    >>> fig = show_images([ramp, ramp.T], titles=["ramp", "transposed"])
    >>> [ax.get_title() for ax in fig.axes]
    ['ramp', 'transposed']
    >>> fig.axes[1].images[0].get_array().shape
    (4, 3)
    >>> len(show_images(np.zeros((5, 8, 8)), ncols=2).axes)
    Traceback (most recent call last):
    ...
    ValueError: `images[0]` must have shape (H, W), (H, W, 3), (1, H, W) or (1, C, H, W) with C 1 or 3, got (5, 8, 8); for a (3, H, W) tensor use image.permute(1, 2, 0)
    """
    if hasattr(images, "ndim"):
        images = [images]  # one array or tensor is one image
    elif isinstance(images, str) or not hasattr(images, "__iter__"):
        raise TypeError(f"`images` must be an array, a tensor or a sequence of them, got {images!r}")
    else:
        images = list(images)
    arrays = [_as_image(f"images[{i}]", image) for i, image in enumerate(images)]
    n = len(arrays)
    if n == 0:
        raise ValueError("`images` must hold at least one image, got none")
    if titles is not None:
        titles = list(titles)
        if len(titles) != n:
            raise ValueError(f"`titles` must have one entry per image ({n}), got {len(titles)}")
    if isinstance(cmap, str):
        cmaps = [cmap] * n
    elif isinstance(cmap, Sequence) and all(isinstance(c, str) for c in cmap):
        cmaps = list(cmap)
        if len(cmaps) != n:
            raise ValueError(f"`cmap` must be a str or one str per image ({n}), got {len(cmaps)}")
    else:
        raise TypeError(f"`cmap` must be a str or a sequence of str, got {cmap!r}")
    ncols = min(n, 4) if ncols is None else check_int("ncols", ncols, minimum=1)
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    if figsize is None:
        figsize = (3.2 * ncols + (0.6 * ncols if colorbar else 0.0), 3.0 * nrows + 0.4)

    fig = Figure(figsize=figsize, layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False)
    for k, ax in enumerate(grid.flat):
        if k >= n:
            fig.delaxes(ax)  # empty cells of the last row
            continue
        array = arrays[k]
        shown = ax.imshow(array, cmap=None if array.ndim == 3 else cmaps[k],
                          interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[k])
        ax.set_xlabel(xlabel)
        if k % ncols == 0:
            ax.set_ylabel(ylabel)
        if colorbar and array.ndim == 2:
            fig.colorbar(shown, ax=ax, shrink=0.8)
    if suptitle is not None:
        fig.suptitle(suptitle)
    return fig


def plot_curves(
    x,
    curves: Mapping[str, Sequence[float]],
    *,
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    logx: bool = False,
    logy: bool = False,
    figsize: tuple[float, float] = (6.4, 4.0),
) -> Figure:
    """Plot several named curves against the same `x`, with a legend.

    Parameters
    ----------
    x : array-like, shape (n,)
        Values on the horizontal axis.
    curves : mapping of str to array-like of shape (n,)
        Legend label -> values, drawn in the order given.
    xlabel, ylabel : str
        Axis labels (required: a figure in the book always says what it shows).
    title : str, optional
        Axes title.
    logx, logy : bool, default False
        Use a logarithmic scale on that axis.
    figsize : (float, float), default (6.4, 4.0)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        A figure with one axes holding one line per curve.

    Raises
    ------
    ValueError
        If `curves` is empty or a curve's length differs from `x`'s.

    Examples
    --------
    >>> fig = plot_curves([1, 2, 3], {"n": [1, 2, 3], "n²": [1, 4, 9]},
    ...                   xlabel="n", ylabel="value", logy=True)
    >>> ax = fig.axes[0]
    >>> [line.get_label() for line in ax.lines], ax.get_yscale()
    (['n', 'n²'], 'log')
    """
    x = np.asarray(x)
    if not curves:
        raise ValueError("`curves` must hold at least one curve, got none")
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    for label, values in curves.items():
        values = np.asarray(values)
        if values.shape != x.shape:
            raise ValueError(
                f"`curves[{label!r}]` must have the shape of `x` {x.shape}, got {values.shape}"
            )
        ax.plot(x, values, marker="o", markersize=3, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return fig


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


def plot_history(history, *, title: str | None = None, figsize: tuple[float, float] = (9.0, 3.6)) -> Figure:
    """Loss and accuracy per epoch from :func:`cnnlab.training.fit`, train against validation.

    Parameters
    ----------
    history : cnnlab.training.History
    title : str, optional
        A title over both panels.
    figsize : (float, float), default (9.0, 3.6)

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: loss (left) and accuracy (right).

    Examples
    --------
    >>> from cnnlab.training import History
    >>> fig = plot_history(History(train_loss=[1.0, 0.5], train_acc=[0.5, 0.8],
    ...                            val_loss=[1.1, 0.7], val_acc=[0.4, 0.7]))
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'accuracy']
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['train', 'validation']
    """
    if not history.train_loss:
        raise ValueError("`history` holds no epochs")
    epochs = np.arange(1, len(history.train_loss) + 1)
    fig = Figure(figsize=figsize, layout="constrained")
    for ax, key, label in zip(fig.subplots(1, 2), ("loss", "acc"), ("loss", "accuracy")):
        ax.plot(epochs, getattr(history, f"train_{key}"), marker="o", markersize=3, label="train")
        if getattr(history, f"val_{key}"):
            ax.plot(epochs, getattr(history, f"val_{key}"), marker="o", markersize=3, label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_confusion(matrix, *, class_names: Sequence[str] | None = None, title: str | None = None,
                   figsize: tuple[float, float] = (5.0, 4.4)) -> Figure:
    """Draw a confusion matrix (rows: true class, columns: predicted) with its counts.

    Examples
    --------
    >>> fig = plot_confusion(np.array([[5, 1], [0, 4]]), class_names=["cat", "dog"])
    >>> ax = fig.axes[0]
    >>> ax.get_xlabel(), ax.get_ylabel(), [t.get_text() for t in ax.texts]
    ('predicted', 'true', ['5', '1', '0', '4'])
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"`matrix` must be square (classes × classes), got shape {matrix.shape}")
    n = matrix.shape[0]
    names = [str(i) for i in range(n)] if class_names is None else list(class_names)
    if len(names) != n:
        raise ValueError(f"`class_names` must name {n} classes, got {len(names)}")
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center",
                color="white" if count > threshold else "black", fontsize=8)
    ax.set_xticks(range(n), names)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title is not None:
        ax.set_title(title)
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
