"""Colour augmentations: brightness, contrast, saturation, hue and JPEG quality.

Each ``random_<what>`` draws per-image parameters (:mod:`cnnlab.data.augment.draws`) and calls a
deterministic ``adjust_<what>`` that takes them. Colour follows Pillow's ``ImageEnhance``, with
grey as ITU-R 601-2 luma (:data:`LUMA`, also the grey of :func:`cnnlab.sample_image`), and HSV.
Images are float tensors (N, C, H, W) or (C, H, W) with values in [0, 1].
"""

from __future__ import annotations

import io

import numpy as np
import torch

from cnnlab._checks import check_float, check_images, check_int, check_range, generator
from cnnlab.data.augment.draws import per_image, unbatch, uniform

#: Weights of R, G and B in grey (luma): ITU-R 601-2, as Pillow's ``convert("L")``.
LUMA = (0.299, 0.587, 0.114)


def adjust_brightness(images, delta):
    """Add `delta` (a float or one per image, shape (N,)) and clamp to [0, 1].

    Examples
    --------
    >>> adjust_brightness(torch.tensor([[[0.2, 0.95]]]), 0.1)
    tensor([[[0.3000, 1.0000]]])
    """
    batch, added = check_images("images", images)
    return unbatch((batch + per_image(delta, batch)).clamp(0, 1), added)


def random_brightness(images, max_delta, *, seed):
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
    batch, added = check_images("images", images)
    max_delta = check_float("max_delta", max_delta, low=0.0)
    return unbatch(adjust_brightness(batch, uniform(seed, len(batch), -max_delta, max_delta, batch)), added)


def grey(images):
    """Luma of (N, 3, H, W) RGB images (ITU-R 601-2, as Pillow's ``convert("L")``); 1 channel passes.

    Examples
    --------
    >>> grey(torch.tensor([[[[1.0]], [[1.0]], [[1.0]]]])).flatten()
    tensor([1.])
    """
    batch, added = check_images("images", images, channels=(1, 3))
    if batch.shape[1] == 1:
        return unbatch(batch, added)
    weights = torch.tensor(LUMA, dtype=batch.dtype, device=batch.device).reshape(1, 3, 1, 1)
    return unbatch((batch * weights).sum(1, keepdim=True), added)


def _blend(degenerate, batch, factor):
    return (degenerate + per_image(factor, batch) * (batch - degenerate)).clamp(0, 1)


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
    batch, added = check_images("images", images, channels=(1, 3))
    mean = grey(batch).mean(dim=(1, 2, 3), keepdim=True)
    return unbatch(_blend(mean, batch, factor), added)


def random_contrast(images, lower, upper, *, seed):
    """:func:`adjust_contrast` by a per-image factor drawn from U[lower, upper), 0 <= lower <= upper.

    Examples
    --------
    >>> x = torch.rand(3, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    >>> random_contrast(x, 0.5, 1.5, seed=0).shape
    torch.Size([3, 3, 4, 4])
    """
    batch, added = check_images("images", images, channels=(1, 3))
    lower, upper = check_range("lower", lower, "upper", upper, low=0.0)
    return unbatch(adjust_contrast(batch, uniform(seed, len(batch), lower, upper, batch)), added)


def adjust_saturation(images, factor):
    """Blend RGB images with their grey image, as Pillow's ``ImageEnhance.Color``: 0 grey, 1 unchanged.

    Examples
    --------
    >>> adjust_saturation(torch.tensor([[[1.0]], [[0.0]], [[0.0]]]), 0.0).flatten()
    tensor([0.2990, 0.2990, 0.2990])
    """
    batch, added = check_images("images", images, channels=(3,))
    return unbatch(_blend(grey(batch), batch, factor), added)


def random_saturation(images, lower, upper, *, seed):
    """:func:`adjust_saturation` by a per-image factor drawn from U[lower, upper), 0 <= lower <= upper.

    Examples
    --------
    >>> x = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(random_saturation(x, 0.0, 2.0, seed=5), random_saturation(x, 0.0, 2.0, seed=5))
    True
    """
    batch, added = check_images("images", images, channels=(3,))
    lower, upper = check_range("lower", lower, "upper", upper, low=0.0)
    return unbatch(adjust_saturation(batch, uniform(seed, len(batch), lower, upper, batch)), added)


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
    batch, added = check_images("images", images, channels=(3,))
    hsv = rgb_to_hsv(batch)
    hue = (hsv[:, :1] + per_image(delta, batch)) % 1
    return unbatch(hsv_to_rgb(torch.cat([hue, hsv[:, 1:]], 1)).clamp(0, 1), added)


def random_hue(images, max_delta, *, seed):
    """:func:`adjust_hue` by a per-image delta drawn from U[-max_delta, max_delta), 0 <= max_delta <= 0.5.

    Examples
    --------
    >>> x = torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    >>> random_hue(x, 0.1, seed=0).shape
    torch.Size([2, 3, 4, 4])
    """
    batch, added = check_images("images", images, channels=(3,))
    max_delta = check_float("max_delta", max_delta, low=0.0, high=0.5)
    return unbatch(adjust_hue(batch, uniform(seed, len(batch), -max_delta, max_delta, batch)), added)


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

    batch, added = check_images("images", images, channels=(1, 3))
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
    return unbatch(result, added)


def random_jpeg_quality(images, min_quality, max_quality, *, seed):
    """:func:`adjust_jpeg_quality` at a per-image quality drawn uniformly from the ints in [min_quality, max_quality].

    Examples
    --------
    >>> x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> random_jpeg_quality(x, 50, 95, seed=0).shape
    torch.Size([2, 1, 8, 8])
    """
    batch, added = check_images("images", images, channels=(1, 3))
    low, high = check_int("min_quality", min_quality, minimum=1), check_int("max_quality", max_quality, minimum=1)
    if high > 100:
        raise ValueError(f"`max_quality` must be an int in [1, 100], got {high}")
    if low > high:
        raise ValueError(f"`min_quality` must be <= `max_quality`, got {low} > {high}")
    gen = generator(seed)
    return unbatch(adjust_jpeg_quality(batch, torch.randint(low, high + 1, (len(batch),), generator=gen)), added)
