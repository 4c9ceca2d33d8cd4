"""Scenes of several shapes on textured, cluttered backgrounds, with boxes and masks: for detection.

Each scene holds a few objects, the shapes of :func:`cnnlab.shapes_dataset` (drawn by it,
recoloured and scaled), at random places and sizes over a textured background with distractor
strokes. Every object comes with its class, its box and its pixels, so the same scenes serve a
detector (boxes and labels) and a segmenter (a class per pixel). Difficulty has four controls:
how many objects, how large, how much their boxes may overlap, and how much clutter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from cnnlab._checks import check_float, check_int, check_range, check_seed
from cnnlab.data.synthetic import SHAPE_CLASSES, shapes_dataset

RENDER = 24  #: pixels of the square image each shape is drawn in by shapes_dataset, before scaling
LIGHT = (0.6, 1.0)  #: range of each channel of a background colour
DARK = (0.0, 0.4)   #: range of each channel of an object's or a stroke's colour


@dataclass(frozen=True)
class Scenes:
    """What :func:`scenes_dataset` returns; index it with an int, a slice or a list for a subset.

    Attributes
    ----------
    images : Tensor of float32, shape (N, 3, H, W)
        RGB in [0, 1].
    boxes : list of N Tensors of float32, shape (K_i, 4)
        Each object's tight box ``(x1, y1, x2, y2)`` in pixels, around all of its pixels
        (also those another object hides).
    labels : list of N Tensors of int64, shape (K_i,)
        Each object's class, an index into `classes`.
    instances : Tensor of int64, shape (N, H, W)
        0 for background, ``k + 1`` where object ``k`` of the scene is seen (the top one where
        objects overlap).
    classes : tuple of str
    """

    images: torch.Tensor
    boxes: list
    labels: list
    instances: torch.Tensor
    classes: tuple

    @property
    def masks(self) -> torch.Tensor:
        """Semantic masks, int64 (N, H, W): 0 for background, ``1 + label`` on each object's seen pixels."""
        table = [torch.cat([torch.zeros(1, dtype=torch.long), lab + 1]) for lab in self.labels]
        return torch.stack([t[i] for t, i in zip(table, self.instances)])

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index) -> Scenes:
        rows = list(range(len(self)))[index] if isinstance(index, slice) else index
        rows = [rows] if isinstance(rows, int) else [int(i) for i in rows]
        return Scenes(self.images[rows], [self.boxes[i] for i in rows], [self.labels[i] for i in rows],
                      self.instances[rows], self.classes)


def _shape_alphas(rng, count, classes):
    """`count` shapes from shapes_dataset as coverage maps (RENDER x RENDER, in [0, 1]) and labels."""
    x, y = shapes_dataset(count, image_size=RENDER, seed=int(rng.integers(2**63)), classes=classes, clutter=0.0)
    background = x[:, :, :1, :1]                        # the shape never reaches the corners
    distance = (x - background).square().sum(1)         # (count, H, W)
    inside = distance.flatten(1).argmax(1)              # a pixel fully covered by the shape
    colour = x.flatten(2)[torch.arange(count), :, inside][:, :, None, None]
    step = colour - background                          # pixel = background + coverage * step
    alpha = ((x - background) * step).sum(1) / step.square().sum(1)
    return alpha.clamp(0, 1).float(), y.numpy()


