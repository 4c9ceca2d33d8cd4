"""Classical image filters on batches: the Gaussian blur and the median filter.

Both see beyond the border as ``scipy.ndimage`` does by default, mirrored with the edge pixel
repeated (:func:`cnnlab.pad` mode 'symmetric'). They are the baselines a learned denoiser must
beat, and the blur is the smoothing of elastic deformations.
"""

from __future__ import annotations

import torch.nn.functional as F

from cnnlab._checks import check_images, check_int
from cnnlab.ops.kernels import gaussian_kernel1d
from cnnlab.ops.padding import pad


def gaussian_blur(images, sigma):
    """Separable Gaussian blur of every channel, as ``scipy.ndimage.gaussian_filter`` (truncate 4).

    Parameters
    ----------
    images : Tensor, shape (N, C, H, W) or (C, H, W)
    sigma : float
        Standard deviation in pixels, >= 0 (0 leaves the images unchanged).

    Returns
    -------
    Tensor, the shape, dtype and device of `images`

    Examples
    --------
    >>> import torch
    >>> gaussian_blur(torch.ones(1, 1, 5, 5), 1.0).allclose(torch.ones(1, 1, 5, 5))
    True
    """
    batch, added = check_images("images", images)
    kernel = gaussian_kernel1d(sigma, dtype=batch.dtype, device=batch.device)
    r, c = len(kernel) // 2, batch.shape[1]
    out = pad(batch, [(r, r), (r, r)], "symmetric")
    out = F.conv2d(out, kernel.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)  # down the rows
    out = F.conv2d(out, kernel.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)  # along the columns
    return out[0] if added else out


def median_filter(images, size=3):
    """The median of each `size` × `size` window (odd), as ``scipy.ndimage.median_filter``.

    Examples
    --------
    >>> import torch
    >>> x = torch.zeros(1, 1, 5, 5); x[0, 0, 2, 2] = 1.0  # salt noise
    >>> float(median_filter(x).max())
    0.0
    """
    batch, added = check_images("images", images)
    size = check_int("size", size, minimum=1)
    if size % 2 == 0:
        raise ValueError(f"`size` must be an odd int, got {size}")
    n, c, h, w = batch.shape
    r = size // 2
    padded = pad(batch.reshape(n * c, 1, h, w), [(r, r), (r, r)], "symmetric")
    windows = F.unfold(padded, size)  # (N·C, size², H·W)
    out = windows.median(dim=1).values.reshape(n, c, h, w)
    return out[0] if added else out
