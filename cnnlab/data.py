"""Data that ships with installed packages: nothing is downloaded.

Photos come from scikit-image's bundled images (``skimage.data``); handwritten
digits from scikit-learn (``sklearn.datasets.load_digits``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from cnnlab._checks import check_bool, check_int

#: Names accepted by :func:`sample_image`: photos and textures bundled with scikit-image.
SAMPLE_IMAGES = (
    "astronaut",
    "brick",
    "camera",
    "chelsea",
    "clock",
    "coffee",
    "coins",
    "colorwheel",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "page",
    "rocket",
    "text",
)

_LUMA = np.array([0.2125, 0.7154, 0.0721])  # ITU-R BT.709, as skimage.color.rgb2gray


def sample_image(name: str, *, gray: bool = False, size: int | None = None) -> np.ndarray:
    """A bundled scikit-image photo as floats in [0, 1].

    Parameters
    ----------
    name : str
        One of :data:`SAMPLE_IMAGES` (``"camera"``, ``"astronaut"``, ``"chelsea"``, ...).
    gray : bool, default False
        Convert colour images to luminance (BT.709 weights, as ``skimage.color.rgb2gray``).
    size : int, optional
        Resize so that the shorter side has `size` pixels (area averaging when
        shrinking), keeping the aspect ratio.

    Returns
    -------
    ndarray of float32, shape (H, W) or (H, W, 3)
        Grey images are 2-D; colour images are height × width × RGB.

    Raises
    ------
    ValueError
        If `name` is not a bundled image or `size` is not a positive int.
    ImportError
        If scikit-image is not installed (``pip install 'cnnlab[book]'``).

    Examples
    --------
    >>> img = sample_image("camera")
    >>> img.shape, img.dtype, float(img.min()) >= 0.0, float(img.max()) <= 1.0
    ((512, 512), dtype('float32'), True, True)
    >>> sample_image("chelsea", size=64).shape
    (64, 96, 3)
    >>> sample_image("chelsea", gray=True).shape
    (300, 451)
    """
    if not isinstance(name, str) or name not in SAMPLE_IMAGES:
        raise ValueError(f"`name` must be one of {', '.join(SAMPLE_IMAGES)}; got {name!r}")
    gray = check_bool("gray", gray)
    if size is not None:
        size = check_int("size", size, minimum=1)
    try:
        import skimage.data
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "sample_image needs scikit-image: pip install 'cnnlab[book]'"
        ) from err

    image = np.asarray(getattr(skimage.data, name)())
    if image.dtype == np.uint8:
        image = image.astype(np.float64) / 255.0
    image = image.astype(np.float64)
    if image.ndim == 3 and image.shape[2] == 4:  # drop an alpha channel
        image = image[..., :3]
    if gray and image.ndim == 3:
        image = image @ _LUMA
    if size is not None:
        image = _resize_short_side(image, size)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def _resize_short_side(image: np.ndarray, size: int) -> np.ndarray:
    height, width = image.shape[:2]
    scale = size / min(height, width)
    out_hw = (max(1, round(height * scale)), max(1, round(width * scale)))
    tensor = torch.from_numpy(image)
    tensor = tensor[None, None] if image.ndim == 2 else tensor.permute(2, 0, 1)[None]
    mode = "area" if scale < 1 else "bilinear"
    kwargs = {} if mode == "area" else {"align_corners": False}
    resized = F.interpolate(tensor, size=out_hw, mode=mode, **kwargs)[0]
    return (resized[0] if image.ndim == 2 else resized.permute(1, 2, 0)).numpy()


@dataclass(frozen=True)
class Split:
    """A train/test split of images and labels, as tensors.

    Attributes
    ----------
    x_train, x_test : Tensor of float32, shape (N, 1, H, W)
        Images scaled to [0, 1].
    y_train, y_test : Tensor of int64, shape (N,)
        Class labels.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def train(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x_train, y_train)``, the form :func:`cnnlab.training.fit` takes."""
        return self.x_train, self.y_train

    @property
    def test(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(x_test, y_test)``."""
        return self.x_test, self.y_test


def _digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("the digits need scikit-learn: pip install 'cnnlab[book]'") from err
    bunch = sklearn_digits()
    return bunch.images.astype(np.float32) / 16.0, bunch.target.astype(np.int64)


