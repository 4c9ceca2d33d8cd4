"""Schematic drawings of blocks, made from the modules themselves, and of a multi-channel filter.

:func:`plot_block` traces a module with :func:`cnnlab.nets.structure.block_structure` and draws
what it finds, top to bottom: one box per layer (a convolution or dense layer with the batch
norm and activation next to it), parallel branches side by side, merges as circles (+, ×) or a
"concat" box, skip connections as red lines. :func:`plot_conv_filters` draws what one
convolution layer holds: its input channels, its filters (each as deep as the input) and its
output channels. Like the rest of :mod:`cnnlab.viz`, they return a
:class:`matplotlib.figure.Figure` built without pyplot.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from cnnlab._checks import check_int
from cnnlab.cost.counting import conv_params
from cnnlab.nets.structure import Parallel, block_structure
from cnnlab.ops.shapes import conv_output_size

BOX_W, LINE_H, PAD, GAP, HGAP, SKIP, FORK, R = 2.2, 0.19, 0.07, 0.2, 0.2, 0.3, 0.16, 0.13
COLOURS = {"conv": "#cfe2f3", "pointwise": "#d9ead3", "depthwise": "#fff2cc", "pool": "#fce5cd",
           "dense": "#ead1dc", "block": "#f4cccc", "other": "#eeeeee"}
_MAIN = ("conv", "dense", "pool", "block", "reshape", "other")


def _colour(op):
    if op.kind == "conv" and "depthwise" in op.label:
        return COLOURS["depthwise"]
    if op.kind == "conv" and op.label.startswith("1×1"):
        return COLOURS["pointwise"]
    return COLOURS.get(op.kind, COLOURS["other"])


def _boxes(chain):
    """The chain's items grouped for drawing: lists of ops (one box each) and Parallel groups.

    A box holds one main layer and the batch norms and activations next to it: after it, or
    before it when the chain starts with them (pre-activation, as in DenseNet)."""
    items, box = [], None
    first = next((i for i in chain.items if not isinstance(i, Parallel)), None)
    pre = first is not None and first.kind in ("norm", "act") and any(
        not isinstance(i, Parallel) and i.kind in _MAIN for i in chain.items)
    for item in chain.items:
        if isinstance(item, Parallel):
            if box:
                items.append(box)
            items.append(item)
            box = None
        elif item.kind in _MAIN:
            if box and (any(o.kind in _MAIN for o in box) or not pre):
                items.append(box)
                box = None
            box = (box or []) + [item]
        else:  # norm or activation
            if box and pre and any(o.kind in _MAIN for o in box):
                items.append(box)
                box = None
            box = (box or []) + [item]
    return items + ([box] if box else [])


def _box_lines(box):
    """The text of a box: the main layer's label, with what comes before and after it."""
    labels = [o.label for o in box]
    main = next((i for i, o in enumerate(box) if o.kind in _MAIN), None)
    if main is None:
        return [", ".join(labels)]
    before, after = labels[:main], labels[main + 1:]
    return ([", ".join(before)] if before else []) + [labels[main]] + ([", ".join(after)] if after else [])


def _size(item):
    """(left, right, height) of a box or a Parallel group, in inches."""
    if not isinstance(item, Parallel):
        return BOX_W / 2, BOX_W / 2, 2 * PAD + LINE_H * len(_box_lines(item))
    sizes = [_chain_size(_boxes(p)) for p in item.paths if p.items]
    width = sum(l + r for l, r, _ in sizes) + HGAP * (len(sizes) - 1)
    skips = sum(not p.items for p in item.paths)
    merge_h = 2 * R if item.merge.kind != "concat" else 2 * PAD + LINE_H
    return width / 2, width / 2 + SKIP * skips, 2 * FORK + max(h for *_, h in sizes) + merge_h


def _chain_size(items):
    sizes = [_size(i) for i in items] or [(0, 0, 0)]
    return (max(s[0] for s in sizes), max(s[1] for s in sizes),
            sum(s[2] for s in sizes) + GAP * (len(sizes) - 1))


def _line(ax, xs, ys, skip=False):
    ax.plot(xs, ys, color="tab:red" if skip else "0.35", lw=1.6 if skip else 1.0, gid="skip" if skip else "wire",
            solid_capstyle="round")


def _arrow(ax, x, y0, y1):
    ax.annotate("", (x, y1), (x, y0), arrowprops={"arrowstyle": "-|>", "color": "0.35", "lw": 1.0,
                                                 "shrinkA": 0, "shrinkB": 0})


def _draw_chain(ax, items, x, y):
    """Draw items downwards from (x, y); return the y of the bottom."""
    for i, item in enumerate(items):
        if i:
            _arrow(ax, x, y, y - GAP)
            y -= GAP
        y = _draw_item(ax, item, x, y)
    return y


