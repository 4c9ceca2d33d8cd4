"""Heat maps over images: saliency, occlusion, CAM and Grad-CAM drawn on the pictures they explain.

A map at the resolution of a feature map (7 × 7 for CAM) is resized to the image with bilinear
interpolation (:func:`upsample`), scaled by the 99th percentile of its absolute values (clipped
to 1 above it, so that a few extreme pixels do not wash out the rest), and drawn over a faded
grey copy of the image (:func:`overlay`). Maps that are never negative use a
sequential colour map from 0 to 1; signed maps (an occlusion that raises the score) a diverging
one from -1 to 1, so that white means "no effect". Figures are built without pyplot.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from cnnlab._checks import check_float, check_int


def upsample(heat, size):
    """Resize maps (h, w) or (N, h, w) to `size` (H, W) with bilinear interpolation.

    Examples
    --------
    >>> upsample(torch.ones(2, 3, 3), (6, 6)).shape
    torch.Size([2, 6, 6])
    """
    if not torch.is_tensor(heat) or heat.dim() not in (2, 3):
        raise TypeError(f"`heat` must be a tensor of shape (h, w) or (N, h, w), got {heat!r:.60}")
    size = (check_int("size", size[0], minimum=1), check_int("size", size[1], minimum=1))
    batch = heat[None] if heat.dim() == 2 else heat
    out = torch.nn.functional.interpolate(batch[:, None].double(), size=size, mode="bilinear", align_corners=False)
    return out[:, 0] if heat.dim() == 3 else out[0, 0]


def _picture(image):
    """An image tensor (C, H, W), (1, C, H, W) or (H, W) as an (H, W) or (H, W, 3) array."""
    array = image.detach().cpu().double() if torch.is_tensor(image) else torch.as_tensor(np.asarray(image))
    while array.dim() > 3 and array.shape[0] == 1:
        array = array[0]
    if array.dim() == 3:
        array = array[0] if array.shape[0] == 1 else array.permute(1, 2, 0)
    if array.dim() not in (2, 3):
        raise ValueError(f"`image` must have shape (H, W), (C, H, W) or (1, C, H, W), got {tuple(image.shape)}")
    return array.clamp(0, 1).numpy()


def overlay(ax, image, heat, *, alpha=0.7, title=None):
    """Draw `image` in grey (or colour) and `heat`, resized to it, on top; return the heat artist.

    Examples
    --------
    >>> fig = Figure(); ax = fig.add_subplot()
    >>> overlay(ax, torch.rand(1, 8, 8), torch.rand(4, 4)).get_cmap().name
    'inferno'
    """
    alpha = check_float("alpha", alpha, low=0.0, high=1.0)
    picture = _picture(image)
    if not torch.is_tensor(heat):
        heat = torch.as_tensor(np.asarray(heat))
    heat = upsample(heat.detach().cpu(), picture.shape[:2])
    signed = bool((heat < 0).any())
    scale = float(heat.abs().flatten().quantile(0.99)) or float(heat.abs().max()) or 1.0
    ax.imshow(picture.mean(axis=-1) if picture.ndim == 3 else picture, cmap="gray", vmin=0, vmax=1.8)
    artist = ax.imshow((heat / scale).clamp(-1, 1).numpy(), cmap="RdBu_r" if signed else "inferno", alpha=alpha,
                       vmin=-1 if signed else 0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=9)
    return artist


def plot_maps(images, maps, *, titles=None, alpha=0.7, panel=1.6, suptitle=None):
    """A grid: one row per image, its picture then one overlaid map per entry of `maps`.

    Parameters
    ----------
    images : Tensor, shape (N, C, H, W)
    maps : dict of str to Tensor, shape (N, h, w)
        Column title -> one map per image (any resolution).
    titles : sequence of str, optional
        One label per row, written over the picture.
    alpha : float, default 0.7
    panel : float, default 1.6
        Inches per panel.
    suptitle : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_maps(torch.rand(2, 1, 8, 8), {"saliency": torch.rand(2, 8, 8), "CAM": torch.rand(2, 2, 2)})
    >>> len(fig.axes)
    6
    """
    if not isinstance(maps, dict) or not maps:
        raise TypeError(f"`maps` must be a non-empty dict of name -> maps (N, h, w), got {type(maps).__name__}")
    n = len(images)
    for name, heat in maps.items():
        if not torch.is_tensor(heat) or heat.dim() != 3 or len(heat) != n:
            raise ValueError(f"`maps` entry {name!r} must be a tensor of shape ({n}, h, w), got {heat!r:.60}")
    if titles is not None and len(titles) != n:
        raise ValueError(f"`titles` must hold one label per image ({n}), got {len(titles)}")
    panel = check_float("panel", panel, positive=True)
    columns = 1 + len(maps)
    height = panel * n + 0.25 * n + (0.4 if suptitle else 0.0)  # room for the titles
    fig = Figure(figsize=(panel * columns, height))
    grid = {"left": 0.02, "right": 0.98, "bottom": 0.01, "top": 1 - (0.65 if suptitle else 0.25) / height,
            "wspace": 0.06, "hspace": 0.25 / panel}  # no layout engine: fixed margins draw faster
    axes = np.asarray(fig.subplots(n, columns, squeeze=False, gridspec_kw=grid))
    for i in range(n):
        picture = _picture(images[i])
        axes[i, 0].imshow(picture, cmap=None if picture.ndim == 3 else "gray", vmin=0, vmax=1)
        axes[i, 0].set_xticks([])
        axes[i, 0].set_yticks([])
        axes[i, 0].set_title(titles[i] if titles is not None else ("image" if i == 0 else None), fontsize=9)
        for j, (name, heat) in enumerate(maps.items(), start=1):
            overlay(axes[i, j], images[i], heat[i], alpha=alpha, title=name if i == 0 else None)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig


def plot_map(images, maps, image=0, method=None, *, titles=None, alpha=0.7, figsize=(4.4, 2.4)):
    """One image and one of its maps side by side (a frame of an explorer over images × methods).

    Parameters
    ----------
    images : Tensor, shape (N, C, H, W)
    maps : dict of str to Tensor, shape (N, h, w)
    image : int, default 0
        Which image.
    method : str, optional
        Which entry of `maps`; the first by default.
    titles : sequence of str, optional
        A label per image, shown over the picture.

    Examples
    --------
    >>> fig = plot_map(torch.rand(2, 1, 8, 8), {"CAM": torch.rand(2, 2, 2)}, image=1, method="CAM")
    >>> fig.axes[1].get_title()
    'CAM, image 1'
    """
    if not isinstance(maps, dict) or not maps:
        raise TypeError(f"`maps` must be a non-empty dict of name -> maps (N, h, w), got {type(maps).__name__}")
    method = next(iter(maps)) if method is None else method
    if method not in maps:
        raise ValueError(f"`method` must be one of {list(maps)}, got {method!r}")
    image = check_int("image", image, minimum=0)
    if image >= len(images):
        raise ValueError(f"`image` must be below the number of images {len(images)}, got {image}")
    fig = Figure(figsize=figsize, layout="constrained")
    left, right = fig.subplots(1, 2)
    picture = _picture(images[image])
    left.imshow(picture, cmap=None if picture.ndim == 3 else "gray", vmin=0, vmax=1)
    left.set_xticks([])
    left.set_yticks([])
    left.set_title(titles[image] if titles is not None else f"image {image}", fontsize=9)
    overlay(right, images[image], maps[method][image], alpha=alpha, title=f"{method}, image {image}")
    return fig
