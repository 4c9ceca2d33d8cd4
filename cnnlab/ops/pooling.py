"""Pooling from scratch: summarise each window of a feature map by its maximum, mean or Lp norm.

Pooling uses the same sliding windows as convolution (``Tensor.unfold``, a view), but has no
weights: each window is reduced on its own, channel by channel. The functions take the arguments
of ``torch.nn.functional`` and give the same values and gradients, on any device; a NumPy array
gives a NumPy array back. Output sizes come from :func:`cnnlab.pool_output_size`.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from torch import nn

from cnnlab._checks import as_tensor, check_bool, check_tuple
from cnnlab.ops.shapes import effective_kernel_size, pool_output_size


def _check_input(input):
    """Return `input` as a float tensor of shape (N, C, H, W) and whether it had no batch dim."""
    x = as_tensor("input", input)
    if x.ndim not in (3, 4):
        raise ValueError(f"`input` must have 4 dimensions (N, C, H, W) or 3 (C, H, W), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"`input` must have a floating-point dtype, got {x.dtype}")
    return (x.unsqueeze(0), True) if x.ndim == 3 else (x, False)


def _windows(x, kernel_size, stride, padding, dilation, ceil_mode, fill):
    """Check the arguments; return the windows (N, C, OH, OW, kh·kw) of `x` padded with `fill`."""
    kernel = check_tuple("kernel_size", kernel_size, 2, minimum=1)
    stride = kernel if stride is None or stride == [] else check_tuple("stride", stride, 2, minimum=1)
    padding = check_tuple("padding", padding, 2, minimum=0)
    dilation = check_tuple("dilation", dilation, 2, minimum=1)
    size = tuple(x.shape[2:])
    out = pool_output_size(size, kernel, stride, padding, dilation, check_bool("ceil_mode", ceil_mode))
    # In ceil_mode the last window may hang over the right edge: pad a little more there.
    span = effective_kernel_size(kernel, dilation)
    after = [max(p, (o - 1) * s + e - n - p) for n, o, s, e, p in zip(size, out, stride, span, padding)]
    padded = x.new_full((*x.shape[:2], size[0] + padding[0] + after[0], size[1] + padding[1] + after[1]), fill)
    padded[:, :, padding[0] : padding[0] + size[0], padding[1] : padding[1] + size[1]] = x
    windows = padded.unfold(2, span[0], stride[0]).unfold(3, span[1], stride[1])
    windows = windows[:, :, : out[0], : out[1], :: dilation[0], :: dilation[1]]  # (N, C, OH, OW, kh, kw)
    return windows.flatten(-2), kernel, stride, padding


def _same_type(out, input, unbatched):
    out = out.squeeze(0) if unbatched else out
    return out.numpy() if isinstance(input, np.ndarray) else out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Max pooling: the largest value of each window (padding never wins: it is -inf).

    Parameters
    ----------
    input : Tensor or ndarray, shape (N, C, H, W) or (C, H, W)
    kernel_size, stride, padding, dilation : int or pair of ints
        `stride` defaults to `kernel_size`; `padding` at most half of `kernel_size`.
    ceil_mode : bool
        Round the output size up, so windows may hang over the bottom and right edges.

    Returns
    -------
    Tensor or ndarray, shape (N, C, OH, OW), the type of `input`.

    Raises
    ------
    ValueError
        A size < 1, `padding` over half the kernel, a kernel larger than the padded input, or
        `input` without 3 or 4 dimensions.

    Examples
    --------
    >>> x = torch.arange(16.0).view(1, 1, 4, 4)
    >>> max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    x, unbatched = _check_input(input)
    windows, *_ = _windows(x, kernel_size, stride, padding, dilation, ceil_mode, float("-inf"))
    # max(dim) sends the gradient to one element per window, as torch does
    return _same_type(windows.max(dim=-1).values, input, unbatched)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Average pooling: the mean of each window.

    Parameters as :func:`max_pool2d` (no dilation), and

    count_include_pad : bool
        Divide by the window size including the zero padding (True), or only by the number of
        input values it covers (False). Parts of a ceil_mode window beyond the padding never count.

    Examples
    --------
    >>> x = torch.arange(16.0).view(1, 1, 4, 4)
    >>> avg_pool2d(x, 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    x, unbatched = _check_input(input)
    check_bool("count_include_pad", count_include_pad)
    windows, kernel, stride, padding = _windows(x, kernel_size, stride, padding, 1, ceil_mode, 0.0)
    divisor = [
        _window_counts(n, o, k, s, p, count_include_pad, x)
        for n, o, k, s, p in zip(x.shape[2:], windows.shape[2:4], kernel, stride, padding)
    ]
    out = windows.sum(dim=-1) / (divisor[0][:, None] * divisor[1][None, :])
    return _same_type(out, input, unbatched)


def _window_counts(size, out, k, s, p, count_include_pad, like):
    """How many values each window along one dimension averages over (torch's rule)."""
    start = torch.arange(out, device=like.device) * s - p
    if count_include_pad:  # the window, cut at the end of the right padding
        counts = (start + k).clamp(max=size + p) - start
    else:  # only the input values
        counts = torch.clamp(start + k, max=size) - torch.clamp(start, min=0)
    return counts.to(like.dtype)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-sum (Lp) pooling: ``(sum of x**p over the window) ** (1/p)``; p = 2 is L2 pooling.

    As ``torch.nn.functional.lp_pool2d``: the sum, not the mean, so for p = 2 the output is
    ``sqrt(k) · RMS`` of a window of ``k`` values, which can exceed its maximum (only the RMS lies
    between the average and the maximum of ``|x|``). p = inf is max pooling of ``|x|``. Nothing is
    clipped: with odd p a negative input can make the sum negative, and its root is then negative
    for p = 1 and nan for a fractional power, as in torch.

    Examples
    --------
    >>> lp_pool2d(torch.tensor([[[[3.0, 4.0]]]]), 2, (1, 2))
    tensor([[[[5.]]]])
    >>> lp_pool2d(torch.tensor([[[[-3.0, 1.0]]]]), 1, (1, 2))  # a negative sum is kept
    tensor([[[[-2.]]]])
    """
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"`norm_type` must be a non-zero number (2 for L2 pooling), got {norm_type!r}")
    if norm_type == 0:
        raise ValueError(f"`norm_type` must be a non-zero number (2 for L2 pooling), got {norm_type!r}")
    x, unbatched = _check_input(input)
    if norm_type == float("inf"):
        return max_pool2d(abs(input), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool2d(-abs(input), kernel_size, stride, 0, 1, ceil_mode)
    kh, kw = check_tuple("kernel_size", kernel_size, 2, minimum=1)
    mean = avg_pool2d(x.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    out = mean.mul(kh * kw).pow(1.0 / norm_type)
    return _same_type(out, input, unbatched)


def global_avg_pool2d(input):
    """The mean of each channel: (N, C, H, W) -> (N, C, 1, 1), like ``adaptive_avg_pool2d(x, 1)``.

    Examples
    --------
    >>> global_avg_pool2d(torch.arange(8.0).view(1, 2, 2, 2)).flatten()
    tensor([1.5000, 5.5000])
    """
    x, unbatched = _check_input(input)
    return _same_type(x.mean(dim=(2, 3), keepdim=True), input, unbatched)


def global_max_pool2d(input):
    """The maximum of each channel: (N, C, H, W) -> (N, C, 1, 1), like ``adaptive_max_pool2d(x, 1)``.

    Examples
    --------
    >>> global_max_pool2d(torch.arange(8.0).view(1, 2, 2, 2)).flatten()
    tensor([3., 7.])
    """
    x, unbatched = _check_input(input)
    out = x.flatten(2).max(dim=-1, keepdim=True).values.unsqueeze(-1)
    return _same_type(out, input, unbatched)


class MaxPool2d(nn.Module):
    """Module form of :func:`max_pool2d`, with the constructor of ``nn.MaxPool2d``.

    Examples
    --------
    >>> MaxPool2d(2)(torch.zeros(1, 3, 8, 8)).shape
    torch.Size([1, 3, 4, 4])
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x):
        """Pool `x`, shape (N, C, H, W)."""
        return max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)


class AvgPool2d(nn.Module):
    """Module form of :func:`avg_pool2d`, with the constructor of ``nn.AvgPool2d``.

    Examples
    --------
    >>> AvgPool2d(2)(torch.zeros(1, 3, 8, 8)).shape
    torch.Size([1, 3, 4, 4])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        """Pool `x`, shape (N, C, H, W)."""
        return avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)