def _draw_item(ax, item, x, y):
    if not isinstance(item, Parallel):
        lines = _box_lines(item)
        h = 2 * PAD + LINE_H * len(lines)
        main = next((o for o in item if o.kind in _MAIN), item[0])
        ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - h), BOX_W, h, boxstyle="round,pad=0,rounding_size=0.05",
                                    facecolor=_colour(main), edgecolor="0.3", lw=0.8, gid="box"))
        for j, text in enumerate(lines):
            bold = text in (o.label for o in item if o.kind in _MAIN)
            ax.text(x, y - PAD - LINE_H * (j + 0.5), text, ha="center", va="center", fontsize=8,
                    fontweight="bold" if bold else "normal", color="0.1" if bold else "0.3")
        return y - h
    left, right, height = _size(item)
    paths = [p for p in item.paths if p.items]
    merge_h = 2 * R if item.merge.kind != "concat" else 2 * PAD + LINE_H
    join = y - height + merge_h + FORK / 2  # the rail above the merge
    sizes = [_chain_size(_boxes(p)) for p in paths]
    centres, at = [], x - left
    for l, r, _ in sizes:
        centres.append(at + l)
        at += l + r + HGAP
    rail_top = y - FORK / 2
    _line(ax, [x, x], [y, rail_top])
    _line(ax, [min(centres + [x]), max(centres + [x])], [rail_top, rail_top])
    for centre, path in zip(centres, paths):
        _arrow(ax, centre, rail_top, y - FORK)
        bottom = _draw_chain(ax, _boxes(path), centre, y - FORK)
        _line(ax, [centre, centre], [bottom, join])
    _line(ax, [min(centres + [x]), max(centres + [x])], [join, join])
    for k in range(sum(not p.items for p in item.paths)):  # skip connections, to the right
        lane = x + left + SKIP * (k + 0.6)
        _line(ax, [x, lane, lane, x], [rail_top, rail_top, join, join], skip=True)
    top = join - FORK / 2
    _arrow(ax, x, join, top)
    merge = item.merge
    if merge.kind == "concat":
        h = 2 * PAD + LINE_H
        ax.add_patch(FancyBboxPatch((x - BOX_W / 3, top - h), 2 * BOX_W / 3, h, boxstyle="round,pad=0,rounding_size=0.08",
                                    facecolor="#fde9d9", edgecolor="tab:orange", lw=1.0, gid="merge"))
        ax.text(x, top - h / 2, merge.label, ha="center", va="center", fontsize=8, fontweight="bold")
        return top - h
    ax.add_patch(Circle((x, top - R), R, facecolor="white", edgecolor="tab:red", lw=1.2, gid="merge"))
    ax.text(x, top - R, merge.label, ha="center", va="center", fontsize=10, fontweight="bold", color="tab:red")
    return top - 2 * R


def _channels(n):
    return f"{n} channel" + ("s" if n != 1 else "")


