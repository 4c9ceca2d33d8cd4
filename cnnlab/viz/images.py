"""Figures of images: side by side, and in labelled rows.

Every function builds a :class:`matplotlib.figure.Figure` directly, without
:mod:`matplotlib.pyplot`: nothing opens a window, nothing is left registered in
pyplot's list of open figures, and no global style is changed. In a notebook,
make the figure the last expression of a cell (``fig``) to display it; in a
script, call ``fig.savefig("name.png")``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from cnnlab._checks import as_image, check_int


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
    arrays = [as_image(f"images[{i}]", image) for i, image in enumerate(images)]
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


def show_image_rows(
    rows,
    row_labels: Sequence[str],
    *,
    titles: Sequence[str] | None = None,
    suptitle: str | None = None,
    cmap: str = "gray",
    vmin: float | None = 0.0,
    vmax: float | None = 1.0,
    panel_size: float = 1.1,
) -> Figure:
    """Show batches of grey images as a grid: one labelled row per batch, one column per image.

    Made for comparing versions of the same images, e.g. clean / noisy /
    denoised, or originals / reconstructions: every row shares the grey scale
    `vmin`..`vmax`, so equal grey means equal value.

    Parameters
    ----------
    rows : sequence of array or tensor, each of shape (N, 1, H, W) or (N, H, W)
        The batches, all with the same number N of images.
    row_labels : sequence of str
        One label per row, written left of the row.
    titles : sequence of str, optional, keyword-only
        One title per column (image), above the first row.
    suptitle : str, optional, keyword-only
        A title for the whole figure.
    cmap : str, default "gray"
    vmin, vmax : float or None, default 0.0 and 1.0
        Grey scale shared by all panels; None lets each panel scale itself.
    panel_size : float, default 1.1
        Size of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
        ``len(rows) * N`` axes, row by row, without ticks.

    Raises
    ------
    ValueError
        If `rows` is empty, a batch has another shape, the batches differ in
        length, or `row_labels` / `titles` have the wrong length.

    Examples
    --------
    >>> import numpy as np
    >>> clean = np.zeros((3, 1, 8, 8)); noisy = clean + 0.1
    >>> fig = show_image_rows([clean, noisy], ["clean", "noisy"], titles=["a", "b", "c"])
    >>> len(fig.axes), fig.axes[3].get_ylabel(), fig.axes[1].get_title()
    (6, 'noisy', 'b')
    """
    if len(rows) == 0:
        raise ValueError("`rows` must hold at least one batch of images, got none")
    batches = []
    for i, batch in enumerate(rows):
        if hasattr(batch, "detach"):
            batch = batch.detach().cpu().numpy()
        batch = np.asarray(batch, dtype=float)
        if batch.ndim == 4 and batch.shape[1] == 1:
            batch = batch[:, 0]
        if batch.ndim != 3 or len(batch) == 0:
            raise ValueError(f"`rows[{i}]` must have shape (N, 1, H, W) or (N, H, W) with N >= 1, "
                             f"got {tuple(np.shape(rows[i]))}")
        batches.append(batch)
    n = len(batches[0])
    if any(len(b) != n for b in batches):
        raise ValueError(f"`rows` must all hold the same number of images, got {[len(b) for b in batches]}")
    if len(row_labels) != len(batches):
        raise ValueError(f"`row_labels` must have one entry per row ({len(batches)}), got {len(row_labels)}")
    if titles is not None and len(titles) != n:
        raise ValueError(f"`titles` must have one entry per column ({n}), got {len(titles)}")
    fig = Figure(figsize=(panel_size * n + 0.9, panel_size * len(batches) + (0.5 if suptitle else 0.2)),
                 layout="constrained")
    axes = fig.subplots(len(batches), n, squeeze=False)
    for r, (batch, label) in enumerate(zip(batches, row_labels)):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(batch[c], cmap=cmap, vmin=vmin, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=9)
            if r == 0 and titles is not None:
                ax.set_title(titles[c], fontsize=9)
    if suptitle is not None:
        fig.suptitle(suptitle)
    return fig
