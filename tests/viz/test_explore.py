"""cnnlab.viz.explore: one output with a live widget for Jupyter and pre-rendered frames for the web."""

import base64
import io
import json
import re

import pytest
from matplotlib.figure import Figure
from PIL import Image

from cnnlab.viz.explore import MAX_FRAMES, explore, fixed


def titled(size=1, mode="a", flag=False, scale=1.0):
    fig = Figure(figsize=(2, 1))
    fig.suptitle(f"size={size} mode={mode} flag={flag} scale={scale}")
    ax = fig.add_subplot()
    ax.bar([0, 1], [size * scale, 1 if flag else 2])
    return fig


def frames_of(view):
    html = view._repr_mimebundle_()["text/html"]
    data = json.loads(re.search(r'<script type="application/json" class="cnnlab-frames">(.*?)</script>', html).group(1))
    return html, data


def test_every_combination_is_rendered_in_the_order_the_page_reads_it():
    view = explore(titled, size=[1, 2, 3], mode=["a", "b"], flag=True, scale=fixed(2.0), static=True)
    assert len(view.frames) == 3 * 2 * 2
    assert view.frame_index(size=1, mode="a", flag=False) == 0
    assert view.frame_index(size=3, mode="b", flag=True) == 11  # mixed radix: size, then mode, then flag
    assert view.frame_index(size=2, mode="a", flag=True) == 1 * 4 + 0 * 2 + 1
    html, data = frames_of(view)
    assert data["names"] == ["size", "mode", "flag"] and data["labels"][0] == ["1", "2", "3"]
    assert len(data["frames"]) == 12 and len(set(data["frames"])) == len(data["images"]) == 12
    for uri in data["images"]:
        png = base64.b64decode(uri.removeprefix("data:image/png;base64,"))
        assert Image.open(io.BytesIO(png)).mode == "P"  # a 256-colour palette: small files
    assert html.count('type="range"') == 1 and html.count("<select") == 1 and html.count('type="checkbox"') == 1
    assert 'alt="figure for size = 1, mode = a, flag = off"' in html


def test_the_start_values_are_shown_first_in_both_views():
    view = explore(titled, size=[1, 2, 3], mode=["a", "b"], start={"size": 3, "mode": "b"}, static=True)
    html, data = frames_of(view)
    first = data["images"][data["frames"][view.frame_index()]]
    assert view.frame_index() == 5 and f'src="{first}"' in html
    assert 'value="2" data-control="size"' in html and '<option value="1" selected>b</option>' in html
    controls = {w.description: w.value for w in view.widget.children[:-1]}
    assert controls == {"size": 3, "mode": "b"}


def test_jupyter_gets_the_live_widget_and_only_the_book_gets_frames(monkeypatch):
    monkeypatch.delenv("CNNLAB_STATIC_EXPLORERS", raising=False)
    live = explore(titled, size=[1, 2])
    bundle = live._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" not in bundle and not live.frames
    monkeypatch.setenv("CNNLAB_STATIC_EXPLORERS", "1")
    book = explore(titled, size=[1, 2])
    assert {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"} <= set(book._repr_mimebundle_())


def test_identical_frames_are_stored_once():
    view = explore(lambda size, mode: titled(size), size=[1, 2], mode=["a", "b", "c"], static=True)
    _, data = frames_of(view)
    assert len(data["frames"]) == 6 and len(data["images"]) == 2


def test_a_grid_too_large_names_the_control_to_coarsen():
    with pytest.raises(ValueError, match=rf"would render 210 frames \(at most {MAX_FRAMES}\): coarsen `size` \(21 values\)"):
        explore(titled, size=range(21), mode=["a", "b", "c", "d", "e"], flag=True, static=True)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(size=3), TypeError, "control `size` must be a non-empty list"),
    (dict(size=[]), TypeError, "control `size`"),
    (dict(size=[1, 2], start={"size": 5}), ValueError, "`start` must give each control one of its values"),
    (dict(size=[1, 2], static="yes"), TypeError, "`static`"),
])
def test_bad_controls_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        explore(titled, **kwargs)