def digits_splits(n_splits: int = 5, *, test_size: float = 0.2, seed: int = 0) -> list[Split]:
    """Stratified random train/test splits of scikit-learn's handwritten digits.

    The 1,797 real 8×8 grey digits (UCI optical recognition data set) ship
    with scikit-learn, so nothing is downloaded. Each split keeps the class
    proportions in both parts (``StratifiedShuffleSplit``); the same `seed`
    always gives the same splits.

    Parameters
    ----------
    n_splits : int, default 5
        Number of independent splits.
    test_size : float, default 0.2
        Fraction of the images held out for testing, in (0, 1).
    seed : int, default 0
        Seed of the shuffling.

    Returns
    -------
    list of Split
        Images as float32 tensors of shape (N, 1, 8, 8) in [0, 1], labels as int64.

    Raises
    ------
    TypeError, ValueError
        If `n_splits` is not a positive int or `test_size` is not in (0, 1).

    Examples
    --------
    >>> splits = digits_splits(2, seed=0)
    >>> tuple(splits[0].x_train.shape), tuple(splits[0].x_test.shape)
    ((1437, 1, 8, 8), (360, 1, 8, 8))
    >>> bool((splits[0].y_test.bincount() >= 35).all())  # every class in every test set
    True
    """
    n_splits = check_int("n_splits", n_splits, minimum=1)
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
        raise ValueError(f"`test_size` must be a float in (0, 1), got {test_size!r}")
    seed = check_int("seed", seed, minimum=0)
    from sklearn.model_selection import StratifiedShuffleSplit

    images, labels = _digits()
    splitter = StratifiedShuffleSplit(n_splits=n_splits, test_size=test_size, random_state=seed)
    x = torch.from_numpy(images)[:, None]  # (N, 1, 8, 8)
    y = torch.from_numpy(labels)
    return [
        Split(x[train], y[train], x[test], y[test])
        for train, test in splitter.split(images.reshape(len(images), -1), labels)
    ]


def load_digits(*, test_size: float = 0.2, seed: int = 0) -> Split:
    """One stratified train/test split of the handwritten digits (see :func:`digits_splits`).

    Examples
    --------
    >>> split = load_digits(seed=0)
    >>> split.x_train.dtype, int(split.y_train.max())
    (torch.float32, 9)
    """
    return digits_splits(1, test_size=test_size, seed=seed)[0]


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


def shapes_dataset(n: int, size: int = 32, seed=0, *, classes=SHAPE_CLASSES[:6],
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
    size : int, default 32
        Height and width in pixels, >= 8.
    seed : int or numpy.random.Generator, default 0
    classes : tuple of str, default ('circle', 'square', 'triangle', 'cross', 'ring', 'star')
        At least two distinct names from :data:`SHAPE_CLASSES`; label ``i`` is ``classes[i]``.
    clutter : float, default 0.5
        In [0, 1]: 0 draws clean shapes; 1 draws up to 4 lines, 3 blobs and noise of std 0.06.

    Returns
    -------
    x : Tensor of float32, shape (n, 3, size, size)
        Images in [0, 1].
    y : Tensor of int64, shape (n,)
        Labels in ``range(len(classes))``.

    Raises
    ------
    TypeError, ValueError
        For a non-positive `n`, `size` < 8, unknown or repeated classes, or `clutter` outside [0, 1].

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
    size = check_int("size", size, minimum=8)
    if isinstance(seed, np.random.Generator):
        rng = seed
    else:
        rng = np.random.default_rng(check_int("seed", seed, minimum=0))
    if isinstance(classes, str) or not isinstance(classes, (tuple, list)):
        raise TypeError(f"`classes` must be a tuple of names from {SHAPE_CLASSES}, got {classes!r}")
    unknown = [c for c in classes if c not in SHAPE_CLASSES]
    if unknown or len(set(classes)) != len(classes) or len(classes) < 2:
        raise ValueError(f"`classes` must be >= 2 distinct names from {SHAPE_CLASSES}, got {classes!r}")
    if isinstance(clutter, bool) or not isinstance(clutter, (int, float)) or not 0 <= clutter <= 1:
        raise ValueError(f"`clutter` must be a number in [0, 1], got {clutter!r}")

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
