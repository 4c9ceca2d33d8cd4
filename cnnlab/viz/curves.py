"""Figures of numbers: curves, training histories, runs over seeds, confusion, gradient norms.

Like :mod:`cnnlab.viz.images`, every function returns a :class:`matplotlib.figure.Figure` built
without pyplot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure


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
    """Loss and accuracy per epoch from :func:`cnnlab.fit`, train against validation.

    Parameters
    ----------
    history : cnnlab.History
    title : str, optional
        A title over both panels.
    figsize : (float, float), default (9.0, 3.6)

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: loss (left) and accuracy (right).

    Examples
    --------
    >>> from cnnlab import History
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

    Meant for the output of :func:`cnnlab.gradient_norms` (a dict of
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
