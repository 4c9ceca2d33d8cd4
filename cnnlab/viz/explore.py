"""Explorable figures that work with a kernel and without one: :func:`explore`.

``explore(fn, **controls)`` is ``ipywidgets.interactive(fn, **controls)`` in a live notebook:
move a slider and the kernel redraws ``fn``'s figure. A web page has no kernel, so the same
output also carries a static view: ``fn`` rendered at build time for every combination of the
controls' values, as compressed PNG frames, and a few lines of HTML whose native
``<input type="range">`` and ``<select>`` swap the frames (the page's ``explorer.js``; without it
the first frame still shows). The book prefers that view (``nb_mime_priority_overrides`` in
``_config.yml``); Jupyter prefers the live widget. Frames are rendered when the environment
variable ``CNNLAB_STATIC_EXPLORERS`` is ``1`` (the book's build sets it) or with ``static=True``.

Controls, as for ``interact``: a list or tuple of values (a slider over them, or a drop-down for
strings), a ``range``, a bool (a checkbox), or :func:`fixed` for an argument that does not move.
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import itertools
import json
import math
import os
from dataclasses import dataclass

from cnnlab._checks import check_bool, check_callable, check_int

#: At most this many frames per explorer: a larger grid raises and names the control to coarsen.
MAX_FRAMES = 200


@dataclass(frozen=True)
class fixed:  # noqa: N801 (named after ipywidgets.fixed, which it mirrors)
    """An argument passed to the figure function as it is, with no control."""

    value: object


def _control(name, spec):
    """(kind, values, labels) of one control: 'slider' over numbers, 'select', or 'checkbox'."""
    if isinstance(spec, bool):
        return "checkbox", [False, True], ["off", "on"]
    if isinstance(spec, range):
        spec = list(spec)
    if isinstance(spec, dict):  # label -> value, as ipywidgets' options
        labels, values = [str(k) for k in spec], list(spec.values())
        return "select", values, labels
    if not isinstance(spec, (list, tuple)) or not spec:
        raise TypeError(f"control `{name}` must be a non-empty list or tuple of values, a range, a dict of "
                        f"label -> value, a bool or fixed(value), got {spec!r}")
    values = list(spec)
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    return ("slider" if numeric else "select"), values, [_label(v) for v in values]


def _label(value):
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _png(figure, dpi, positions=None):
    """The figure as a small PNG (a 256-colour palette), and the positions of its axes.

    With `positions` (those of an earlier frame, same number of axes) the layout engine is
    skipped and the axes are placed there: much faster, and frames do not shift as they swap.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    figure.set_dpi(dpi)
    if positions is not None and len(positions) == len(figure.axes):
        figure.set_layout_engine("none")
        for ax, position in zip(figure.axes, positions):
            ax.set_position(position)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3])
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(out, format="PNG")
    return out.getvalue(), [ax.get_position() for ax in figure.axes]


class Explorer:
    """What :func:`explore` returns: the live widget and, when rendered, the static frames."""

    def __init__(self, fn, controls, fixed_args, start, frames):
        self.fn, self.controls, self.fixed_args = fn, controls, fixed_args
        self.start, self.frames, self._widget = start, frames, None

    @property
    def widget(self):
        """The live ``ipywidgets.interactive`` (built when first shown: building runs `fn` once)."""
        if self._widget is None:
            self._widget = _widget(self.fn, self.controls, self.fixed_args, self.start)
        return self._widget

    def frame_index(self, **values):
        """Index of the frame for these control values (the start value of each omitted one)."""
        index = 0
        for name, (_, options, _) in self.controls.items():
            index = index * len(options) + options.index(values.get(name, self.start[name]))
        return index

    def _static_html(self):
        names = list(self.controls)
        order = {}
        for png in self.frames:  # identical frames are stored once
            order.setdefault(png, len(order))
        unique = sorted(order, key=order.get)
        data = {
            "names": names,
            "labels": [self.controls[n][2] for n in names],
            "frames": [order[png] for png in self.frames],
            "images": ["data:image/png;base64," + base64.b64encode(png).decode() for png in unique],
        }
        rows, shown = [], []
        for name in names:
            kind, values, labels = self.controls[name]
            at = values.index(self.start[name])
            label, key = html.escape(name.replace("_", " ")), html.escape(name)
            if kind == "select":
                options = "".join(f'<option value="{i}"{" selected" if i == at else ""}>{html.escape(t)}</option>'
                                  for i, t in enumerate(labels))
                field = f'<select data-control="{key}">{options}</select>'
            elif kind == "checkbox":
                field = f'<input type="checkbox" data-control="{key}"{" checked" if at else ""}>'
            else:
                field = (f'<input type="range" min="0" max="{len(labels) - 1}" step="1" value="{at}" '
                         f'data-control="{key}">')
            rows.append(f'<label class="cnnlab-control"><span>{label}</span>{field}'
                        f'<output>{html.escape(labels[at])}</output></label>')
            shown.append(f"{name} = {labels[at]}")
        src = data["images"][data["frames"][self.frame_index()]]
        payload = json.dumps(data).replace("</", "<\\/")  # no "</script>" inside the data
        return (f'<div class="cnnlab-explorer">'
                f'<div class="cnnlab-controls">{"".join(rows)}</div>'
                f'<img class="cnnlab-frame" src="{src}" alt="figure for {html.escape(", ".join(shown))}">'
                f'<script type="application/json" class="cnnlab-frames">{payload}</script></div>')

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {}
        if self.widget is not None:
            bundle.update(self.widget._repr_mimebundle_(include=include, exclude=exclude) or {})
        if self.frames:
            bundle["text/html"] = self._static_html()
        bundle["text/plain"] = f"<explorer of {getattr(self.fn, '__name__', 'a figure')}: {len(self.frames)} frames>"
        return bundle


