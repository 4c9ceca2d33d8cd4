"""Data that ships with installed packages: nothing is downloaded.

Photos come from scikit-image's bundled images (``skimage.data``); handwritten
digits from scikit-learn (``sklearn.datasets.load_digits``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from cnnlab._checks import check_bool, check_choice, check_float, check_int, check_seed
from cnnlab.data.augment.colour import LUMA

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



def sample_image(name: str, *, gray: bool = False, short_side: int | None = None) -> np.ndarray:
    """A bundled scikit-image photo as floats in [0, 1].

    Parameters
    ----------
    name : str
        One of :data:`SAMPLE_IMAGES` (``"camera"``, ``"astronaut"``, ``"chelsea"``, ...).
    gray : bool, default False
        Convert colour images to luma (ITU-R 601-2 weights :data:`cnnlab.data.augment.colour.LUMA`,
        as Pillow's ``convert("L")`` and the colour augmentations).
    short_side : int, optional
        Resize so that the shorter side has `short_side` pixels (area averaging when
        shrinking), keeping the aspect ratio.

    Returns
    -------
    ndarray of float32, shape (H, W) or (H, W, 3)
        Grey images are 2-D; colour images are height × width × RGB.

    Raises
    ------
    ValueError
        If `name` is not a bundled image or `short_side` is not a positive int.
    ImportError
        If scikit-image is not installed (``pip install 'cnnlab[book]'``).

    Examples
    --------
    >>> img = sample_image("camera")
    >>> img.shape, img.dtype, float(img.min()) >= 0.0, float(img.max()) <= 1.0
    ((512, 512), dtype('float32'), True, True)
    >>> sample_image("chelsea", short_side=64).shape
    (64, 96, 3)
    >>> sample_image("chelsea", gray=True).shape
    (300, 451)
    """
    check_choice("name", name, SAMPLE_IMAGES)
    gray = check_bool("gray", gray)
    if short_side is not None:
        short_side = check_int("short_side", short_side, minimum=1)
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
        image = image @ np.array(LUMA)
    if short_side is not None:
        image = _resize_short_side(image, short_side)
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
    test_size = check_float("test_size", test_size, low=0.0, high=1.0)
    if test_size in (0.0, 1.0):
        raise ValueError(f"`test_size` must be a float in (0, 1), got {test_size!r}")
    seed = check_seed(seed) % 2**32
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
