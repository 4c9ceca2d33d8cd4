"""Named 3×3 image kernels (read-only float64 arrays) and a Gaussian kernel maker.

The constants are the filters the book convolves sample images with before
any learning happens: edge detectors, blurs, sharpening, embossing. They are
read-only, so ``SOBEL_X[1, 1] = 5`` raises instead of silently changing the
kernel for every later cell; take a ``.copy()`` to experiment. For a torch
tensor use ``torch.tensor(SOBEL_X)`` (a copy): ``torch.from_numpy`` and
``torch.as_tensor`` warn on read-only arrays.
"""

from __future__ import annotations

import numbers

import numpy as np

from cnnlab._checks import check_int


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


def gaussian(size: int, sigma: float) -> np.ndarray:
    """A normalised ``size × size`` Gaussian blur kernel.

    Entry ``(i, j)`` is proportional to ``exp(-(x_i² + y_j²) / (2 sigma²))``
    with ``x, y`` measured from the centre pixel; the kernel sums to 1 so that
    blurring keeps the mean brightness.

    Parameters
    ----------
    size : int
        Odd side length, >= 1 (a rule of thumb: ``size ≈ 6 * sigma``, made odd).
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
    >>> gaussian(4, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: `size` must be an odd int >= 1, got 4
    """
    size = check_int("size", size, minimum=1)
    if size % 2 == 0:
        raise ValueError(f"`size` must be an odd int >= 1, got {size}")
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
        raise TypeError(f"`sigma` must be a positive number, got {sigma!r}")
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"`sigma` must be a finite number > 0, got {sigma!r}")
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-(x**2) / (2.0 * float(sigma) ** 2))
    kernel = np.outer(g, g)
    return kernel / kernel.sum()
