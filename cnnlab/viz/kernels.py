"""Kernels as pictures: their weights as heat maps, and what they do to an image.

Like :mod:`cnnlab.viz.images`, every function returns a :class:`matplotlib.figure.Figure` built
without pyplot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from cnnlab._checks import as_image, check_float, check_int


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
    the image is first blurred with ``cnnlab.kernels.gaussian(None, sigma)`` (cut at 4 sigma, as
    every Gaussian of cnnlab); then it is correlated with `kernel` by :func:`cnnlab.conv2d` with
    ``padding="same"``, so the output has the size of the input.

    Parameters
    ----------
    image : array or tensor, shape (H, W)
        A grey image with values in [0, 1], such as
        ``cnnlab.sample_image("camera", short_side=256)``.
    kernel : str or array of shape (kh, kw), default "identity"
        A key of ``cnnlab.kernels.KERNELS`` or the kernel itself.
    sigma : float, default 0.0
        Standard deviation of the Gaussian pre-blur in pixels; 0 means none.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}, default 'reflect', keyword-only
        How the border is filled (see :func:`cnnlab.conv2d`).
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

    from cnnlab.ops.conv import conv2d
    from cnnlab.ops.kernels import KERNELS, gaussian

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
    sigma = check_float("sigma", sigma, low=0.0)
    array = as_image("image", image)
    if array.ndim != 2:
        raise ValueError(f"`image` must be grey, shape (H, W), got {array.shape}")
    x = torch.tensor(np.asarray(array, dtype=np.float64))[None, None]  # (1, 1, H, W)
    if sigma > 0:
        g = gaussian(None, sigma)
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
