"""Named 3×3 image kernels (read-only float64 arrays) and the Gaussian, in 1-D and 2-D.

The constants are the filters the book convolves sample images with before
any learning happens: edge detectors, blurs, sharpening, embossing. They are
read-only, so ``SOBEL_X[1, 1] = 5`` raises instead of silently changing the
kernel for every later cell; take a ``.copy()`` to experiment. For a torch
tensor use ``torch.tensor(SOBEL_X)`` (a copy): ``torch.from_numpy`` and
``torch.as_tensor`` warn on read-only arrays.
"""

from __future__ import annotations

import numpy as np
import torch

from cnnlab._checks import check_float, check_int

#: Gaussians are cut at this many standard deviations (scipy.ndimage's default).
TRUNCATE = 4.0


def _frozen(rows) -> np.ndarray:
    arr = np.array(rows, dtype=np.float64)
    arr.flags.writeable = False
    return arr


#: Leaves the image unchanged.
IDENTITY = _frozen([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
#: Laplacian with 4-neighbours: responds to edges in every direction, sums to 0.
EDGE_4 = _frozen([[0, -1, 0], [-1, 4, -1], [0, -1, 0]])
#: Laplacian with 8-neighbours (diagonals too), sums to 0.
EDGE_8 = _frozen([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])
#: Sobel horizontal gradient: responds to vertical edges (brightness rising to the right).
SOBEL_X = _frozen([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
#: Sobel vertical gradient (the transpose of SOBEL_X): responds to horizontal edges.
SOBEL_Y = _frozen(np.transpose([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]))
#: Prewitt horizontal gradient: like SOBEL_X without the extra weight on the centre row.
PREWITT_X = _frozen([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]])
#: Box blur: the mean of the 3×3 neighbourhood (sums to 1).
BOX_BLUR = _frozen(np.ones((3, 3)) / 9)
#: Sharpen: the image plus its 4-neighbour Laplacian (sums to 1).
SHARPEN = _frozen([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
#: Emboss: a diagonal gradient plus the image, giving a relief effect (sums to 1).
EMBOSS = _frozen([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])

#: Every named kernel by lower-case name, for galleries: ``{"identity": IDENTITY, ...}``.
KERNELS = {
    "identity": IDENTITY,
    "edge_4": EDGE_4,
    "edge_8": EDGE_8,
    "sobel_x": SOBEL_X,
    "sobel_y": SOBEL_Y,
    "prewitt_x": PREWITT_X,
    "box_blur": BOX_BLUR,
    "sharpen": SHARPEN,
    "emboss": EMBOSS,
}


def gaussian_radius(sigma: float) -> int:
    """Half-width of the Gaussian of :func:`gaussian_kernel1d`: ``int(4 * sigma + 0.5)``, as scipy.

    Examples
    --------
    >>> gaussian_radius(1.0), gaussian_radius(0.3)
    (4, 1)
    """
    return int(TRUNCATE * check_float("sigma", sigma, low=0.0) + 0.5)


def gaussian_kernel1d(sigma, *, dtype=None, device=None) -> torch.Tensor:
    """A normalised 1-D Gaussian of standard deviation `sigma` pixels, ``2 r + 1`` taps.

    The radius ``r`` is :func:`gaussian_radius` (cut at 4 sigma, as ``scipy.ndimage``); sigma 0
    gives the one tap ``[1.0]``. Separable: the 2-D Gaussian is the outer product of two.

    Examples
    --------
    >>> gaussian_kernel1d(1.0).shape
    torch.Size([9])
    >>> gaussian_kernel1d(0.0)
    tensor([1.])
    """
    radius = gaussian_radius(sigma)
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2) if radius else torch.ones(1, dtype=torch.float64)
    return (kernel / kernel.sum()).to(dtype=dtype or torch.get_default_dtype(), device=device)


def gaussian(size: int | None, sigma: float) -> np.ndarray:
    """A normalised ``size × size`` Gaussian blur kernel (size None: the 4-sigma cut of scipy).

    Entry ``(i, j)`` is proportional to ``exp(-(x_i² + y_j²) / (2 sigma²))`` with ``x, y``
    measured from the centre pixel; the kernel sums to 1 so that blurring keeps the mean
    brightness. It is the outer product of two 1-D Gaussians (:func:`gaussian_kernel1d` when
    `size` is None).

    Parameters
    ----------
    size : int or None
        Odd side length, >= 1; None gives ``2 * gaussian_radius(sigma) + 1``.
    sigma : float
        Standard deviation in pixels, > 0.

    Returns
    -------
    ndarray of float64, shape (size, size)
        A new, writeable, symmetric array that sums to 1.

    Raises
    ------
    TypeError
        If `size` is not an int or `sigma` is not a real number.
    ValueError
        If `size` is not odd and >= 1, or `sigma` is not finite and > 0.

    Examples
    --------
    >>> k = gaussian(5, sigma=1.0)
    >>> k.shape
    (5, 5)
    >>> round(float(k.sum()), 12)
    1.0
    >>> bool(k[2, 2] == k.max())
    True
    >>> gaussian(None, 1.0).shape
    (9, 9)
    >>> gaussian(4, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: `size` must be an odd int >= 1, got 4
    """
    sigma = check_float("sigma", sigma, positive=True)
    size = 2 * gaussian_radius(sigma) + 1 if size is None else check_int("size", size, minimum=1)
    if size % 2 == 0:
        raise ValueError(f"`size` must be an odd int >= 1, got {size}")
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-(x**2) / (2.0 * sigma**2))
    kernel = np.outer(g, g)
    return kernel / kernel.sum()
