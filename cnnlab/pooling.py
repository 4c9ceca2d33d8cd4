"""Pooling from scratch: summarise each window of a feature map by its maximum, mean or Lp norm.

Pooling uses the same sliding windows as convolution (``Tensor.unfold``, a view), but has no
weights: each window is reduced on its own, channel by channel. The functions take the arguments
of ``torch.nn.functional`` and give the same values and gradients, on any device; a NumPy array
gives a NumPy array back.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from torch import nn

from cnnlab._checks import check_bool, check_tuple
from cnnlab.functional import _as_tensor


def _check_input(input):
    """Return `input` as a float tensor of shape (N, C, H, W) and whether it had no batch dim."""
    x = _as_tensor("input", input)
    if x.ndim not in (3, 4):
        raise ValueError(f"`input` must have 4 dimensions (N, C, H, W) or 3 (C, H, W), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"`input` must have a floating-point dtype, got {x.dtype}")
    return (x.unsqueeze(0), True) if x.ndim == 3 else (x, False)


def _output_size(size, k, s, p, d, ceil_mode):
    """Windows along one dimension, with torch's rule: the last window must start inside the input
    or its left padding."""
    span = d * (k - 1) + 1
    out = (size + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _windows(x, kernel_size, stride, padding, dilation, ceil_mode, fill):
    """Check the arguments; return the windows (N, C, OH, OW, kh·kw) of `x` padded with `fill`."""
    kernel = check_tuple("kernel_size", kernel_size, 2, minimum=1)
    stride = kernel if stride is None or stride == [] else check_tuple("stride", stride, 2, minimum=1)
    padding = check_tuple("padding", padding, 2, minimum=0)
    dilation = check_tuple("dilation", dilation, 2, minimum=1)
    check_bool("ceil_mode", ceil_mode)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"`padding` must be at most half of `kernel_size` {kernel}, got {padding}")
    size = x.shape[2:]
    out = [_output_size(*args, ceil_mode) for args in zip(size, kernel, stride, padding, dilation)]
    if min(out) < 1:
        raise ValueError(
            f"`kernel_size` {kernel} with dilation {dilation} is larger than the padded input "
            f"{tuple(n + 2 * p for n, p in zip(size, padding))}"
        )
    # In ceil_mode the last window may hang over the right edge: pad a little more there.
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    after = [max(p, (o - 1) * s + sp - n - p) for n, o, s, sp, p in zip(size, out, stride, span, padding)]
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
    """Power-average (Lp) pooling: ``(sum of x**p over the window) ** (1/p)``; p = 2 is L2 pooling.

    As ``torch.nn.functional.lp_pool2d``: p = inf is max pooling of ``|x|``; otherwise an average
    of ``x**p`` (so odd p and negative inputs can give negative sums, which are clipped to 0,
    and a non-integer p of a negative input is nan), times the window size, to the power 1/p.

    Examples
    --------
    >>> lp_pool2d(torch.tensor([[[[3.0, 4.0]]]]), 2, (1, 2))
    tensor([[[[5.]]]])
    """
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real) or norm_type == 0:
        raise ValueError(f"`norm_type` must be a non-zero number (2 for L2 pooling), got {norm_type!r}")
    x, unbatched = _check_input(input)
    if norm_type == float("inf"):
        return max_pool2d(abs(input), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool2d(-abs(input), kernel_size, stride, 0, 1, ceil_mode)
    kh, kw = check_tuple("kernel_size", kernel_size, 2, minimum=1)
    mean = avg_pool2d(x.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    out = (torch.sign(mean) * torch.relu(mean.abs())).mul(kh * kw).pow(1.0 / norm_type)
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
