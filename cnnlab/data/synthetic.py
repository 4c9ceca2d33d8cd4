"""A synthetic colour data set of geometric shapes, drawn from a seed: nothing to download.

Each image shows one shape at a random position, scale and rotation, in a random colour on a
random background, over optional clutter; a linear classifier on its pixels does much worse than
a small CNN, and colour alone tells nothing about the class.
"""

from __future__ import annotations

import numpy as np
import torch

from cnnlab._checks import check_float, check_int, check_seed


#: Classes :func:`shapes_dataset` can draw.
SHAPE_CLASSES = ("circle", "square", "triangle", "cross", "ring", "star", "hexagon")


def _polygon(u, v, corners, apothem):
    """Signed distance (about) to a regular polygon with `corners` sides, first side facing +u."""
    return np.max([u * np.cos(a) + v * np.sin(a) - apothem
                   for a in 2 * np.pi * np.arange(corners) / corners], axis=0)


def _signed_distance(name, u, v):
    """Signed distance (negative inside) to shape `name` of unit radius, in local coordinates."""
    r = np.hypot(u, v)
    if name == "circle":
        return r - 0.9
    if name == "ring":
        return np.maximum(r - 1.0, 0.55 - r)
    if name == "square":
        return np.maximum(abs(u), abs(v)) - 0.72
    if name == "triangle":
        return _polygon(u, v, 3, 0.5)
    if name == "hexagon":
        return _polygon(u, v, 6, 0.82)
    if name == "cross":
        return np.minimum(np.maximum(abs(u) - 0.28, abs(v) - 1.0), np.maximum(abs(v) - 0.28, abs(u) - 1.0))
    phi = np.arctan2(v, u)  # star: five smooth points
    return (r - 0.4 - 0.6 * np.abs(np.cos(2.5 * phi)) ** 3) * 0.6


def _coverage(distance):
    """Antialiased coverage of a pixel from its signed distance in pixels (1 px ramp)."""
    return np.clip(0.5 - distance, 0.0, 1.0)


def _contrasting(rng, background, min_distance=0.45):
    """A colour per row at least `min_distance` (Euclidean RGB) from `background`."""
    colour = rng.random(background.shape)
    for _ in range(20):
        bad = np.linalg.norm(colour - background, axis=1) < min_distance
        if not bad.any():
            break
        colour[bad] = rng.random((int(bad.sum()), 3))
    bad = np.linalg.norm(colour - background, axis=1) < min_distance
    colour[bad] = np.where(background[bad] > 0.5, 0.0, 1.0)  # rare: fall back to a far corner
    return colour


def _render(size, classes, y, background, foreground, centre, radius, angle, lines, n_lines,
            blobs, n_blobs, clutter_colour):
    """Draw a chunk of images (clutter first, then the shape) from their parameters."""
    f32 = np.float32
    g = np.arange(size, dtype=f32) + 0.5  # pixel centres
    gx, gy = g[None, None, :], g[None, :, None]  # broadcast to (B, H, W)
    images = np.ascontiguousarray(np.broadcast_to(background[:, :, None, None].astype(f32),
                                                  (len(y), 3, size, size)))

    def paint(distance, colour, present=None):  # alpha-blend `colour` in place
        alpha = _coverage(distance)[:, None]  # (B, 1, H, W)
        if present is not None:
            alpha *= present[:, None, None, None]
        blend = colour[:, :, None, None].astype(f32) - images
        blend *= alpha
        images.__iadd__(blend)

    for k in range(4):  # line segments about 1.2 pixels wide
        x0, y0, x1, y1 = (lines[:, k, j, None, None].astype(f32) for j in range(4))
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((gx - x0) * dx + (gy - y0) * dy) / (dx * dx + dy * dy + 1e-6), 0, 1)
        paint(np.hypot(gx - x0 - t * dx, gy - y0 - t * dy) - 0.6, clutter_colour[:, k], k < n_lines)
    for k in range(3):  # blobs
        bx, by, br = (blobs[:, k, j, None, None].astype(f32) for j in range(3))
        paint(np.hypot(gx - bx, gy - by) - br, clutter_colour[:, 4 + k], k < n_blobs)
    # the shape, in local coordinates: shift to the centre, rotate by -angle, divide by the radius
    cos, sin = (fn(angle)[:, None, None].astype(f32) for fn in (np.cos, np.sin))
    px, py = gx - centre[:, 0, None, None].astype(f32), gy - centre[:, 1, None, None].astype(f32)
    scale = radius[:, None, None].astype(f32)
    u, v = (px * cos + py * sin) / scale, (py * cos - px * sin) / scale
    distance = np.empty((len(y), size, size), f32)
    for label, name in enumerate(classes):
        rows = y == label
        distance[rows] = _signed_distance(name, u[rows], v[rows]) * scale[rows]  # in pixels
    paint(distance, foreground)
    return images


