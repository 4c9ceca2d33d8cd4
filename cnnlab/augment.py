"""Stateless data augmentation for batches of images, as TensorFlow's ``tf.image.stateless_random_*``.

Every ``random_<what>(images, ..., seed=...)`` draws one set of parameters per
image from a private ``torch.Generator`` seeded by `seed` (drawn on the CPU,
then moved to the images' device), so the same seed gives the same output
whatever ran before and on every device. Each has a deterministic core
(``adjust_<what>``, :func:`affine`) that takes the parameters themselves.

Images are float tensors of shape (N, C, H, W) or (C, H, W) with values in
[0, 1]; outputs keep the shape (except :func:`random_crop`), dtype and device.
Colour ops follow Pillow's ``ImageEnhance`` (grey = ITU-R 601-2 luma) and
HSV; geometric ops (rotation, scaling, shearing, elastic warping) resample
bilinearly with ``torch.nn.functional.grid_sample``.
"""

from __future__ import annotations

import io
import math
import numbers

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from cnnlab._checks import check_int

_LUMA_601 = (0.299, 0.587, 0.114)  # Pillow's convert("L"), ITU-R 601-2


# --------------------------------------------------------------------------- checks and seeds
def _check_float(name, value, *, low=None, high=None) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
        allowed = f"in [{low}, {high}]" if low is not None and high is not None else (
            f">= {low}" if low is not None else f"<= {high}" if high is not None else "finite")
        raise ValueError(f"`{name}` must be a finite number {allowed}, got {value!r}")
    return value


def _check_range(lower_name, lower, upper_name, upper, *, low=None, high=None):
    lower, upper = _check_float(lower_name, lower, low=low, high=high), _check_float(upper_name, upper, low=low, high=high)
    if lower > upper:
        raise ValueError(f"`{lower_name}` must be <= `{upper_name}`, got {lower!r} > {upper!r}")
    return lower, upper


def _check_images(images, *, channels=None):
    """Return `images` as (N, C, H, W) and whether a batch dimension was added."""
    if not torch.is_tensor(images):
        raise TypeError(f"`images` must be a torch.Tensor, got {type(images).__name__}")
    if not images.is_floating_point():
        raise TypeError(f"`images` must be a float tensor with values in [0, 1], got dtype {images.dtype}")
    if images.dim() not in (3, 4):
        raise ValueError(f"`images` must have shape (N, C, H, W) or (C, H, W), got {tuple(images.shape)}")
    batch = images if images.dim() == 4 else images[None]
    if channels is not None and batch.shape[1] not in channels:
        raise ValueError(f"`images` must have {' or '.join(map(str, channels))} channels, got shape {tuple(images.shape)}")
    return batch, images.dim() == 3


def _unbatch(out, added):
    return out[0] if added else out


