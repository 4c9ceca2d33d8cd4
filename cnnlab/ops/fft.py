"""Convolution by the convolution theorem: multiply in the frequency domain.

Correlating with a kernel in space is multiplying by the complex conjugate of its spectrum:
``ifft(fft(x) * conj(fft(w)))``. The cost no longer grows with the kernel size, so for large
kernels the FFT wins; ``benchmarks/bench_conv.py`` measures where on your machine.
"""

from __future__ import annotations

import torch

from cnnlab.ops.args import parse_conv
from cnnlab.ops.padding import pad


def conv2d_fft(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
               padding_mode="zeros"):
    """2-D convolution (cross-correlation, as in PyTorch) with ``torch.fft.rfft2``.

    Same arguments, errors and return type as :func:`cnnlab.conv2d`: inputs (N, C, H, W),
    weights (O, C / groups, kh, kw), output (N, O, OH, OW). Dilation inserts zeros in the kernel;
    stride keeps every `stride`-th output of the stride-1 result.

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
    a = parse_conv(input, weight, bias, stride, padding, dilation, groups, padding_mode)
    x = pad(a.x, a.pads, a.padding_mode)
    (N, C, H, W), (O, Cg, kh, kw) = x.shape, a.weight.shape  # H, W: padded size
    (dh, dw), (sh, sw), (OH, OW) = a.dilation, a.stride, a.out_size
    dilated = a.weight.new_zeros(O, Cg, dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    dilated[:, :, ::dh, ::dw] = a.weight
    # Spectra of size (H, W): the circular correlation equals the plain one wherever the kernel
    # fits without wrapping around, which is exactly the 'valid' output we keep.
    X = torch.fft.rfft2(x, s=(H, W)).unflatten(1, (a.groups, Cg))  # (N, g, C/g, H, W//2+1)
    K = torch.fft.rfft2(dilated, s=(H, W)).unflatten(0, (a.groups, O // a.groups))  # (g, O/g, C/g, ...)
    Y = torch.einsum("ngchw,gochw->ngohw", X, K.conj()).flatten(1, 2)  # sum over channels
    out = torch.fft.irfft2(Y, s=(H, W))[:, :, : (OH - 1) * sh + 1 : sh, : (OW - 1) * sw + 1 : sw]
    if a.bias is not None:
        out = out + a.bias.view(1, -1, 1, 1)
    return a.finish(out)