def shapes_dataset(n: int, *, image_size: int = 32, seed=0, classes=SHAPE_CLASSES[:6],
                   clutter: float = 0.5):
    """A synthetic RGB data set of geometric shapes: position, scale, rotation, colours, clutter.

    Each image shows one shape (its class) at a random position, radius
    (18–40 % of the image) and rotation, in a random colour on a random
    background colour of clear contrast. Clutter adds, under the shape, random
    line segments and blobs in random colours, then Gaussian pixel noise; so a
    linear classifier on the pixels does much worse than a small CNN. Edges are
    antialiased from each pixel's signed distance to the shape. Classes are
    balanced (counts differ by at most 1) and shuffled; the same `seed` always
    gives the same data.

    Parameters
    ----------
    n : int
        Number of images.
    image_size : int, default 32
        Height and width in pixels, >= 8.
    seed : int, numpy.random.Generator or torch.Generator, default 0
    classes : tuple of str, default ('circle', 'square', 'triangle', 'cross', 'ring', 'star')
        At least two distinct names from :data:`SHAPE_CLASSES`; label ``i`` is ``classes[i]``.
    clutter : float, default 0.5
        In [0, 1]: 0 draws clean shapes; 1 draws up to 4 lines, 3 blobs and noise of std 0.06.

    Returns
    -------
    x : Tensor of float32, shape (n, 3, image_size, image_size)
        Images in [0, 1].
    y : Tensor of int64, shape (n,)
        Labels in ``range(len(classes))``.

    Raises
    ------
    TypeError, ValueError
        For a non-positive `n`, `image_size` < 8, unknown or repeated classes, or `clutter` outside [0, 1].

    Examples
    --------
    >>> x, y = shapes_dataset(600, seed=0)
    >>> tuple(x.shape), x.dtype, y.dtype
    ((600, 3, 32, 32), torch.float32, torch.int64)
    >>> y.bincount().tolist()
    [100, 100, 100, 100, 100, 100]
    >>> bool(x.min() >= 0) and bool(x.max() <= 1)
    True
    """
    n = check_int("n", n, minimum=1)
    size = check_int("image_size", image_size, minimum=8)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_seed(seed))
    if isinstance(classes, str) or not isinstance(classes, (tuple, list)):
        raise TypeError(f"`classes` must be a tuple of names from {SHAPE_CLASSES}, got {classes!r}")
    unknown = [c for c in classes if c not in SHAPE_CLASSES]
    if unknown or len(set(classes)) != len(classes) or len(classes) < 2:
        raise ValueError(f"`classes` must be >= 2 distinct names from {SHAPE_CLASSES}, got {classes!r}")
    clutter = check_float("clutter", clutter, low=0.0, high=1.0)

    y = rng.permutation(np.arange(n) % len(classes))
    background = rng.random((n, 3))
    foreground = _contrasting(rng, background)
    radius = rng.uniform(0.18, 0.40, n) * size
    centre = radius[:, None] + rng.random((n, 2)) * (size - 2 * radius[:, None])
    angle = rng.uniform(0, 2 * np.pi, n)
    n_lines = rng.binomial(4, clutter, n) if clutter else np.zeros(n, int)
    n_blobs = rng.binomial(3, clutter, n) if clutter else np.zeros(n, int)
    lines = rng.random((n, 4, 4)) * size  # x0, y0, x1, y1 in pixels
    blobs = np.concatenate([rng.random((n, 3, 2)) * size, rng.uniform(0.04, 0.1, (n, 3, 1)) * size], 2)
    clutter_colour = rng.random((n, 7, 3))

    images = np.empty((n, 3, size, size), np.float32)
    for i in range(0, n, 500):  # chunks stay in the CPU cache
        part = slice(i, i + 500)
        images[part] = _render(size, classes, y[part], background[part], foreground[part],
                               centre[part], radius[part], angle[part], lines[part], n_lines[part],
                               blobs[part], n_blobs[part], clutter_colour[part])
    if clutter:
        images += rng.standard_normal(images.shape, dtype=np.float32) * np.float32(0.06 * clutter)
    np.clip(images, 0.0, 1.0, out=images)
    return torch.from_numpy(images), torch.from_numpy(y.astype(np.int64))
