"""Bar charts of what layers cost: parameters and multiply-accumulates, dense against conv,
standard against grouped, separable and inverted-bottleneck convolutions.

Every count comes from :mod:`cnnlab.cost.counting`; like :mod:`cnnlab.viz.images`, every function
returns a :class:`matplotlib.figure.Figure` built without pyplot.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from cnnlab._checks import check_int
from cnnlab.cost.counting import (conv_macs, conv_params, dense_params, inverted_residual_macs,
                                  inverted_residual_params, separable_macs, separable_params)


def plot_param_counts(
    image_size: int,
    channels: int = 3,
    units: int = 128,
    filters: int = 10,
    kernel_size: int = 3,
) -> Figure:
    """Bar chart: parameters of a dense layer against a convolution, on one image size.

    The dense layer maps the flattened ``image_size × image_size × channels`` image to
    `units` outputs; the convolution has `filters` kernels of
    ``kernel_size × kernel_size × channels``. Both have biases. Meant for
    :func:`ipywidgets.interact`, which redraws it as the sliders move.

    Parameters
    ----------
    image_size : int
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
    side = check_int("image_size", image_size, minimum=1)
    channels = check_int("channels", channels, minimum=1)
    dense = dense_params(side * side * channels, units)
    conv = conv_params(channels, filters, kernel_size)

    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.add_subplot()
    labels = [f"dense → {units} units", f"conv {kernel_size}×{kernel_size}, {filters} filters"]
    bars = ax.bar(labels, [dense, conv], color=["tab:red", "tab:blue"])
    ax.bar_label(bars, labels=[f"{dense:,}", f"{conv:,}"], padding=2)
    _log_axis(ax)
    ax.set_ylim(1, dense * 20)
    ax.set_ylabel("parameters (log scale)")
    ax.set_xlabel("layer")
    ax.set_title(f"{side}×{side}×{channels} image: dense needs {dense / conv:,.0f}× more")
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
    pointwise 1 × 1), all with biases, from :mod:`cnnlab.cost.counting`. Meant for
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
    _cost_panels(fig, labels, {"parameters": params, "MACs": macs}, ["tab:blue", "tab:orange", "tab:green"])
    fig.suptitle(f"{in_channels} → {out_channels} channels, {kernel_size}×{kernel_size} kernel, "
                 f"output {output_size}×{output_size}")
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
    :mod:`cnnlab.cost.counting`:

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
    in_channels = check_int("in_channels", in_channels, minimum=1)
    out_channels = check_int("out_channels", out_channels, minimum=1)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    expand_ratio = check_int("expand_ratio", expand_ratio, minimum=1)
    output_size = check_int("output_size", output_size, minimum=1)
    k, n, hidden = kernel_size, output_size, in_channels * expand_ratio
    params = [conv_params(in_channels, out_channels, k, bias=False),
              separable_params(in_channels, out_channels, k, bias=False),
              inverted_residual_params(in_channels, out_channels, k, expand_ratio)]
    macs = [conv_macs(in_channels, out_channels, k, n),
            separable_macs(in_channels, out_channels, k, n),
            inverted_residual_macs(in_channels, out_channels, k, n, expand_ratio)]
    labels = [f"standard\n{k}×{k}", f"depthwise {k}×{k}\n+ 1×1", f"inverted\nbottleneck t={expand_ratio}"]
    fig = Figure(figsize=figsize, layout="constrained")
    _cost_panels(fig, labels, {"weights": params, "MACs": macs}, ["tab:blue", "tab:green", "tab:purple"],
                 ratios=True)
    fig.suptitle(f"{in_channels} → {out_channels} channels, {k}×{k} kernel, "
                 f"output {n}×{n} (hidden {hidden} channels in the inverted bottleneck)")
    return fig


def _cost_panels(fig, labels, panels, colours, ratios=False):
    """One log-scale bar panel per entry of `panels` (name -> values), each bar labelled with its
    count (and its ratio to the first bar)."""
    for ax, (name, values) in zip(fig.subplots(1, len(panels)), panels.items()):
        bars = ax.bar(labels, values, color=colours)
        texts = [f"{v:,}\n({v / values[0]:.2f}×)" if ratios else f"{v:,}" for v in values]
        ax.bar_label(bars, labels=texts, padding=2, fontsize=8)
        _log_axis(ax)
        ax.set_ylim(1, max(values) * (100 if ratios else 30))
        ax.set_ylabel(f"{name} (log scale)")
        ax.set_xlabel("layer")
        ax.set_title(name)


def _log_axis(ax):
    """A log scale with plain tick labels (1, 1k, 1M, ...) and no minor ticks: quick to draw."""
    from matplotlib import ticker

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(base=1000))
    ax.yaxis.set_minor_locator(ticker.NullLocator())
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(_short))


def _short(value, _position=None):
    for size, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:g}{unit}"
    return f"{value:g}"
