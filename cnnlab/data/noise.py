"""Noise to corrupt images with, and the classical filters that remove it.

:func:`add_gaussian_noise` draws on the CPU from its own seed, so the same seed gives the same
noise on every device; the baselines :func:`gaussian_blur_denoise` and :func:`median_denoise`
are what a learned denoiser must beat.
"""

from __future__ import annotations

import torch

from cnnlab._checks import check_bool, check_float, check_images, generator
from cnnlab.ops.filters import gaussian_blur, median_filter


def add_gaussian_noise(images, sigma, *, seed, clip=True):
    """Add Gaussian noise of standard deviation `sigma`, clipped to [0, 1] unless ``clip=False``.

    Parameters
    ----------
    images : Tensor, shape (N, C, H, W) or (C, H, W)
        Floats in [0, 1].
    sigma : float
        Standard deviation, >= 0.
    seed : int, numpy.random.Generator or torch.Generator
        The noise is drawn on the CPU from this seed, then moved to the images' device.
    clip : bool, default True
        Clip the noisy images to [0, 1], as a camera's sensor does.

    Examples
    --------
    >>> x = torch.full((2, 1, 4, 4), 0.5)
    >>> noisy = add_gaussian_noise(x, 0.3, seed=0)
    >>> torch.equal(noisy, add_gaussian_noise(x, 0.3, seed=0)), bool(noisy.min() >= 0 and noisy.max() <= 1)
    (True, True)
    """
    check_images("images", images)
    sigma, clip = check_float("sigma", sigma, low=0.0), check_bool("clip", clip)
    noise = torch.randn(images.shape, generator=generator(seed), dtype=images.dtype).to(images.device)
    noisy = images + sigma * noise
    return noisy.clamp(0, 1) if clip else noisy


def gaussian_blur_denoise(images, sigma):
    """Classical baseline: a Gaussian blur of `sigma` pixels (:func:`cnnlab.gaussian_blur`), in [0, 1].

    Examples
    --------
    >>> gaussian_blur_denoise(torch.rand(2, 1, 8, 8), 0.8).shape
    torch.Size([2, 1, 8, 8])
    """
    return gaussian_blur(images, sigma).clamp(0, 1)


def median_denoise(images, size=3):
    """Classical baseline: the median of each `size` × `size` window (:func:`cnnlab.median_filter`).

    Examples
    --------
    >>> x = torch.zeros(1, 1, 5, 5); x[0, 0, 2, 2] = 1.0  # salt noise
    >>> float(median_denoise(x).max())
    0.0
    """
    return median_filter(images, size)