def plot_block(module, *, input_shape=None, leaves=(), title=None) -> Figure:
    """Draw a block (or a network) from its structure: layers, branches, merges, skips.

    Parameters
    ----------
    module : nn.Module
        Traced by :func:`cnnlab.nets.structure.block_structure` (series-parallel forward passes:
        residual, bottleneck, inverted residual, Inception, dense, squeeze-and-excitation blocks).
    input_shape : tuple of int, optional
        Example input shape (default: 16×16 with the first layer's channels).
    leaves : type or tuple of types, default ()
        Module classes drawn as one box.
    title : str, optional
        Default: the class name, channels in and out, and the number of parameters.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; boxes are patches with ``gid='box'``, merges ``gid='merge'``, skip connections
        lines with ``gid='skip'``.

    Examples
    --------
    >>> from cnnlab.nets.inception import Inception
    >>> fig = plot_block(Inception(16, 8, 8, 16, 4, 8, 8))
    >>> sum(p.get_gid() == "box" for p in fig.axes[0].patches)  # 1 + 2 + 2 + 2 boxes
    7
    >>> fig.axes[0].get_title().splitlines()
    ['Inception: 16 → 40 channels', '2,504 parameters']
    """
    structure = block_structure(module, input_shape, leaves=leaves)
    items = _boxes(structure.body)
    left, right, height = _chain_size(items)
    top_pad, bottom_pad = 0.45, 0.45
    width = max(left, right) * 2 + 0.3
    fig = Figure(figsize=(max(width, 3.0), height + top_pad + bottom_pad + 0.35), layout="constrained")
    ax = fig.add_subplot()
    x, y = 0.0, 0.0
    ax.text(x, y + 0.3, f"input: {_channels(structure.in_channels)}", ha="center", va="center", fontsize=8)
    _arrow(ax, x, y + 0.2, y)
    bottom = _draw_chain(ax, items, x, y)
    _arrow(ax, x, bottom, bottom - 0.2)
    ax.text(x, bottom - 0.3, f"output: {_channels(structure.out_channels)}", ha="center", va="center", fontsize=8)
    ax.set_xlim(-max(width, 3.0) / 2, max(width, 3.0) / 2)
    ax.set_ylim(bottom - top_pad, top_pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    params = sum(p.numel() for p in module.parameters())
    ax.set_title(title if title is not None else
                 f"{structure.name}: {structure.in_channels} → {structure.out_channels} channels\n{params:,} parameters",
                 fontsize=9)
    return fig


def _stack(ax, x, y, size, depth, colour, gid, shown=5):
    """A stack of `depth` squares of side `size` (at most `shown` drawn), front face at (x, y)."""
    n = min(depth, shown)
    step = min(0.12, size / 4)
    for i in reversed(range(n)):
        ax.add_patch(Rectangle((x + i * step, y + i * step), size, size, facecolor=colour, edgecolor="0.3",
                               lw=0.7, gid=gid))
    return x + (n - 1) * step + size


def plot_conv_filters(conv, *, input_size=8, max_filters=4) -> Figure:
    """Draw a convolution layer: C_in input channels, C_out filters of C_in/groups × k × k, C_out maps.

    Parameters
    ----------
    conv : nn.Conv2d
    input_size : int, default 8
        Height and width of the input, to give the output's size.
    max_filters : int, default 4
        Filters drawn; the rest are summarised by "…".

    Returns
    -------
    matplotlib.figure.Figure
        Patches with ``gid`` 'input', 'filter-0', 'filter-1', ... and 'output'; the title gives the
        parameters (:func:`cnnlab.conv_params`).

    Examples
    --------
    >>> from torch import nn
    >>> fig = plot_conv_filters(nn.Conv2d(3, 8, 3, padding=1))
    >>> fig.axes[0].get_title()
    'Conv2d 3 → 8, 3×3: 8 filters of 3×3×3 + 8 biases = 224 parameters'
    >>> sorted({p.get_gid() for p in fig.axes[0].patches})
    ['filter-0', 'filter-1', 'filter-2', 'filter-3', 'input', 'output']
    """
    from torch import nn

    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"`conv` must be an nn.Conv2d, got {type(conv).__name__}")
    size = check_int("input_size", input_size, minimum=1)
    shown = check_int("max_filters", max_filters, minimum=1)
    cin, cout, g = conv.in_channels, conv.out_channels, conv.groups
    kh, kw = conv.kernel_size
    out = conv_output_size((size, size), conv.kernel_size, conv.stride, conv.padding, conv.dilation)
    fig = Figure(figsize=(8.0, 3.0), layout="constrained")
    ax = fig.add_subplot()
    end = _stack(ax, 0.0, 0.6, 1.4, cin, "#cfe2f3", "input")
    ax.text(0.7, 0.25, f"input\n{cin}×{size}×{size}", ha="center", va="top", fontsize=9)
    x = end + 0.5
    k_side = 0.25 + 0.08 * kh
    for i in range(min(cout, shown)):
        right = _stack(ax, x, 1.0, k_side, cin // g, "#fce5cd", f"filter-{i}")
        ax.text((x + right) / 2, 0.85, f"{i + 1}", ha="center", va="top", fontsize=8)
        x = right + 0.25
    if cout > shown:
        ax.text(x + 0.1, 1.0 + k_side / 2, "…", ha="center", va="center", fontsize=14)
        x += 0.45
    ax.text((end + 0.5 + x) / 2, 0.25, f"{cout} filters, each {cin // g}×{kh}×{kw}", ha="center", va="top",
            fontsize=9)
    start = x + 0.4
    ax.annotate("", (start, 1.3), (x, 1.3), arrowprops={"arrowstyle": "-|>", "color": "0.35"})
    end = _stack(ax, start + 0.1, 0.6, 1.4, cout, "#d9ead3", "output")
    ax.text((start + end) / 2, 0.25, f"output\n{cout}×{out[0]}×{out[1]}", ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.2, end + 0.3)
    ax.set_ylim(-0.4, 2.7)
    ax.set_aspect("equal")
    ax.set_axis_off()
    params = conv_params(cin, cout, conv.kernel_size, g, conv.bias is not None)
    groups = f", {g} groups" if g > 1 else ""
    biases = f" + {cout} biases" if conv.bias is not None else ""
    ax.set_title(f"Conv2d {cin} → {cout}, {kh}×{kw}{groups}: {cout} filters of {cin // g}×{kh}×{kw}{biases} "
                 f"= {params:,} parameters", fontsize=9)
    return fig
