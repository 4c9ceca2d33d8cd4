"""cnnlab.data.synthetic: the shapes data set's shapes, ranges, balance, determinism, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab.data.synthetic import SHAPE_CLASSES, shapes_dataset


@settings(max_examples=max(10, settings.default.max_examples // 10))
@given(st.integers(1, 40), st.integers(8, 24), st.integers(0, 2**32 - 1),
       st.lists(st.sampled_from(SHAPE_CLASSES), min_size=2, max_size=7, unique=True),
       st.floats(0, 1))
def test_shapes_ranges_and_balance(n, size, seed, classes, clutter):
    x, y = shapes_dataset(n, image_size=size, seed=seed, classes=tuple(classes), clutter=clutter)
    assert x.shape == (n, 3, size, size) and x.dtype == torch.float32
    assert y.shape == (n,) and y.dtype == torch.int64
    assert bool(torch.isfinite(x).all()) and float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    counts = torch.bincount(y, minlength=len(classes))
    assert len(counts) == len(classes)  # labels in range(len(classes))
    assert int(counts.max() - counts.min()) <= 1  # balanced


def test_same_seed_same_data_different_seed_different_data():
    x0, y0 = shapes_dataset(60, seed=3)
    x1, y1 = shapes_dataset(60, seed=3)
    torch.testing.assert_close(x0, x1, rtol=0, atol=0)
    assert torch.equal(y0, y1)
    x2, y2 = shapes_dataset(60, seed=4)
    assert not torch.allclose(x0, x2)
    assert not torch.equal(y0, y2)
    x3, _ = shapes_dataset(60, seed=np.random.default_rng(3))  # a Generator is accepted
    torch.testing.assert_close(x0, x3, rtol=0, atol=0)


def test_each_class_draws_a_visible_shape_on_a_plain_background():
    x, y = shapes_dataset(70, image_size=32, seed=1, classes=SHAPE_CLASSES, clutter=0.0)
    corner = x[:, :, :1, :1]  # shapes stay inside the image, so a corner shows the background
    differs = (x - corner).abs().amax(dim=1) > 0.1  # (N, H, W): pixels of the shape
    area = differs.float().mean(dim=(1, 2))
    assert bool((area > 0.02).all()) and bool((area < 0.7).all())
    # without clutter an image holds two colours, plus antialiased edge pixels
    for image in x[:5]:
        colours = torch.unique(image.reshape(3, -1).T, dim=0)
        assert len(colours) < 0.5 * 32 * 32


def test_clutter_changes_the_images():
    clean, _ = shapes_dataset(30, seed=0, clutter=0.0)
    busy, _ = shapes_dataset(30, seed=0, clutter=1.0)
    assert float((clean - busy).abs().mean()) > 0.02


def test_labels_match_the_pictures_filled_circle_vs_ring():
    # the centre of mass of a clean shape lies on a filled circle but in a ring's hole
    x, y = shapes_dataset(40, seed=2, classes=("circle", "ring"), clutter=0.0)
    mask = ((x - x[:, :, :1, :1]).abs().amax(dim=1) > 0.1).float()  # (N, H, W)
    grid = torch.arange(32, dtype=torch.float32)
    rows = (mask.sum(2) * grid).sum(1) / mask.sum((1, 2))
    cols = (mask.sum(1) * grid).sum(1) / mask.sum((1, 2))
    centre = mask[torch.arange(40), rows.round().long(), cols.round().long()]
    assert torch.equal(centre, (y == 0).float())


@pytest.mark.parametrize("kwargs, error, words", [
    ({"n": 0}, ValueError, "`n`"),
    ({"n": 2.5}, TypeError, "`n`"),
    ({"n": 4, "image_size": 4}, ValueError, "`image_size`"),
    ({"n": 4, "seed": -1}, ValueError, "`seed`"),
    ({"n": 4, "classes": ("circle",)}, ValueError, "`classes`"),
    ({"n": 4, "classes": ("circle", "circle")}, ValueError, "`classes`"),
    ({"n": 4, "classes": ("circle", "blob")}, ValueError, "`classes`"),
    ({"n": 4, "classes": "circle"}, TypeError, "`classes`"),
    ({"n": 4, "clutter": 1.5}, ValueError, "`clutter`"),
    ({"n": 4, "clutter": True}, TypeError, "`clutter`"),
])
def test_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        shapes_dataset(**kwargs)