def _scaled(alphas, sides, patch):
    """Each coverage map resampled into a `patch` x `patch` square, its shape centred, longer side `sides`."""
    on = alphas > 0.5
    rows, cols = on.any(2).float(), on.any(1).float()              # (count, RENDER)
    index = torch.arange(RENDER, dtype=torch.float32) + 0.5
    first = lambda m: torch.where(m > 0, index, torch.inf).amin(1) - 0.5   # noqa: E731
    last = lambda m: torch.where(m > 0, index, -torch.inf).amax(1) + 0.5   # noqa: E731
    cx, cy = (first(cols) + last(cols)) / 2, (first(rows) + last(rows)) / 2
    extent = torch.maximum(last(cols) - first(cols), last(rows) - first(rows))
    scale = extent / torch.as_tensor(sides, dtype=torch.float32)    # render pixels per scene pixel
    # affine_grid maps output coordinates in [-1, 1] to input coordinates in [-1, 1]
    theta = torch.zeros(len(alphas), 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = scale * patch / RENDER
    theta[:, 0, 2], theta[:, 1, 2] = cx / RENDER * 2 - 1, cy / RENDER * 2 - 1
    grid = F.affine_grid(theta, (len(alphas), 1, 2 * patch, 2 * patch), align_corners=False)
    fine = F.grid_sample(alphas[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return F.avg_pool2d(fine, 2)[:, 0].numpy()                       # 2 x 2 supersampling


def _overlaps(candidates, placed):
    """Largest IoU of each candidate box with the boxes placed (as :func:`cnnlab.ops.boxes.box_iou`)."""
    if not len(placed):
        return np.zeros(len(candidates))
    lo = np.maximum(candidates[:, None, :2], placed[None, :, :2])
    hi = np.minimum(candidates[:, None, 2:], placed[None, :, 2:])
    inter = np.clip(hi - lo, 0, None).prod(2)
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # noqa: E731
    return (inter / (area(candidates)[:, None] + area(placed)[None, :] - inter)).max(1)


def _bounds(masks):
    """The tight box (x1, y1, x2, y2) of each non-empty (N, H, W) bool mask, as ints."""
    rows, cols = masks.any(2), masks.any(1)
    first = lambda m: m.argmax(1)                              # noqa: E731
    last = lambda m: m.shape[1] - m[:, ::-1].argmax(1)         # noqa: E731
    return np.stack([first(cols), first(rows), last(cols), last(rows)], 1)


def _background(rng, n, size, clutter):
    """Light colours with a smooth texture and dark distractor strokes: (n, 3, size, size) float32."""
    base = (LIGHT[0] + (LIGHT[1] - LIGHT[0]) * rng.random((n, 3))).astype(np.float32)
    texture = F.interpolate(torch.from_numpy(rng.standard_normal((n, 3, 5, 5), np.float32)), size=(size, size),
                            mode="bicubic", align_corners=False).numpy()
    images = base[:, :, None, None] + np.float32(0.15 * clutter) * texture
    strokes = rng.binomial(5, clutter, n) if clutter else np.zeros(n, int)
    ends = (rng.random((n, 5, 4)) * size).astype(np.float32)   # x0, y0, x1, y1 of each stroke
    colours = (DARK[1] * rng.random((n, 5, 3))).astype(np.float32)
    g = np.arange(size, dtype=np.float32) + 0.5
    for k in range(int(strokes.max(initial=0))):  # line segments about 1.5 pixels wide
        on = np.flatnonzero(strokes > k)
        x0, y0, x1, y1 = (ends[on, k, j, None, None] for j in range(4))
        dx, dy = x1 - x0, y1 - y0
        t = np.clip(((g - x0) * dx + (g[:, None] - y0) * dy) / (dx * dx + dy * dy + 1e-6), 0, 1)
        alpha = np.clip(1.25 - np.hypot(g - x0 - t * dx, g[:, None] - y0 - t * dy), 0, 1)
        images[on] += alpha[:, None] * (colours[on, k, :, None, None] - images[on])
    return images


def scenes_dataset(n: int, *, image_size: int = 48, seed=0, classes=("circle", "square", "triangle"),
                   objects=(1, 4), size=(8.0, 16.0), overlap: float = 0.2, clutter: float = 0.5) -> Scenes:
    """Seeded scenes of several shapes with their boxes, labels and masks, for detection and segmentation.

    Each scene draws a number of objects uniformly from `objects`. Each object is a shape of
    :func:`cnnlab.shapes_dataset` (random class, rotation and aspect), scaled so that the longer
    side of its box is uniform in `size`, in a random colour that stands out from the scene's
    background colour, placed at random so that its box overlaps every earlier box by an IoU of
    at most `overlap` (an object without such a place after 30 tries is left out). Larger
    objects are drawn first, so smaller ones stay in sight. `clutter` adds a smooth texture to
    the background, up to 5 distractor strokes in random colours and pixel noise. The same
    `seed` always gives the same scenes.

    Parameters
    ----------
    n : int
        Number of scenes, >= 1.
    image_size : int, default 48
        Height and width in pixels, >= 16.
    seed : int, numpy.random.Generator or torch.Generator, default 0
    classes : tuple of str, default ('circle', 'square', 'triangle')
        At least two distinct names from :data:`cnnlab.SHAPE_CLASSES`.
    objects : (int, int), default (1, 4)
        Least and most objects per scene, ``0 <= least <= most``.
    size : (float, float), default (8, 16)
        Range of the longer side of the objects' boxes, in pixels: ``4 <= low <= high <= image_size``.
    overlap : float, default 0.2
        Largest IoU allowed between two objects' boxes, in [0, 1].
    clutter : float, default 0.5
        In [0, 1]: 0 gives plain backgrounds; 1 gives strong texture, 5 strokes on average and
        noise of standard deviation 0.03.

    Returns
    -------
    Scenes

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong type or out of range (each error names the argument).

    Examples
    --------
    >>> scenes = scenes_dataset(4, seed=0)
    >>> tuple(scenes.images.shape), scenes.masks.shape[1:], scenes.classes
    ((4, 3, 48, 48), torch.Size([48, 48]), ('circle', 'square', 'triangle'))
    >>> [len(b) for b in scenes.boxes] == [len(lab) for lab in scenes.labels]
    True
    """
    n, image_size = check_int("n", n, minimum=1), check_int("image_size", image_size, minimum=16)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_seed(seed))
    if isinstance(classes, str) or not isinstance(classes, (tuple, list)):
        raise TypeError(f"`classes` must be a tuple of names from {SHAPE_CLASSES}, got {classes!r}")
    if [c for c in classes if c not in SHAPE_CLASSES] or len(set(classes)) != len(classes) or len(classes) < 2:
        raise ValueError(f"`classes` must be >= 2 distinct names from {SHAPE_CLASSES}, got {classes!r}")
    if not isinstance(objects, (tuple, list)) or len(objects) != 2:
        raise TypeError(f"`objects` must be a pair (least, most) of ints, got {objects!r}")
    least, most = check_int("objects", objects[0], minimum=0), check_int("objects", objects[1], minimum=0)
    if least > most:
        raise ValueError(f"`objects` must be (least, most) with least <= most, got {objects!r}")
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise TypeError(f"`size` must be a pair (low, high) of numbers, got {size!r}")
    low, high = check_range("size", size[0], "size", size[1], low=4.0, high=float(image_size))
    overlap = check_float("overlap", overlap, low=0.0, high=1.0)
    clutter = check_float("clutter", clutter, low=0.0, high=1.0)

    counts = rng.integers(least, most + 1, n)
    total = int(counts.sum())
    sides = rng.uniform(low, high, total)
    images = _background(rng, n, image_size, clutter)
    if total:
        alphas, shape_labels = _shape_alphas(rng, total, tuple(classes))
        alphas = _scaled(alphas, sides, int(np.ceil(high)) + 2)
        crops = _bounds(alphas > 0.01)                                  # the shape and its soft edge
        inner = _bounds(alphas > 0.5) - crops[:, [0, 1, 0, 1]]          # its box within the crop
        heights, widths = crops[:, 3] - crops[:, 1], crops[:, 2] - crops[:, 0]
        tops = (rng.random((total, 30)) * (image_size - heights + 1)[:, None]).astype(np.int64)
        lefts = (rng.random((total, 30)) * (image_size - widths + 1)[:, None]).astype(np.int64)
        colours = (DARK[1] * rng.random((total, 3))).astype(np.float32)
    instances = np.zeros((n, image_size, image_size), np.int64)
    boxes, labels, first = [], [], 0
    for i in range(n):
        ids = first + np.argsort(-sides[first:first + counts[i]], kind="stable")  # larger first
        first += counts[i]
        placed, kept = np.zeros((0, 4)), []
        for j in ids:
            candidates = inner[j] + np.stack([lefts[j], tops[j], lefts[j], tops[j]], 1)
            fits = np.flatnonzero(_overlaps(candidates, placed) <= overlap)
            if not len(fits):
                continue
            top, left, (x1, y1, x2, y2) = tops[j, fits[0]], lefts[j, fits[0]], crops[j]
            a = alphas[j, y1:y2, x1:x2]
            region = images[i, :, top:top + y2 - y1, left:left + x2 - x1]
            region += a * (colours[j, :, None, None] - region)
            instances[i, top:top + y2 - y1, left:left + x2 - x1][a > 0.5] = len(kept) + 1
            placed = np.concatenate([placed, candidates[fits[:1]]])
            kept.append(int(shape_labels[j]))
        boxes.append(torch.from_numpy(placed.astype(np.float32)))
        labels.append(torch.tensor(kept, dtype=torch.long))
    if clutter:
        images += rng.standard_normal(images.shape, np.float32) * np.float32(0.03 * clutter)
    images = torch.from_numpy(np.clip(images, 0, 1))
    return Scenes(images, boxes, labels, torch.from_numpy(instances), tuple(classes))


def scene_patches(scenes: Scenes, *, size: int = 16, negatives: int = 2, jitter: int = 2, seed=0):
    """Windows cut from scenes for a window classifier: one per object, and background windows.

    Each object gives a `size` × `size` window centred on its box centre, shifted by up to
    `jitter` pixels each way, labelled ``1 + label``; each scene gives `negatives` windows
    labelled 0 whose centre is more than ``size / 4`` pixels (in x or y) from every object
    centre (they may hold parts of objects: a classifier must learn "not centred here").

    Returns
    -------
    (Tensor (M, 3, size, size), Tensor of int64 (M,))

    Examples
    --------
    >>> x, y = scene_patches(scenes_dataset(3, seed=0), seed=0)
    >>> x.shape[1:], int((y == 0).sum())
    (torch.Size([3, 16, 16]), 6)
    """
    if not isinstance(scenes, Scenes):
        raise TypeError(f"`scenes` must be Scenes from scenes_dataset, got {type(scenes).__name__}")
    full = scenes.images.shape[-1]
    size = check_int("size", size, minimum=4)
    if size > full:
        raise ValueError(f"`size` must be at most the image size {full}, got {size}")
    negatives, jitter = check_int("negatives", negatives, minimum=0), check_int("jitter", jitter, minimum=0)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_seed(seed))
    crops, labels = [], []
    for image, boxes, labs in zip(scenes.images, scenes.boxes, scenes.labels):
        centres = ((boxes[:, :2] + boxes[:, 2:]) / 2).numpy()
        corners = np.round(centres - size / 2).astype(int) + rng.integers(-jitter, jitter + 1, centres.shape)
        found, tries = [], rng.integers(0, full - size + 1, (30, 2))
        far = np.abs(tries[:, None] + size / 2 - centres[None]).max(2) > size / 4 if len(centres) else None
        ok = tries if far is None else tries[far.all(1)]
        found = list(ok[:negatives])
        for (x, y), lab in [*zip(corners, labs.tolist()), *((c, -1) for c in found)]:
            x, y = int(np.clip(x, 0, full - size)), int(np.clip(y, 0, full - size))
            crops.append(image[:, y:y + size, x:x + size])
            labels.append(lab + 1)
    if not crops:
        return torch.zeros(0, 3, size, size), torch.zeros(0, dtype=torch.long)
    return torch.stack(crops), torch.tensor(labels, dtype=torch.long)
