"""Geometric augmentations: crops, flips, rotation, scaling, shearing and elastic warping.

Each ``random_<what>`` draws per-image parameters (:mod:`cnnlab.data.augment.draws`); the warps
share one deterministic core, :func:`affine`, which resamples bilinearly with
``torch.nn.functional.grid_sample``. Images are float tensors (N, C, H, W) or (C, H, W) with
values in [0, 1]; outputs keep the shape (except :func:`random_crop`), dtype and device.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cnnlab._checks import check_float, check_images, check_int, check_range, check_tuple, generator
from cnnlab.data.augment.draws import unbatch, uniform
from cnnlab.ops.filters import gaussian_blur


def random_crop(images, size, *, seed, padding=0):
    """Crop a `size` window (an int or (height, width)) at a random offset per image.

    With ``padding=p`` the images are first padded with `p` rows and columns of zeros on
    every side (torchvision's ``RandomCrop(size, padding)``): cropping back to the original
    size then shifts each image by a whole number of pixels in -p..p in each direction.

    Raises
    ------
    ValueError
        If `size` is larger than the (padded) images.

    Examples
    --------
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4) / 16
    >>> random_crop(x, 2, seed=0).shape
    torch.Size([1, 1, 2, 2])
    >>> random_crop(x, 4, seed=0, padding=1).shape  # shifted by up to one pixel, zero fill
    torch.Size([1, 1, 4, 4])
    """
    batch, added = check_images("images", images)
    padding = check_int("padding", padding, minimum=0)
    if padding:
        batch = F.pad(batch, (padding,) * 4)
    (n, _, height, width), (h, w) = batch.shape, check_tuple("size", size, 2, minimum=1)
    if h > height or w > width:
        raise ValueError(f"`size` must be at most the {'padded ' if padding else ''}image size {(height, width)}, "
                         f"got {(h, w)}")
    gen = generator(seed)
    top = torch.randint(height - h + 1, (n,), generator=gen).to(batch.device)
    left = torch.randint(width - w + 1, (n,), generator=gen).to(batch.device)
    rows = (top[:, None] + torch.arange(h, device=batch.device))[:, :, None]  # (N, h, 1)
    cols = (left[:, None] + torch.arange(w, device=batch.device))[:, None, :]  # (N, 1, w)
    out = batch[torch.arange(n, device=batch.device)[:, None, None], :, rows, cols]  # (N, h, w, C)
    return unbatch(out.permute(0, 3, 1, 2).contiguous(), added)


def _random_flip(images, p, seed, dim):
    batch, added = check_images("images", images)
    p = check_float("p", p, low=0.0, high=1.0)
    gen = generator(seed)
    flip = (torch.rand(len(batch), generator=gen) < p).to(batch.device).reshape(-1, 1, 1, 1)
    return unbatch(torch.where(flip, batch.flip(dim), batch), added)


def random_flip_left_right(images, p=0.5, *, seed):
    """Mirror each image horizontally with probability `p`.

    Examples
    --------
    >>> x = torch.rand(8, 1, 3, 3, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(random_flip_left_right(x, 1.0, seed=0), x.flip(-1))
    True
    """
    return _random_flip(images, p, seed, -1)


def random_flip_up_down(images, p=0.5, *, seed):
    """Mirror each image vertically with probability `p`.

    Examples
    --------
    >>> x = torch.rand(8, 1, 3, 3, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(random_flip_up_down(x, 0.0, seed=0), x)
    True
    """
    return _random_flip(images, p, seed, -2)


# --------------------------------------------------------------------------- warps
def affine_matrix(angle=0.0, scale=1.0, shear=0.0, translate=(0.0, 0.0)):
    """The forward 2×3 map ``[A | t]`` of :func:`affine` in pixel coordinates about the centre, shape (N, 2, 3).

    A point p (x = column, y = row, measured from the image centre) moves to
    ``A p + t`` with ``A = R(angle) @ Shear(shear) @ scale``: `scale` zooms,
    ``Shear`` moves a point ``y`` rows below the centre ``y·tan(shear)`` to the
    right, and ``R`` turns counter-clockwise as displayed (rows grow downwards).
    Angles in degrees; every argument is a float or one value per image.

    Examples
    --------
    >>> affine_matrix(angle=90.0).round(decimals=6)
    tensor([[[ 0.,  1.,  0.],
             [-1.,  0.,  0.]]], dtype=torch.float64)
    """
    angle, scale, shear = (torch.as_tensor(v, dtype=torch.float64).cpu().reshape(-1) for v in (angle, scale, shear))
    translate = torch.as_tensor(translate, dtype=torch.float64).cpu().reshape(-1, 2)
    n = max(len(angle), len(scale), len(shear), len(translate))
    angle, scale, shear = torch.broadcast_tensors(angle, scale, shear, torch.zeros(n, dtype=torch.float64))[:3]
    theta, tan = torch.deg2rad(angle), torch.tan(torch.deg2rad(shear))
    cos, sin = torch.cos(theta), torch.sin(theta)
    # R = [[cos, sin], [-sin, cos]] (y down), Shear = [[1, tan], [0, 1]]
    a = torch.stack([torch.stack([cos, cos * tan + sin], -1), torch.stack([-sin, -sin * tan + cos], -1)], -2)
    a = a * scale.reshape(-1, 1, 1)
    return torch.cat([a, translate.expand(n, 2).unsqueeze(-1)], -1)


def affine(images, angle=0.0, scale=1.0, shear=0.0, translate=(0.0, 0.0), fill=0.0):
    """Rotate, scale, shear and translate images about their centre, with bilinear resampling.

    The centre is ``((W - 1) / 2, (H - 1) / 2)`` in pixels, as in
    ``skimage.transform.rotate``; positive `angle` turns the picture
    counter-clockwise on screen. See :func:`affine_matrix` for the map.
    Pixels that come from outside the image take the value `fill`.

    Parameters
    ----------
    images : Tensor, shape (N, C, H, W) or (C, H, W)
    angle, scale, shear : float or Tensor of shape (N,)
        Degrees, zoom factor (> 0; 2 doubles sizes), degrees in (-90, 90).
    translate : pair of floats or Tensor of shape (N, 2)
        Shift ``(right, down)`` in pixels, applied last.
    fill : float, default 0

    Returns
    -------
    Tensor, same shape, dtype and device as `images`

    Examples
    --------
    >>> x = torch.zeros(1, 1, 3, 3); x[0, 0, 0, 1] = 1.0  # a dot above the centre
    >>> affine(x, angle=90.0)[0, 0].round(decimals=4)  # turns to the left of it
    tensor([[0., 0., 0.],
            [1., 0., 0.],
            [0., 0., 0.]])
    """
    batch, added = check_images("images", images)
    fill = check_float("fill", fill)
    if torch.as_tensor(scale).le(0).any():
        raise ValueError(f"`scale` must be positive, got {scale!r}")
    (n, _, height, width) = batch.shape
    forward = affine_matrix(angle, scale, shear, translate).expand(n, 2, 3)
    inverse = torch.linalg.inv(forward[:, :, :2])  # output -> input
    # normalised coordinates (align_corners=False): u = S (p - centre), S = diag(2 / W, 2 / H)
    s = torch.tensor([2.0 / width, 2.0 / height], dtype=torch.float64)
    theta = torch.cat([s[:, None] * inverse / s[None, :], -(s[:, None] * inverse @ forward[:, :, 2:])], -1)
    return unbatch(_resample(batch, F.affine_grid(theta.to(batch), list(batch.shape), align_corners=False), fill), added)


def _resample(batch, grid, fill):
    out = F.grid_sample(batch, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if fill:  # blend in the fill where samples fall (partly) outside
        inside = F.grid_sample(torch.ones_like(batch[:, :1]), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        out = out + (1 - inside) * fill
    return out.clamp(0, 1)


def random_rotation(images, max_degrees, *, seed, fill=0.0):
    """Rotate each image about its centre by an angle drawn from U[-max_degrees, max_degrees) (see :func:`affine`).

    Examples
    --------
    >>> x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> random_rotation(x, 15.0, seed=0).shape
    torch.Size([2, 1, 8, 8])
    """
    batch, added = check_images("images", images)
    max_degrees = check_float("max_degrees", max_degrees, low=0.0)
    return unbatch(affine(batch, angle=uniform(seed, len(batch), -max_degrees, max_degrees, batch), fill=fill), added)


def random_scale(images, lower, upper, *, seed, fill=0.0):
    """Zoom each image about its centre by a factor drawn from U[lower, upper), 0 < lower <= upper.

    Examples
    --------
    >>> x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> random_scale(x, 0.9, 1.1, seed=0).shape
    torch.Size([2, 1, 8, 8])
    """
    batch, added = check_images("images", images)
    lower, upper = check_range("lower", lower, "upper", upper, low=0.0)
    if lower == 0:
        raise ValueError(f"`lower` must be positive, got {lower!r}")
    return unbatch(affine(batch, scale=uniform(seed, len(batch), lower, upper, batch), fill=fill), added)


def random_shear(images, max_degrees, *, seed, fill=0.0):
    """Shear each image horizontally by an angle drawn from U[-max_degrees, max_degrees), max_degrees < 90.

    Examples
    --------
    >>> x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> random_shear(x, 10.0, seed=0).shape
    torch.Size([2, 1, 8, 8])
    """
    batch, added = check_images("images", images)
    max_degrees = check_float("max_degrees", max_degrees, low=0.0, high=89.0)
    return unbatch(affine(batch, shear=uniform(seed, len(batch), -max_degrees, max_degrees, batch), fill=fill), added)


def random_elastic(images, alpha, sigma, *, seed, fill=0.0):
    """Elastic warping (Simard et al., 2003): a random displacement field smoothed by a Gaussian.

    Each pixel's displacement is drawn from U(-1, 1) per axis, blurred with a
    Gaussian of `sigma` pixels and multiplied by `alpha` pixels; the image is
    resampled bilinearly there. Simard used alpha = 34, sigma = 4 on 28×28 digits.

    Examples
    --------
    >>> x = torch.rand(2, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    >>> random_elastic(x, alpha=34.0, sigma=4.0, seed=0).shape
    torch.Size([2, 1, 28, 28])

    References
    ----------
    P. Y. Simard, D. Steinkraus, J. C. Platt, "Best practices for convolutional
    neural networks applied to visual document analysis", ICDAR 2003.
    """
    batch, added = check_images("images", images)
    alpha, sigma = check_float("alpha", alpha, low=0.0), check_float("sigma", sigma, low=0.0)
    n, _, height, width = batch.shape
    gen = generator(seed)
    field = (2 * torch.rand(n, 2, height, width, generator=gen, dtype=torch.float64) - 1).to(batch)
    field = gaussian_blur(field, sigma) * alpha  # (N, 2, H, W) pixels: (right, down)
    ys, xs = torch.meshgrid(torch.arange(height, device=batch.device), torch.arange(width, device=batch.device), indexing="ij")
    x = (2 * (xs + field[:, 0]) + 1) / width - 1
    y = (2 * (ys + field[:, 1]) + 1) / height - 1
    return unbatch(_resample(batch, torch.stack([x, y], -1), fill), added)
