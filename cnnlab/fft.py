"""Convolution by the convolution theorem: multiply in the frequency domain.

Correlating with a kernel in space is multiplying by the complex conjugate of its spectrum:
``ifft(fft(x) * conj(fft(w)))``. The cost no longer grows with the kernel size, so for large
kernels the FFT wins; ``benchmarks/bench_conv.py`` measures where on your machine.
"""

from __future__ import annotations

import numpy as np
import torch

from cnnlab.functional import _parse, pad


def conv2d_fft(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
               padding_mode="zeros"):
    """2-D convolution (cross-correlation, as in PyTorch) with ``torch.fft.rfft2``.

    Same arguments, errors and return type as :func:`cnnlab.conv2d`. Dilation inserts zeros in
    the kernel; stride keeps every `stride`-th output of the stride-1 result.

    Parameters
    ----------
    input : Tensor or ndarray, shape (N, C, H, W)
    weight : Tensor or ndarray, shape (O, C / groups, kh, kw)
    bias : Tensor or ndarray, shape (O,), optional
    stride, padding, dilation, groups, padding_mode
        As in :func:`cnnlab.conv2d`.

    Returns
    -------
    Tensor or ndarray, shape (N, O, OH, OW)

    References
    ----------
    Mathieu, Henaff and LeCun, "Fast Training of Convolutional Networks through FFTs", ICLR 2014.

    Examples
    --------
    >>> x = torch.arange(16.0).view(1, 1, 4, 4)
    >>> conv2d_fft(x, torch.ones(1, 1, 3, 3)).round()
    tensor([[[[45., 54.],
              [81., 90.]]]])
    """
    x, w, b, (sh, sw), pads, (dh, dw), groups, mode, unbatched = _parse(
        input, weight, bias, stride, padding, dilation, groups, padding_mode, nd=2
    )
    x = pad(x, pads, mode)
    N, C, H, W = x.shape  # H, W: padded size
    O, Cg, kh, kw = w.shape
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    dilated = w.new_zeros(O, Cg, span_h, span_w)
    dilated[:, :, ::dh, ::dw] = w
    # Spectra of size (H, W): the circular correlation equals the plain one wherever the kernel
    # fits without wrapping around, which is exactly the 'valid' output we keep.
    X = torch.fft.rfft2(x, s=(H, W)).unflatten(1, (groups, Cg))  # (N, g, C/g, H, W//2+1)
    K = torch.fft.rfft2(dilated, s=(H, W)).unflatten(0, (groups, O // groups))  # (g, O/g, C/g, ...)
    Y = torch.einsum("ngchw,gochw->ngohw", X, K.conj()).flatten(1, 2)  # sum over channels
    out = torch.fft.irfft2(Y, s=(H, W))[:, :, : H - span_h + 1 : sh, : W - span_w + 1 : sw]
    if b is not None:
        out = out + b.view(1, -1, 1, 1)
    if unbatched:
        out = out.squeeze(0)
    return out.numpy() if isinstance(input, np.ndarray) else out
