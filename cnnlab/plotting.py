"""Figures the chapters draw: images side by side, curves, training histories, results.

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

from cnnlab._checks import check_int


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


def plot_gradient_norms(
    norms: Mapping[str, Sequence[float] | Mapping[str, float]],
    *,
    title: str | None = None,
    ax=None,
    figsize: tuple[float, float] = (6.4, 4.0),
) -> Figure:
    """Gradient norm of each layer, from input to output, on a log scale: one line per network.

    Meant for the output of :func:`cnnlab.training.gradient_norms` (a dict of
    layer name to norm, in order from input to output). A norm of exactly 0
    (a gradient that underflowed in floating point) cannot be drawn on a log
    axis: it is left out of the line and counted in the legend.

    Parameters
    ----------
    norms : mapping of str to a sequence of float or a mapping of str to float
        Legend label -> gradient norms of the layers, first layer first.
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (of a figure with several panels) instead of a new figure.
    figsize : (float, float), default (6.4, 4.0)
        Size of a new figure, in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the axes (one line per network, x = layer 1, 2, ...).

    Raises
    ------
    ValueError
        If `norms` is empty, or a profile is empty or holds a negative or non-finite value.

    Examples
    --------
    >>> fig = plot_gradient_norms({"plain": [1e-9, 1e-5, 1e-2], "residual": {"a": 0.1, "b": 0.0}})
    >>> ax = fig.axes[0]
    >>> [line.get_label() for line in ax.lines], ax.get_yscale()
    (['plain', 'residual (1 layer exactly 0)'], 'log')
    >>> ax.lines[0].get_xdata().tolist()
    [1, 2, 3]
    """
    if not norms:
        raise ValueError("`norms` must hold at least one profile, got none")
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    for label, values in norms.items():
        values = np.asarray(list(values.values()) if isinstance(values, Mapping) else values, float)
        if values.ndim != 1 or values.size == 0:
            raise ValueError(f"`norms[{label!r}]` must be a non-empty 1-D sequence, got shape {values.shape}")
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError(f"`norms[{label!r}]` must hold finite non-negative norms, got {values.tolist()}")
        zeros = int((values == 0).sum())
        shown = np.where(values > 0, values, np.nan)
        suffix = f" ({zeros} layer{'s' if zeros > 1 else ''} exactly 0)" if zeros else ""
        ax.plot(np.arange(1, values.size + 1), shown, marker="o", markersize=2.5, label=label + suffix)
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("gradient norm (log scale)")
    if title is not None:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def plot_runs(
    runs: Mapping[str, Sequence[Sequence[float]]],
    *,
    xlabel: str = "epoch",
    ylabel: str,
    title: str | None = None,
    logy: bool = False,
    figsize: tuple[float, float] = (6.4, 4.0),
) -> Figure:
    """Mean curve of repeated runs with a band of ± one standard deviation, one colour per label.

    Parameters
    ----------
    runs : mapping of str to array-like, shape (runs, points)
        Legend label -> one row per run (e.g. per seed), one column per epoch.
        The x values are 1, 2, ..., points.
    xlabel, ylabel : str
        Axis labels (`ylabel` is required).
    title : str, optional
    logy : bool, default False
        Logarithmic vertical axis.
    figsize : (float, float), default (6.4, 4.0)

    Returns
    -------
    matplotlib.figure.Figure
        One axes: for each label a mean line and a shaded band, mean ± the sample
        standard deviation (``ddof=1``; no band for a single run).

    Raises
    ------
    ValueError
        If `runs` is empty or an entry is not a non-empty 2-D array.

    Examples
    --------
    >>> fig = plot_runs({"a": [[1.0, 0.5], [1.0, 0.7]]}, ylabel="loss")
    >>> ax = fig.axes[0]
    >>> ax.lines[0].get_ydata().tolist(), ax.lines[0].get_label()
    ([1.0, 0.6], 'a (2 runs)')
    """
    if not runs:
        raise ValueError("`runs` must hold at least one label, got none")
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    for label, values in runs.items():
        values = np.asarray(values, float)
        if values.ndim != 2 or values.size == 0:
            raise ValueError(f"`runs[{label!r}]` must be a non-empty 2-D array (runs, points), "
                             f"got shape {values.shape}")
        x = np.arange(1, values.shape[1] + 1)
        mean = values.mean(axis=0)
        (line,) = ax.plot(x, mean, marker="o", markersize=3,
                          label=f"{label} ({len(values)} run{'s' if len(values) > 1 else ''})")
        if len(values) > 1:
            std = values.std(axis=0, ddof=1)
            ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2, lw=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title is not None:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    return fig


#: Transforms :func:`plot_augmentation` can apply, each with what `strength` = 1 means.
AUGMENTATIONS = {
    "brightness": "random_brightness, max_delta = 0.5 · strength",
    "contrast": "random_contrast, factor in [1 − 0.9 · strength, 1 + strength]",
    "saturation": "random_saturation, factor in [1 − strength, 1 + 2 · strength]",
    "hue": "random_hue, max_delta = 0.5 · strength turns",
    "jpeg_quality": "random_jpeg_quality, quality in [100 − 99 · strength, 100]",
    "crop": "random_crop, side = (1 − 0.5 · strength) · image side",
    "flip_left_right": "random_flip_left_right, p = strength",
    "flip_up_down": "random_flip_up_down, p = strength",
    "rotation": "random_rotation, max_degrees = 180 · strength",
    "scale": "random_scale, factor in [1 − 0.5 · strength, 1 + 0.5 · strength]",
    "shear": "random_shear, max_degrees = 60 · strength",
    "elastic": "random_elastic, alpha = 4 · strength · shorter side (pixels), sigma = 10 % of it",
}


def plot_augmentation(image, transform: str = "rotation", strength: float = 0.5, seed: int = 0, *,
                      figsize: tuple[float, float] = (8.0, 3.4)) -> Figure:
    """An image beside one draw of a random augmentation of it, for an explorer with sliders.

    Parameters
    ----------
    image : array or tensor, shape (H, W, 3) or (H, W)
        Floats in [0, 1], channels last (as :func:`cnnlab.sample_image` returns).
    transform : str, default "rotation"
        A key of :data:`AUGMENTATIONS` (the ``random_*`` function of
        :mod:`cnnlab.augment` it calls, and how `strength` sets its range).
    strength : float, default 0.5
        In [0, 1]: 0 leaves the image unchanged (except for ``"crop"``'s
        resampling-free copy and JPEG's rounding to 8 bits), 1 is the widest range.
    seed : int, default 0
        The augmentation's seed: the same seed draws the same parameters.
    figsize : (float, float), default (8.0, 3.4)

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the original and the augmented image, titled with the parameters.

    Raises
    ------
    ValueError
        For an unknown `transform`, a `strength` outside [0, 1], or a bad image shape.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.random.default_rng(0).random((32, 48, 3))
    >>> fig = plot_augmentation(image, "rotation", strength=0.25, seed=7)
    >>> [ax.get_title().split(",")[0] for ax in fig.axes]
    ['original 32×48', 'rotation']
    """
    import torch

    from cnnlab import augment

    if transform not in AUGMENTATIONS:
        raise ValueError(f"`transform` must be one of {', '.join(AUGMENTATIONS)}; got {transform!r}")
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 <= strength <= 1:
        raise ValueError(f"`strength` must be a number in [0, 1], got {strength!r}")
    array = np.asarray(_as_image("image", image), dtype=np.float32)
    x = torch.from_numpy(array.copy())
    x = x[None, None] if x.ndim == 2 else x[..., :3].permute(2, 0, 1)[None]  # (1, C, H, W)
    s, side = float(strength), min(x.shape[-2:])
    calls = {
        "brightness": lambda: augment.random_brightness(x, 0.5 * s, seed),
        "contrast": lambda: augment.random_contrast(x, 1 - 0.9 * s, 1 + s, seed),
        "saturation": lambda: augment.random_saturation(x, 1 - s, 1 + 2 * s, seed),
        "hue": lambda: augment.random_hue(x, 0.5 * s, seed),
        "jpeg_quality": lambda: augment.random_jpeg_quality(x, max(1, round(100 - 99 * s)), 100, seed),
        "crop": lambda: augment.random_crop(x, (max(1, round((1 - 0.5 * s) * x.shape[-2])),
                                                max(1, round((1 - 0.5 * s) * x.shape[-1]))), seed),
        "flip_left_right": lambda: augment.random_flip_left_right(x, seed, p=s),
        "flip_up_down": lambda: augment.random_flip_up_down(x, seed, p=s),
        "rotation": lambda: augment.random_rotation(x, 180 * s, seed),
        "scale": lambda: augment.random_scale(x, 1 - 0.5 * s, 1 + 0.5 * s, seed),
        "shear": lambda: augment.random_shear(x, 60 * s, seed),
        "elastic": lambda: augment.random_elastic(x, 4 * s * side, max(0.1 * side, 0.5), seed),
    }
    out = calls[transform]()
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, picture, title in (
        (axes[0], x, f"original {x.shape[-2]}×{x.shape[-1]}"),
        (axes[1], out, f"{transform}, strength {s:.2f}, seed {seed}"),
    ):
        shown = picture[0].permute(1, 2, 0).numpy()
        ax.imshow(shown[..., 0] if shown.shape[-1] == 1 else shown, cmap="gray", vmin=0, vmax=1,
                  interpolation="nearest")
        ax.set_title(title)
        ax.set_xlabel("x (column)")
    axes[0].set_ylabel("y (row)")
    fig.suptitle(AUGMENTATIONS[transform])
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


def plot_denoising(model, clean, sigma: float, *, seed: int = 0, title: str | None = None) -> Figure:
    """Add Gaussian noise of `sigma` to `clean`, denoise with `model`, show clean / noisy / denoised rows.

    The row labels give each row's mean PSNR against `clean` (see
    :func:`cnnlab.autoencoders.psnr`), so a slider over `sigma` shows how a
    denoiser trained at one noise level copes with others.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 1, H, W) noisy images in [0, 1] to denoised ones; evaluated under ``torch.no_grad()``.
    clean : Tensor, shape (N, 1, H, W)
        Clean images in [0, 1], on the model's device.
    sigma : float
        Standard deviation of the noise (clipped to [0, 1], as :func:`cnnlab.autoencoders.add_gaussian_noise`).
    seed : int, default 0, keyword-only
        Seed of the noise.
    title : str, optional, keyword-only
        Figure title; by default it names `sigma`.

    Returns
    -------
    matplotlib.figure.Figure
        Three rows of N panels (see :func:`show_image_rows`).

    Examples
    --------
    >>> import torch
    >>> fig = plot_denoising(torch.nn.Identity(), torch.zeros(4, 1, 8, 8), 0.2)
    >>> len(fig.axes), fig.axes[4].get_ylabel().startswith("noisy")
    (12, True)
    """
    import torch

    from cnnlab.autoencoders import add_gaussian_noise, psnr

    noisy = add_gaussian_noise(clean, sigma, seed=seed)
    was_training = getattr(model, "training", False)
    model.eval()
    with torch.no_grad():
        denoised = model(noisy)
    model.train(was_training)
    labels = ["clean", f"noisy\n{psnr(noisy, clean):.1f} dB", f"denoised\n{psnr(denoised, clean):.1f} dB"]
    return show_image_rows([clean, noisy, denoised], labels,
                           suptitle=title if title is not None else f"Gaussian noise σ = {sigma:.2f}")