def explore(fn, *, start=None, static=None, dpi=60, **controls):
    """An explorable figure: a live ``ipywidgets`` control panel, and pre-rendered frames for the web.

    Parameters
    ----------
    fn : callable
        Returns a ``matplotlib.figure.Figure`` for keyword arguments named like the controls.
    start : dict, optional
        Control name -> the value shown first (default: each control's first value).
    static : bool, optional
        Render the frames; default: when ``CNNLAB_STATIC_EXPLORERS=1`` (set by the book build).
    dpi : int, default 60
        Resolution of the frames.
    **controls
        One per argument of `fn`: a list or tuple of values, a range, a dict of label -> value, a
        bool, or :func:`fixed`.

    Returns
    -------
    Explorer
        Displays as the live widget in Jupyter and as the static view in the book.

    Raises
    ------
    ValueError
        If the grid has more than :data:`MAX_FRAMES` combinations (the message names the control
        with the most values, the one to coarsen).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> def square(n=1):
    ...     fig = Figure(figsize=(1, 1)); fig.suptitle(f"n = {n}"); return fig
    >>> view = explore(square, n=[1, 2, 3], static=True)
    >>> len(view.frames), view.frame_index(n=3)
    (3, 2)
    >>> "cnnlab-explorer" in view._static_html()
    True
    """
    check_callable("fn", fn)
    static = os.environ.get("CNNLAB_STATIC_EXPLORERS") == "1" if static is None else check_bool("static", static)
    dpi = check_int("dpi", dpi, minimum=10)
    fixed_args = {k: v.value for k, v in controls.items() if isinstance(v, fixed)}
    moving = {k: _control(k, v) for k, v in controls.items() if not isinstance(v, fixed)}
    total = math.prod(len(values) for _, values, _ in moving.values())
    if total > MAX_FRAMES:
        widest = max(moving, key=lambda k: len(moving[k][1]))
        raise ValueError(f"explorer of {getattr(fn, '__name__', fn)!r} would render {total} frames (at most "
                         f"{MAX_FRAMES}): coarsen `{widest}` ({len(moving[widest][1])} values) or another control")
    start = {name: values[0] for name, (_, values, _) in moving.items()} | dict(start or {})
    for name, value in start.items():
        if name not in moving or value not in moving[name][1]:
            raise ValueError(f"`start` must give each control one of its values, got {name}={value!r}")
    frames, positions = [], None
    if static:
        for combo in itertools.product(*(values for _, values, _ in moving.values())):
            png, positions = _png(fn(**fixed_args, **dict(zip(moving, combo))), dpi, positions)
            frames.append(png)
    return Explorer(fn, moving, fixed_args, start, frames)


def _widget(fn, moving, fixed_args, start):
    """``ipywidgets.interactive`` over the same values (None when ipywidgets is missing)."""
    try:
        import ipywidgets as widgets
    except ImportError:  # pragma: no cover - the book's extra installs it
        return None
    kwargs = {k: widgets.fixed(v) for k, v in fixed_args.items()}
    try:  # arguments left at their defaults stay there (interact would make controls of them)
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        parameters = []
    for p in parameters:
        if p.name not in moving and p.name not in kwargs and p.default is not inspect.Parameter.empty:
            kwargs[p.name] = widgets.fixed(p.default)
    for name, (kind, values, labels) in moving.items():
        description = name.replace("_", " ")
        if kind == "checkbox":
            kwargs[name] = widgets.Checkbox(value=start[name], description=description)
        elif kind == "select":
            kwargs[name] = widgets.Dropdown(options=list(zip(labels, values)), value=start[name],
                                            description=description)
        else:
            kwargs[name] = widgets.SelectionSlider(options=list(zip(labels, values)), value=start[name],
                                                   description=description)
    return widgets.interactive(fn, **kwargs)
