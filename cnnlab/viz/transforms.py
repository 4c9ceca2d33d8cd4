"""What transforms do to images: one draw of an augmentation, and a denoiser at a noise level.

Like :mod:`cnnlab.viz.images`, every function returns a :class:`matplotlib.figure.Figure` built
without pyplot.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from cnnlab._checks import as_image, check_choice, check_float
from cnnlab.viz.images import show_image_rows


#: Transforms :func:`plot_augmentation` can apply, each with what `strength` = 1 means.
AUGMENTATIONS = {
    "brightness": "random_brightness, max_delta = 0.5 · strength",
    "contrast": "random_contrast, factor in [1 − 0.9 · strength, 1 + strength]",
    "saturation": "random_saturation, factor in [1 − strength, 1 + 2 · strength]",
    "hue": "random_hue, max_delta = 0.5 · strength turns",
    "jpeg_quality": "random_jpeg_quality, quality in [100 − 99 · strength, 100]",
    "crop": "random_crop, side = (1 − 0.5 · strength) · image side",
    "flip_left_right": "random_flip_left_right, p = strength",
    "flip_up_down": "random_flip_up_down, p = strength",
    "rotation": "random_rotation, max_degrees = 180 · strength",
    "scale": "random_scale, factor in [1 − 0.5 · strength, 1 + 0.5 · strength]",
    "shear": "random_shear, max_degrees = 60 · strength",
    "elastic": "random_elastic, alpha = 4 · strength · shorter side (pixels), sigma = 10 % of it",
}


def plot_augmentation(image, transform: str = "rotation", strength: float = 0.5, seed: int = 0, *,
                      figsize: tuple[float, float] = (8.0, 3.4)) -> Figure:
    """An image beside one draw of a random augmentation of it, for an explorer with sliders.

    Parameters
    ----------
    image : array or tensor, shape (H, W, 3) or (H, W)
        Floats in [0, 1], channels last (as :func:`cnnlab.sample_image` returns).
    transform : str, default "rotation"
        A key of :data:`AUGMENTATIONS` (the ``random_*`` function of
        :mod:`cnnlab.data.augment` it calls, and how `strength` sets its range).
    strength : float, default 0.5
        In [0, 1]: 0 leaves the image unchanged (except for ``"crop"``'s
        resampling-free copy and JPEG's rounding to 8 bits), 1 is the widest range.
    seed : int, default 0
        The augmentation's seed: the same seed draws the same parameters.
    figsize : (float, float), default (8.0, 3.4)

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the original and the augmented image, titled with the parameters.

    Raises
    ------
    ValueError
        For an unknown `transform`, a `strength` outside [0, 1], or a bad image shape.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.random.default_rng(0).random((32, 48, 3))
    >>> fig = plot_augmentation(image, "rotation", strength=0.25, seed=7)
    >>> [ax.get_title().split(",")[0] for ax in fig.axes]
    ['original 32×48', 'rotation']
    """
    import torch

    from cnnlab.data.augment import colour, geometry

    check_choice("transform", transform, tuple(AUGMENTATIONS))
    strength = check_float("strength", strength, low=0.0, high=1.0)
    array = np.asarray(as_image("image", image), dtype=np.float32)
    x = torch.from_numpy(array.copy())
    x = x[None, None] if x.ndim == 2 else x[..., :3].permute(2, 0, 1)[None]  # (1, C, H, W)
    s, side = float(strength), min(x.shape[-2:])
    calls = {
        "brightness": lambda: colour.random_brightness(x, 0.5 * s, seed=seed),
        "contrast": lambda: colour.random_contrast(x, 1 - 0.9 * s, 1 + s, seed=seed),
        "saturation": lambda: colour.random_saturation(x, 1 - s, 1 + 2 * s, seed=seed),
        "hue": lambda: colour.random_hue(x, 0.5 * s, seed=seed),
        "jpeg_quality": lambda: colour.random_jpeg_quality(x, max(1, round(100 - 99 * s)), 100, seed=seed),
        "crop": lambda: geometry.random_crop(x, (max(1, round((1 - 0.5 * s) * x.shape[-2])),
                                                 max(1, round((1 - 0.5 * s) * x.shape[-1]))), seed=seed),
        "flip_left_right": lambda: geometry.random_flip_left_right(x, s, seed=seed),
        "flip_up_down": lambda: geometry.random_flip_up_down(x, s, seed=seed),
        "rotation": lambda: geometry.random_rotation(x, 180 * s, seed=seed),
        "scale": lambda: geometry.random_scale(x, 1 - 0.5 * s, 1 + 0.5 * s, seed=seed),
        "shear": lambda: geometry.random_shear(x, 60 * s, seed=seed),
        "elastic": lambda: geometry.random_elastic(x, 4 * s * side, max(0.1 * side, 0.5), seed=seed),
    }
    out = calls[transform]()
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, picture, title in (
        (axes[0], x, f"original {x.shape[-2]}×{x.shape[-1]}"),
        (axes[1], out, f"{transform}, strength {s:.2f}, seed {seed}"),
    ):
        shown = picture[0].permute(1, 2, 0).numpy()
        ax.imshow(shown[..., 0] if shown.shape[-1] == 1 else shown, cmap="gray", vmin=0, vmax=1,
                  interpolation="nearest")
        ax.set_title(title)
        ax.set_xlabel("x (column)")
    axes[0].set_ylabel("y (row)")
    fig.suptitle(AUGMENTATIONS[transform])
    return fig


def plot_denoising(model, clean, sigma: float, *, seed: int = 0, title: str | None = None) -> Figure:
    """Add Gaussian noise of `sigma` to `clean`, denoise with `model`, show clean / noisy / denoised rows.

    The row labels give each row's mean PSNR against `clean` (see
    :func:`cnnlab.psnr`), so a slider over `sigma` shows how a
    denoiser trained at one noise level copes with others.

    Parameters
    ----------
    model : torch.nn.Module
        Maps (N, 1, H, W) noisy images in [0, 1] to denoised ones; evaluated under ``torch.no_grad()``.
    clean : Tensor, shape (N, 1, H, W)
        Clean images in [0, 1], on the model's device.
    sigma : float
        Standard deviation of the noise (clipped to [0, 1], as :func:`cnnlab.add_gaussian_noise`).
    seed : int, default 0, keyword-only
        Seed of the noise.
    title : str, optional, keyword-only
        Figure title; by default it names `sigma`.

    Returns
    -------
    matplotlib.figure.Figure
        Three rows of N panels (see :func:`cnnlab.show_image_rows`).

    Examples
    --------
    >>> import torch
    >>> fig = plot_denoising(torch.nn.Identity(), torch.zeros(4, 1, 8, 8), 0.2)
    >>> len(fig.axes), fig.axes[4].get_ylabel().startswith("noisy")
    (12, True)
    """
    import torch

    from cnnlab.data.noise import add_gaussian_noise
    from cnnlab.train.metrics import psnr

    noisy = add_gaussian_noise(clean, sigma, seed=seed)
    was_training = getattr(model, "training", False)
    model.eval()
    with torch.no_grad():
        denoised = model(noisy)
    model.train(was_training)
    labels = ["clean", f"noisy\n{psnr(noisy, clean):.1f} dB", f"denoised\n{psnr(denoised, clean):.1f} dB"]
    return show_image_rows([clean, noisy, denoised], labels,
                           suptitle=title if title is not None else f"Gaussian noise σ = {sigma:.2f}")