def seed_int(seed) -> int:
    """An int seed from an int, a ``numpy.random.Generator`` or a ``torch.Generator`` (which advance).

    Examples
    --------
    >>> seed_int(7)
    7
    >>> seed_int(np.random.default_rng(0)) == seed_int(np.random.default_rng(0))
    True
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    if isinstance(seed, torch.Generator):
        return int(torch.randint(2**62, (1,), generator=seed, device=seed.device))
    seed = check_int("seed", seed, minimum=0)
    if seed >= 2**64:
        raise ValueError(f"`seed` must be below 2**64, got {seed}")
    return seed


def derive_seed(*keys: int) -> int:
    """A well-mixed 63-bit seed from several non-negative ints (``numpy.random.SeedSequence``).

    Examples
    --------
    >>> derive_seed(0, 1) == derive_seed(0, 1) != derive_seed(1, 0)
    True
    """
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def _uniform(seed, n, low, high, like):
    """`n` draws from U[low, high) from a private CPU generator, on the device and dtype of `like`."""
    gen = torch.Generator().manual_seed(seed_int(seed))
    u = torch.rand(n, generator=gen, dtype=torch.float64)
    return (low + (high - low) * u).to(device=like.device, dtype=like.dtype)


def _per_image(value, batch):
    """A float or a (N,) tensor as a (N, 1, 1, 1) tensor matching `batch`."""
    value = torch.as_tensor(value, dtype=batch.dtype, device=batch.device)
    return value.reshape(-1, 1, 1, 1) if value.dim() else value


# --------------------------------------------------------------------------- colour
def adjust_brightness(images, delta):
    """Add `delta` (a float or one per image, shape (N,)) and clamp to [0, 1].

    Examples
    --------
    >>> adjust_brightness(torch.tensor([[[0.2, 0.95]]]), 0.1)
    tensor([[[0.3000, 1.0000]]])
    """
    batch, added = _check_images(images)
    return _unbatch((batch + _per_image(delta, batch)).clamp(0, 1), added)


def random_brightness(images, max_delta, seed):
    """Add a per-image delta drawn from U[-max_delta, max_delta), then clamp to [0, 1].

    Parameters
    ----------
    images : Tensor, shape (N, C, H, W) or (C, H, W)
        Floats in [0, 1].
    max_delta : float
        Non-negative.
    seed : int, numpy.random.Generator or torch.Generator

    Returns
    -------
    Tensor, same shape, dtype and device as `images`

    Raises
    ------
    TypeError, ValueError
        For a non-float or wrongly shaped `images`, or a negative `max_delta`.

    Examples
    --------
    >>> x = torch.full((4, 1, 2, 2), 0.5)
    >>> torch.equal(random_brightness(x, 0.2, seed=1), random_brightness(x, 0.2, seed=1))
    True
    """
    batch, added = _check_images(images)
    max_delta = _check_float("max_delta", max_delta, low=0.0)
    return _unbatch(adjust_brightness(batch, _uniform(seed, len(batch), -max_delta, max_delta, batch)), added)


def grey(images):
    """Luma of (N, 3, H, W) RGB images (ITU-R 601-2, as Pillow's ``convert("L")``); 1 channel passes.

    Examples
    --------
    >>> grey(torch.tensor([[[[1.0]], [[1.0]], [[1.0]]]])).flatten()
    tensor([1.])
    """
    batch, added = _check_images(images, channels=(1, 3))
    if batch.shape[1] == 1:
        return _unbatch(batch, added)
    weights = torch.tensor(_LUMA_601, dtype=batch.dtype, device=batch.device).reshape(1, 3, 1, 1)
    return _unbatch((batch * weights).sum(1, keepdim=True), added)


def _blend(degenerate, batch, factor):
    return (degenerate + _per_image(factor, batch) * (batch - degenerate)).clamp(0, 1)


def adjust_contrast(images, factor):
    """Scale the distance to each image's mean grey level by `factor`, as Pillow's ``ImageEnhance.Contrast``.

    The centre is one number per image, the mean of its grey (luma) image,
    shared by all channels (TensorFlow's ``adjust_contrast`` uses each channel's
    mean instead). ``factor=0`` gives a flat grey image, 1 the original.

    Examples
    --------
    >>> adjust_contrast(torch.tensor([[[0.25, 0.75]]]), 0.5)
    tensor([[[0.3750, 0.6250]]])
    """
    batch, added = _check_images(images, channels=(1, 3))
    mean = grey(batch).mean(dim=(1, 2, 3), keepdim=True)
    return _unbatch(_blend(mean, batch, factor), added)


def random_contrast(images, lower, upper, seed):
    """:func:`adjust_contrast` by a per-image factor drawn from U[lower, upper), 0 <= lower <= upper.

    Examples
    --------
    >>> x = torch.rand(3, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    >>> random_contrast(x, 0.5, 1.5, seed=0).shape
    torch.Size([3, 3, 4, 4])
    """
    batch, added = _check_images(images, channels=(1, 3))
    lower, upper = _check_range("lower", lower, "upper", upper, low=0.0)
    return _unbatch(adjust_contrast(batch, _uniform(seed, len(batch), lower, upper, batch)), added)


def adjust_saturation(images, factor):
    """Blend RGB images with their grey image, as Pillow's ``ImageEnhance.Color``: 0 grey, 1 unchanged.

    Examples
    --------
    >>> adjust_saturation(torch.tensor([[[1.0]], [[0.0]], [[0.0]]]), 0.0).flatten()
    tensor([0.2990, 0.2990, 0.2990])
    """
    batch, added = _check_images(images, channels=(3,))
    return _unbatch(_blend(grey(batch), batch, factor), added)


def random_saturation(images, lower, upper, seed):
    """:func:`adjust_saturation` by a per-image factor drawn from U[lower, upper), 0 <= lower <= upper.

    Examples
    --------
    >>> x = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(random_saturation(x, 0.0, 2.0, 5), random_saturation(x, 0.0, 2.0, 5))
    True
    """
    batch, added = _check_images(images, channels=(3,))
    lower, upper = _check_range("lower", lower, "upper", upper, low=0.0)
    return _unbatch(adjust_saturation(batch, _uniform(seed, len(batch), lower, upper, batch)), added)


def rgb_to_hsv(images):
    """HSV of (N, 3, H, W) RGB images, every channel in [0, 1] (as ``skimage.color.rgb2hsv``)."""
    r, g, b = images.unbind(1)
    value, _ = images.max(1)
    chroma = value - images.min(1).values
    safe = torch.where(chroma > 0, chroma, torch.ones_like(chroma))
    hue = torch.where(value == b, 4 + (r - g) / safe, torch.where(value == g, 2 + (b - r) / safe, (g - b) / safe))
    hue = torch.where(chroma > 0, (hue / 6) % 1, torch.zeros_like(hue))
    saturation = torch.where(value > 0, chroma / torch.where(value > 0, value, torch.ones_like(value)), value * 0)
    return torch.stack([hue, saturation, value], 1)


def hsv_to_rgb(hsv):
    """RGB of (N, 3, H, W) HSV images, the inverse of :func:`rgb_to_hsv`."""
    hue, saturation, value = hsv.unbind(1)
    channels = []
    for n in (5, 3, 1):  # red, green, blue
        k = (n + hue * 6) % 6
        channels.append(value - value * saturation * torch.minimum(k, 4 - k).clamp(0, 1))
    return torch.stack(channels, 1)


def adjust_hue(images, delta):
    """Rotate the hue of RGB images by `delta` turns (in [-0.5, 0.5]; a float or one per image) in HSV.

    Examples
    --------
    >>> red = torch.tensor([[[1.0]], [[0.0]], [[0.0]]])
    >>> adjust_hue(red, 1 / 3).flatten()  # a third of a turn: red -> green
    tensor([0., 1., 0.])
    """
    batch, added = _check_images(images, channels=(3,))
    hsv = rgb_to_hsv(batch)
    hue = (hsv[:, :1] + _per_image(delta, batch)) % 1
    return _unbatch(hsv_to_rgb(torch.cat([hue, hsv[:, 1:]], 1)).clamp(0, 1), added)


def random_hue(images, max_delta, seed):
    """:func:`adjust_hue` by a per-image delta drawn from U[-max_delta, max_delta), 0 <= max_delta <= 0.5.

    Examples
    --------
    >>> x = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    >>> random_hue(x, 0.1, seed=0).shape
    torch.Size([2, 3, 4, 4])
    """
    batch, added = _check_images(images, channels=(3,))
    max_delta = _check_float("max_delta", max_delta, low=0.0, high=0.5)
    return _unbatch(adjust_hue(batch, _uniform(seed, len(batch), -max_delta, max_delta, batch)), added)


def adjust_jpeg_quality(images, quality):
    """Encode and decode each image as JPEG with Pillow at `quality` (1-100; an int or one per image).

    Runs on the CPU (Pillow) on 8-bit images (values rounded to multiples of
    1/255) and returns the result on the input's device and dtype. Grey images
    (1 channel) are saved as ``L``, colour (3 channels) as ``RGB``.

    Examples
    --------
    >>> x = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> y = adjust_jpeg_quality(x, 90)
    >>> y.shape, y.dtype, bool(y.min() >= 0 and y.max() <= 1)
    (torch.Size([2, 3, 8, 8]), torch.float32, True)
    """
    from PIL import Image

    batch, added = _check_images(images, channels=(1, 3))
    qualities = [quality] * len(batch) if not isinstance(quality, (list, tuple, torch.Tensor, np.ndarray)) else list(quality)
    if len(qualities) != len(batch):
        raise ValueError(f"`quality` must be an int or one int per image ({len(batch)}), got {len(qualities)} values")
    qualities = [check_int("quality", int(q) if isinstance(q, (torch.Tensor, np.integer)) else q, minimum=1) for q in qualities]
    if max(qualities, default=1) > 100:
        raise ValueError(f"`quality` must be an int in [1, 100], got {max(qualities)}")
    pixels = (batch.detach().cpu().double().clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    out = []
    for image, q in zip(pixels, qualities):
        buffer = io.BytesIO()
        Image.fromarray(image[..., 0] if image.shape[2] == 1 else image).save(buffer, format="JPEG", quality=q)
        decoded = np.asarray(Image.open(buffer)).reshape(image.shape)
        out.append(torch.from_numpy(decoded.copy()))
    result = torch.stack(out).permute(0, 3, 1, 2).to(device=batch.device, dtype=batch.dtype) / 255
    return _unbatch(result, added)


def random_jpeg_quality(images, min_quality, max_quality, seed):
    """:func:`adjust_jpeg_quality` at a per-image quality drawn uniformly from the ints in [min_quality, max_quality].

    Examples
    --------
    >>> x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> random_jpeg_quality(x, 50, 95, seed=0).shape
    torch.Size([2, 1, 8, 8])
    """
    batch, added = _check_images(images, channels=(1, 3))
    low, high = check_int("min_quality", min_quality, minimum=1), check_int("max_quality", max_quality, minimum=1)
    if high > 100:
        raise ValueError(f"`max_quality` must be an int in [1, 100], got {high}")
    if low > high:
        raise ValueError(f"`min_quality` must be <= `max_quality`, got {low} > {high}")
    gen = torch.Generator().manual_seed(seed_int(seed))
    return _unbatch(adjust_jpeg_quality(batch, torch.randint(low, high + 1, (len(batch),), generator=gen)), added)


# --------------------------------------------------------------------------- crops and flips
def random_crop(images, size, seed):
    """Crop a `size` window (an int or (height, width)) at a random offset per image.

    Raises
    ------
    ValueError
        If `size` is larger than the images.

    Examples
    --------
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4) / 16
    >>> random_crop(x, 2, seed=0).shape
    torch.Size([1, 1, 2, 2])
    """
    batch, added = _check_images(images)
    (n, _, height, width), (h, w) = batch.shape, _pair("size", size)
    if h > height or w > width:
        raise ValueError(f"`size` must be at most the image size {(height, width)}, got {(h, w)}")
    gen = torch.Generator().manual_seed(seed_int(seed))
    top = torch.randint(height - h + 1, (n,), generator=gen).to(batch.device)
    left = torch.randint(width - w + 1, (n,), generator=gen).to(batch.device)
    rows = (top[:, None] + torch.arange(h, device=batch.device))[:, :, None]  # (N, h, 1)
    cols = (left[:, None] + torch.arange(w, device=batch.device))[:, None, :]  # (N, 1, w)
    out = batch[torch.arange(n, device=batch.device)[:, None, None], :, rows, cols]  # (N, h, w, C)
    return _unbatch(out.permute(0, 3, 1, 2).contiguous(), added)


def _pair(name, value):
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return tuple(check_int(name, v, minimum=1) for v in value)
    if isinstance(value, (tuple, list)):
        raise ValueError(f"`{name}` must be an int or a pair of ints, got {value!r}")
    return (check_int(name, value, minimum=1),) * 2


def _random_flip(images, seed, p, dim):
    batch, added = _check_images(images)
    p = _check_float("p", p, low=0.0, high=1.0)
    gen = torch.Generator().manual_seed(seed_int(seed))
    flip = (torch.rand(len(batch), generator=gen) < p).to(batch.device).reshape(-1, 1, 1, 1)
    return _unbatch(torch.where(flip, batch.flip(dim), batch), added)


def random_flip_left_right(images, seed, p=0.5):
    """Mirror each image horizontally with probability `p`.

    Examples
    --------
    >>> x = torch.rand(8, 1, 3, 3, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(random_flip_left_right(x, seed=0, p=1.0), x.flip(-1))
    True
    """
    return _random_flip(images, seed, p, -1)


def random_flip_up_down(images, seed, p=0.5):
    """Mirror each image vertically with probability `p`.

    Examples
    --------
    >>> x = torch.rand(8, 1, 3, 3, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(random_flip_up_down(x, seed=0, p=0.0), x)
    True
    """
    return _random_flip(images, seed, p, -2)


# --------------------------------------------------------------------------- geometry
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
    batch, added = _check_images(images)
    fill = _check_float("fill", fill)
    if torch.as_tensor(scale).le(0).any():
        raise ValueError(f"`scale` must be positive, got {scale!r}")
    (n, _, height, width) = batch.shape
    forward = affine_matrix(angle, scale, shear, translate).expand(n, 2, 3)
    inverse = torch.linalg.inv(forward[:, :, :2])  # output -> input
    # normalised coordinates (align_corners=False): u = S (p - centre), S = diag(2 / W, 2 / H)
    s = torch.tensor([2.0 / width, 2.0 / height], dtype=torch.float64)
    theta = torch.cat([s[:, None] * inverse / s[None, :], -(s[:, None] * inverse @ forward[:, :, 2:])], -1)
    return _unbatch(_resample(batch, F.affine_grid(theta.to(batch), list(batch.shape), align_corners=False), fill), added)


def _resample(batch, grid, fill):
    out = F.grid_sample(batch, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if fill:  # blend in the fill where samples fall (partly) outside
        inside = F.grid_sample(torch.ones_like(batch[:, :1]), grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        out = out + (1 - inside) * fill
    return out.clamp(0, 1)


def random_rotation(images, max_degrees, seed, fill=0.0):
    """Rotate each image about its centre by an angle drawn from U[-max_degrees, max_degrees) (see :func:`affine`).

    Examples
    --------
    >>> x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> random_rotation(x, 15.0, seed=0).shape
    torch.Size([2, 1, 8, 8])
    """
    batch, added = _check_images(images)
    max_degrees = _check_float("max_degrees", max_degrees, low=0.0)
    return _unbatch(affine(batch, angle=_uniform(seed, len(batch), -max_degrees, max_degrees, batch), fill=fill), added)


def random_scale(images, lower, upper, seed, fill=0.0):
    """Zoom each image about its centre by a factor drawn from U[lower, upper), 0 < lower <= upper.

    Examples
    --------
    >>> x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> random_scale(x, 0.9, 1.1, seed=0).shape
    torch.Size([2, 1, 8, 8])
    """
    batch, added = _check_images(images)
    lower, upper = _check_range("lower", lower, "upper", upper, low=0.0)
    if lower == 0:
        raise ValueError(f"`lower` must be positive, got {lower!r}")
    return _unbatch(affine(batch, scale=_uniform(seed, len(batch), lower, upper, batch), fill=fill), added)


def random_shear(images, max_degrees, seed, fill=0.0):
    """Shear each image horizontally by an angle drawn from U[-max_degrees, max_degrees), max_degrees < 90.

    Examples
    --------
    >>> x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> random_shear(x, 10.0, seed=0).shape
    torch.Size([2, 1, 8, 8])
    """
    batch, added = _check_images(images)
    max_degrees = _check_float("max_degrees", max_degrees, low=0.0, high=89.0)
    return _unbatch(affine(batch, shear=_uniform(seed, len(batch), -max_degrees, max_degrees, batch), fill=fill), added)


def gaussian_kernel1d(sigma, *, dtype=None, device=None):
    """A normalised 1-D Gaussian of standard deviation `sigma` pixels, radius ``int(4 sigma + 0.5)`` (as scipy).

    Examples
    --------
    >>> gaussian_kernel1d(1.0).shape
    torch.Size([9])
    """
    sigma = _check_float("sigma", sigma, low=0.0)
    radius = int(4 * sigma + 0.5)
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    kernel = torch.exp(-0.5 * (x / max(sigma, 1e-12)) ** 2) if radius else torch.ones(1, dtype=torch.float64)
    return (kernel / kernel.sum()).to(dtype=dtype or torch.get_default_dtype(), device=device)


def gaussian_blur(images, sigma):
    """Separable Gaussian blur of every channel, as ``scipy.ndimage.gaussian_filter`` (mode 'reflect', truncate 4).

    Examples
    --------
    >>> gaussian_blur(torch.ones(1, 1, 5, 5), 1.0).allclose(torch.ones(1, 1, 5, 5))
    True
    """
    batch, added = _check_images(images)
    kernel = gaussian_kernel1d(sigma, dtype=batch.dtype, device=batch.device)
    r, c = len(kernel) // 2, batch.shape[1]
    out = batch
    for shape, pad in (((c, 1, 1, 2 * r + 1), (r, r, 0, 0)), ((c, 1, 2 * r + 1, 1), (0, 0, r, r))):
        out = F.conv2d(_pad_symmetric(out, pad), kernel.reshape(1, 1, *shape[2:]).expand(shape), groups=c)
    return _unbatch(out, added)


def _pad_symmetric(x, pad):
    """Pad by mirroring with the edge pixel repeated (scipy's 'reflect'), for any pad size."""
    left, right, top, bottom = pad
    h, w = x.shape[-2:]
    cols = torch.arange(-left, w + right, device=x.device)
    rows = torch.arange(-top, h + bottom, device=x.device)
    fold = lambda i, n: torch.where((i % (2 * n)) < n, i % (2 * n), 2 * n - 1 - i % (2 * n))  # noqa: E731
    return x[..., fold(rows, h)[:, None], fold(cols, w)[None, :]]


def random_elastic(images, alpha, sigma, seed, fill=0.0):
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
    batch, added = _check_images(images)
    alpha, sigma = _check_float("alpha", alpha, low=0.0), _check_float("sigma", sigma, low=0.0)
    n, _, height, width = batch.shape
    gen = torch.Generator().manual_seed(seed_int(seed))
    field = (2 * torch.rand(n, 2, height, width, generator=gen, dtype=torch.float64) - 1).to(batch)
    field = gaussian_blur(field, sigma) * alpha  # (N, 2, H, W) pixels: (right, down)
    ys, xs = torch.meshgrid(torch.arange(height, device=batch.device), torch.arange(width, device=batch.device), indexing="ij")
    x = (2 * (xs + field[:, 0]) + 1) / width - 1
    y = (2 * (ys + field[:, 1]) + 1) / height - 1
    return _unbatch(_resample(batch, torch.stack([x, y], -1), fill), added)


# --------------------------------------------------------------------------- pipelines
class Compose:
    """Chain transforms ``t(images, seed=...)``, each with its own seed derived from one seed.

    Transform i gets ``derive_seed(seed, i)``, so adding a transform at the
    end leaves the draws of the others unchanged. Bind parameters with
    ``functools.partial``.

    Examples
    --------
    >>> from functools import partial
    >>> augment = Compose([partial(random_rotation, max_degrees=10.0), random_flip_left_right])
    >>> x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(augment(x, seed=3), augment(x, seed=3))
    True
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"`transforms` must hold callables, got {type(t).__name__} at position {i}")

    def __call__(self, images, seed):
        seed = seed_int(seed)
        for i, transform in enumerate(self.transforms):
            images = transform(images, seed=derive_seed(seed, i))
        return images

    def __repr__(self):
        return f"Compose({self.transforms!r})"


class AugmentedDataset(Dataset):
    """A Dataset that augments item i at epoch e deterministically from (seed, e, i).

    `data` is a tensor of images, a tuple of tensors (images first, e.g.
    ``(x, y)``) or a Dataset whose items are an image or a tuple with the image
    first; only the image is transformed (by ``transform(image[None], seed=...)``).
    Call :meth:`set_epoch` before each epoch for a fresh draw; the same
    (seed, epoch) gives the same data whatever the shuffling or worker count.

    With a DataLoader::

        loader = DataLoader(dataset, batch_size=64, shuffle=True)
        for epoch in range(epochs):
            dataset.set_epoch(epoch)
            for x, y in loader: ...

    With :func:`cnnlab.fit`, train one epoch at a time with a ready optimizer::

        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        for epoch in range(epochs):
            dataset.set_epoch(epoch)
            fit(model, dataset, val, epochs=1, optimizer=optimizer, seed=epoch, progress=False)

    Examples
    --------
    >>> x, y = torch.rand(10, 1, 8, 8), torch.arange(10)
    >>> data = AugmentedDataset((x, y), random_flip_left_right, seed=0)
    >>> image, label = data[3]
    >>> image.shape, int(label), len(data)
    (torch.Size([1, 8, 8]), 3, 10)
    >>> torch.equal(data[3][0], image)
    True
    """

    def __init__(self, data, transform, seed=0):
        if torch.is_tensor(data):
            data = (data,)
            self._single = True
        else:
            self._single = False
        if isinstance(data, (tuple, list)):
            if not data or not all(torch.is_tensor(t) and len(t) == len(data[0]) for t in data):
                raise ValueError("`data` must be a tensor, tuple of tensors of equal length, or a Dataset")
            data = torch.utils.data.TensorDataset(*data)
        if not isinstance(data, Dataset):
            raise TypeError(f"`data` must be a tensor, a tuple of tensors or a Dataset, got {type(data).__name__}")
        if not callable(transform):
            raise TypeError(f"`transform` must be callable, got {type(transform).__name__}")
        self.data, self.transform, self.seed, self.epoch = data, transform, seed_int(seed), 0

    def set_epoch(self, epoch):
        """Use the draw of epoch `epoch` (an int >= 0) from now on."""
        self.epoch = check_int("epoch", epoch, minimum=0)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        item = self.data[index]
        image, rest = (item[0], tuple(item[1:])) if isinstance(item, (tuple, list)) else (item, None)
        image = self.transform(image[None], seed=derive_seed(self.seed, self.epoch, int(index)))[0]
        if rest is None or (self._single and not rest):
            return image
        return (image, *rest)
