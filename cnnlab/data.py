"""Data that ships with installed packages: nothing is downloaded.

Photos come from scikit-image's bundled images (``skimage.data``).
"""

from __future__ import annotations

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
