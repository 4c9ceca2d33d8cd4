"""Convolution by definition: one window, one dot product at a time.

This module is the reference the faster versions are checked against: :func:`conv2d_loops`
computes each output value with the formula of the lecture,

    out[n, o, i, j] = bias[o] + sum over c, u, v of
                      weight[o, c, u, v] * padded[n, c, i*stride + u*dilation, j*stride + v*dilation]

and :func:`correlate2d` / :func:`convolve2d` show the one difference between the two names: the
convolution of signal processing flips the kernel, the "convolution" of deep learning does not.
"""

from __future__ import annotations

import numpy as np
import torch

from cnnlab._checks import as_tensor, check_choice
from cnnlab.ops.args import parse_conv
from cnnlab.ops.conv import conv2d
from cnnlab.ops.padding import pad


def conv2d_loops(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
                 padding_mode="zeros"):
    """2-D convolution written as the textbook formula: four loops over images, filters and pixels.

    Slow but short enough to check by hand; the reference the fast versions are tested against.
    Arguments, errors and return type as :func:`cnnlab.conv2d`: a tensor in gives a tensor out
    (differentiable with autograd), a NumPy array an array.

    Parameters
    ----------
    input : Tensor or ndarray, shape (N, C, H, W) or (C, H, W)
    weight : Tensor or ndarray, shape (O, C / groups, kh, kw)
    bias : Tensor or ndarray, shape (O,), optional
    stride, padding, dilation, groups, padding_mode
        As in :func:`cnnlab.conv2d`.

    Returns
    -------
    Tensor or ndarray, shape (N, O, OH, OW)

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_loops(x, np.ones((1, 1, 3, 3)))
    array([[[[45., 54.],
             [81., 90.]]]])
    >>> w = torch.ones(1, 1, 3, 3, requires_grad=True)
    >>> conv2d_loops(torch.from_numpy(x), w.double()).sum().backward()
    >>> w.grad[0, 0]
    tensor([[10., 14., 18.],
            [26., 30., 34.],
            [42., 46., 50.]])
    """
    a = parse_conv(input, weight, bias, stride, padding, dilation, groups, padding_mode)
    x = pad(a.x, a.pads, a.padding_mode)
    (sh, sw), (dh, dw), (OH, OW) = a.stride, a.dilation, a.out_size
    N, (O, Cg, kh, kw) = x.shape[0], a.weight.shape
    values = []
    for n in range(N):
        for o in range(O):
            group = o // (O // a.groups)  # filter o only sees the channels of its group
            channels = slice(group * Cg, (group + 1) * Cg)
            for i in range(OH):
                for j in range(OW):
                    window = x[n, channels,
                               i * sh : i * sh + dh * (kh - 1) + 1 : dh,
                               j * sw : j * sw + dw * (kw - 1) + 1 : dw]
                    value = (window * a.weight[o]).sum()
                    values.append(value if a.bias is None else value + a.bias[o])
    return a.finish(torch.stack(values).view(N, O, OH, OW))


def correlate2d(image, kernel, mode="valid"):
    """Cross-correlate a single-channel image with a kernel: slide it, multiply, add up.

    This is what deep learning calls convolution (``torch.nn.functional.conv2d``). It matches
    ``scipy.signal.correlate2d``.

    Parameters
    ----------
    image : Tensor or ndarray, shape (H, W)
    kernel : Tensor or ndarray, shape (kh, kw)
        Same dtype (and device) as `image`.
    mode : {'valid', 'same', 'full'}
        'valid': only where the kernel fits, (H - kh + 1, W - kw + 1); 'same': (H, W), centred
        on 'full'; 'full': every overlap, (H + kh - 1, W + kw - 1). The border is zeros.

    Returns
    -------
    Tensor or ndarray, the type of `image`

    Examples
    --------
    >>> image = np.array([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]])
    >>> kernel = np.array([[1.0, 2], [3, 4]])
    >>> correlate2d(image, kernel)
    array([[4., 3.],
           [2., 1.]])
    """
    return _filter2d(image, kernel, mode, flip=False)


def convolve2d(image, kernel, mode="valid"):
    """Convolve a single-channel image with a kernel: correlation with the kernel flipped.

    The convolution of signal processing, ``scipy.signal.convolve2d``: the kernel is turned by
    180 degrees before sliding, which makes convolution commutative and associative.

    Parameters and Returns as :func:`correlate2d`.

    Examples
    --------
    >>> image = np.array([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]])
    >>> kernel = np.array([[1.0, 2], [3, 4]])
    >>> convolve2d(image, kernel)  # an impulse gives the kernel back
    array([[1., 2.],
           [3., 4.]])
    """
    return _filter2d(image, kernel, mode, flip=True)


def _filter2d(image, kernel, mode, flip):
    """Shared body of correlate2d and convolve2d: a full correlation, then crop to `mode`."""
    mode = check_choice("mode", mode, ("valid", "same", "full"))
    x, k = as_tensor("image", image), as_tensor("kernel", kernel)
    for name, t in (("image", x), ("kernel", k)):
        if t.ndim != 2:
            raise ValueError(f"`{name}` must have 2 dimensions (H, W), got shape {tuple(t.shape)}")
    (H, W), (kh, kw) = x.shape, k.shape
    if mode == "valid" and (kh > H or kw > W):
        raise ValueError(f"`kernel` of shape {(kh, kw)} is larger than `image` {(H, W)} in mode 'valid'")
    if flip:
        k = k.flip(0, 1)
    full = conv2d(x[None, None], k[None, None], padding=(kh - 1, kw - 1))[0, 0]
    if mode == "full":
        out = full
    elif mode == "valid":
        out = full[kh - 1 : H, kw - 1 : W]
    else:  # 'same': centred, the extra row/column goes like scipy's
        top, left = (kh // 2, kw // 2) if not flip else ((kh - 1) // 2, (kw - 1) // 2)
        out = full[top : top + H, left : left + W]
    return out.numpy() if isinstance(image, np.ndarray) else out
