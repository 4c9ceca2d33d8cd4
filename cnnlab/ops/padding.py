"""Padding: what a convolution sees beyond the border of its input.

One function, :func:`pad`, for every mode the book uses: zeros, torch's 'reflect' (mirror without
repeating the edge pixel), 'replicate' (repeat the edge), 'circular' (wrap around) and
'symmetric' (mirror with the edge repeated: scipy.ndimage's and NumPy's 'symmetric'). Every
mode but zeros is one gather of indices, so any pad size works and autograd follows.
"""

from __future__ import annotations

import torch

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
#: Every mode :func:`pad` accepts: the four of ``torch.nn.Conv2d`` and scipy's edge-repeating mirror.
PAD_MODES = PADDING_MODES + ("symmetric",)


def check_pad_fits(pads, size, mode):
    """Raise a ValueError when `mode` cannot pad an input of `size` by `pads` (as torch refuses).

    Examples
    --------
    >>> check_pad_fits(((3, 3),), (3,), "reflect")
    Traceback (most recent call last):
    ...
    ValueError: `padding` with padding_mode='reflect' must be < the input size 3, got 3
    """
    for n, (before, after) in zip(size, pads):
        if mode == "reflect" and max(before, after) >= n:
            raise ValueError(f"`padding` with padding_mode='reflect' must be < the input size {n}, "
                             f"got {max(before, after)}")
        if mode == "circular" and max(before, after) > n:
            raise ValueError(f"`padding` with padding_mode='circular' must be <= the input size {n}, "
                             f"got {max(before, after)}")


def _source_index(i, n, mode):
    """Which input position each padded position reads along a dimension of size `n`."""
    if mode == "reflect":
        return (n - 1) - ((n - 1) - i.abs()).abs()
    if mode == "replicate":
        return i.clamp(0, n - 1)
    if mode == "circular":
        return i % n
    period = i % (2 * n)  # symmetric: ... 1 0 | 0 1 2 ... n-1 | n-1 n-2 ...
    return torch.where(period < n, period, 2 * n - 1 - period)


def pad(x, pads, mode="zeros"):
    """Pad the spatial dimensions (2 onwards) of a tensor, like ``torch.nn.functional.pad``.

    Parameters
    ----------
    x : Tensor, shape (N, C, *spatial)
    pads : sequence of (int, int)
        ``(before, after)`` for each spatial dimension, in order (not torch's reversed flat list).
    mode : {'zeros', 'reflect', 'replicate', 'circular', 'symmetric'}
        What the new border holds: zeros, the mirror image without repeating the edge, copies of
        the edge, the other side of the input (as if it wrapped around), or the mirror image with
        the edge repeated (any size: the mirror repeats).

    Returns
    -------
    Tensor, shape (N, C, *padded)
        The input's dtype, device and memory format (channels-last stays channels-last).

    Examples
    --------
    >>> x = torch.tensor([[[1.0, 2.0, 3.0]]])
    >>> pad(x, [(2, 1)], "reflect")
    tensor([[[3., 2., 1., 2., 3., 2.]]])
    >>> pad(x, [(2, 1)], "symmetric")
    tensor([[[2., 1., 1., 2., 3., 3.]]])
    >>> pad(x, [(2, 1)], "circular")
    tensor([[[2., 3., 1., 2., 3., 1.]]])
    """
    if mode not in PAD_MODES:
        raise ValueError(f"`mode` must be one of {', '.join(map(repr, PAD_MODES))}, got {mode!r}")
    if len(pads) != x.ndim - 2:
        raise ValueError(f"`pads` must hold one (before, after) pair per spatial dimension of `x` "
                         f"({x.ndim - 2}), got {pads!r}")
    if all(before == after == 0 for before, after in pads):
        return x
    if mode == "zeros":
        spatial = [n + b + a for n, (b, a) in zip(x.shape[2:], pads)]
        # keep the input's memory format: a channels-last input gives a channels-last output
        channels_last = x.ndim == 4 and x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        out = torch.empty(*x.shape[:2], *spatial, dtype=x.dtype, device=x.device, memory_format=fmt).zero_()
        out[(..., *(slice(b, b + n) for n, (b, _) in zip(x.shape[2:], pads)))] = x
        return out
    for dim, (before, after) in enumerate(pads, start=2):
        i = torch.arange(-before, x.shape[dim] + after, device=x.device)  # positions to read
        x = x.index_select(dim, _source_index(i, x.shape[dim], mode))
    return x
