"""Convolution by definition: the arguments every convolution shares, padding, and loops.

This module is the reference the faster versions are checked against: :func:`conv2d_loops`
computes each output value with the formula of the lecture, one window at a time,

    out[n, o, i, j] = bias[o] + sum over c, u, v of
                      weight[o, c, u, v] * padded[n, c, i*stride + u*dilation, j*stride + v*dilation]

and :func:`correlate2d` / :func:`convolve2d` show the one difference between the two names: the
convolution of signal processing flips the kernel, the "convolution" of deep learning does not.
"""

from __future__ import annotations

import numpy as np
import torch

from cnnlab._checks import check_choice, check_int, check_tuple

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _as_tensor(name, value):
    """Return `value` as a tensor (NumPy arrays are wrapped without copying when possible)."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, torch.Tensor):
        return value
    raise TypeError(f"`{name}` must be a torch.Tensor or a numpy.ndarray, got {type(value).__name__}")


def _parse(input, weight, bias, stride, padding, dilation, groups, padding_mode, nd):
    """Check the arguments of an `nd`-dimensional convolution; return them as tensors and tuples.

    Returns ``(x, weight, bias, stride, pads, dilation, groups, padding_mode, unbatched)`` where
    ``pads`` holds one ``(before, after)`` pair per spatial dimension.
    """
    x, weight = _as_tensor("input", input), _as_tensor("weight", weight)
    bias = None if bias is None else _as_tensor("bias", bias)
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(
            f"`input` must have {nd + 2} dimensions (N, C, *spatial) or {nd + 1} (C, *spatial), "
            f"got shape {tuple(x.shape)}"
        )
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x.unsqueeze(0)
    if not x.is_floating_point():
        raise TypeError(f"`input` must have a floating-point dtype, got {x.dtype}")
    if weight.ndim != nd + 2:
        raise ValueError(
            f"`weight` must have {nd + 2} dimensions (out_channels, in_channels/groups, *kernel), "
            f"got shape {tuple(weight.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"`{name}` dtype {t.dtype} does not match `input` dtype {x.dtype}")
        if t is not None and t.device != x.device:
            raise ValueError(f"`{name}` is on {t.device} but `input` is on {x.device}")
    channels, out_channels = x.shape[1], weight.shape[0]
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(f"`bias` must have shape ({out_channels},), got {tuple(bias.shape)}")
    groups = check_int("groups", groups, minimum=1)
    if channels % groups or out_channels % groups:
        raise ValueError(
            f"`groups` must divide in_channels={channels} and out_channels={out_channels}, "
            f"got groups={groups}"
        )
    if weight.shape[1] != channels // groups:
        raise ValueError(
            f"`weight` must have in_channels/groups = {channels // groups} channels in dim 1 "
            f"for `input` with {channels} channels, got shape {tuple(weight.shape)}"
        )
    stride = check_tuple("stride", stride, nd, minimum=1)
    dilation = check_tuple("dilation", dilation, nd, minimum=1)
    padding_mode = check_choice("padding_mode", padding_mode, PADDING_MODES)
    kernel = tuple(weight.shape[2:])
    if padding == "valid":
        pads = ((0, 0),) * nd
    elif padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(
                f"`padding='same'` needs stride 1, got stride={stride}; for stride > 1 compute "
                "the padding with cnnlab.shapes.same_padding and pass it as ints"
            )
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        pads = tuple((t // 2, t - t // 2) for t in total)  # the extra one goes after, as in torch
    elif isinstance(padding, str):
        raise ValueError(f"`padding` must be 'valid', 'same', an int or a tuple, got {padding!r}")
    else:
        pads = tuple((p, p) for p in check_tuple("padding", padding, nd, minimum=0))
    for size, (before, after) in zip(x.shape[2:], pads):
        if padding_mode == "reflect" and max(before, after) >= size:
            raise ValueError(
                f"`padding` with padding_mode='reflect' must be < the input size {size}, "
                f"got {max(before, after)}"
            )
        if padding_mode == "circular" and max(before, after) > size:
            raise ValueError(
                f"`padding` with padding_mode='circular' must be <= the input size {size}, "
                f"got {max(before, after)}"
            )
    padded = [size + b + a for size, (b, a) in zip(x.shape[2:], pads)]
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(s > p for s, p in zip(span, padded)):
        raise ValueError(
            f"kernel of size {kernel} (dilated: {tuple(span)}) is larger than the padded input "
            f"{tuple(padded)}; use a smaller kernel or dilation, or more padding"
        )
    return x, weight, bias, stride, pads, dilation, groups, padding_mode, unbatched


def pad(x, pads, mode="zeros"):
    """Pad the spatial dimensions (2 onwards) of a tensor, like ``torch.nn.functional.pad``.

    Parameters
    ----------
    x : Tensor, shape (N, C, *spatial)
    pads : sequence of (int, int)
        ``(before, after)`` for each spatial dimension, in order.
    mode : {'zeros', 'reflect', 'replicate', 'circular'}
        What the new border holds: zeros, the mirror image without repeating the edge, copies of
        the edge, or the other side of the input (as if it wrapped around).

    Returns
    -------
    Tensor, shape (N, C, *padded)

    Examples
    --------
    >>> x = torch.tensor([[[1.0, 2.0, 3.0]]])
    >>> pad(x, [(2, 1)], "reflect")
    tensor([[[3., 2., 1., 2., 3., 2.]]])
    >>> pad(x, [(2, 1)], "circular")
    tensor([[[2., 3., 1., 2., 3., 1.]]])
    """
    if all(before == after == 0 for before, after in pads):
        return x
    if mode == "zeros":
        spatial = [size + b + a for size, (b, a) in zip(x.shape[2:], pads)]
        # keep the input's memory format: a channels-last input gives a channels-last output
        channels_last = x.ndim == 4 and x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        out = torch.empty(*x.shape[:2], *spatial, dtype=x.dtype, device=x.device, memory_format=fmt).zero_()
        out[(..., *(slice(b, b + size) for size, (b, _) in zip(x.shape[2:], pads)))] = x
        return out
    for dim, (before, after) in enumerate(pads, start=2):
        size = x.shape[dim]
        i = torch.arange(-before, size + after, device=x.device)  # positions to read
        if mode == "reflect":
            i = (size - 1) - ((size - 1) - i.abs()).abs()
        elif mode == "replicate":
            i = i.clamp(0, size - 1)
        else:  # circular
            i = i % size
        x = x.index_select(dim, i)
    return x



def conv2d_loops(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
                 padding_mode="zeros"):
    """2-D convolution written as the textbook formula: one window, one dot product at a time.

    Slow (four Python loops) but short enough to check by hand; the reference the fast versions
    are tested against. Arguments and errors as :func:`cnnlab.conv2d`.

    Parameters
    ----------
    input : ndarray, shape (N, C, H, W)
    weight : ndarray, shape (O, C / groups, kh, kw)
    bias : ndarray, shape (O,), optional
    stride, padding, dilation, groups, padding_mode
        As in :func:`cnnlab.conv2d`.

    Returns
    -------
    ndarray, shape (N, O, OH, OW)

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv2d_loops(x, np.ones((1, 1, 3, 3)))
    array([[[[45., 54.],
             [81., 90.]]]])
    """
    x, w, b, (sh, sw), pads, (dh, dw), groups, mode, unbatched = _parse(
        input, weight, bias, stride, padding, dilation, groups, padding_mode, nd=2
    )
    x = pad(x, pads, mode).detach().cpu().numpy()
    w = w.detach().cpu().numpy()
    N, C, H, W = x.shape  # H, W: padded size
    O, Cg, kh, kw = w.shape
    OH, OW = (H - dh * (kh - 1) - 1) // sh + 1, (W - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((N, O, OH, OW), dtype=x.dtype)
    for n in range(N):
        for o in range(O):
            group = o // (O // groups)  # filter o only sees the channels of its group
            channels = slice(group * Cg, (group + 1) * Cg)
            for i in range(OH):
                for j in range(OW):
                    window = x[n, channels,
                               i * sh : i * sh + dh * (kh - 1) + 1 : dh,
                               j * sw : j * sw + dw * (kw - 1) + 1 : dw]
                    out[n, o, i, j] = np.sum(window * w[o])
    if b is not None:
        out += b.detach().cpu().numpy()[None, :, None, None]
    return out[0] if unbatched else out


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
    from cnnlab.conv import conv2d  # conv imports this module

    mode = check_choice("mode", mode, ("valid", "same", "full"))
    x, k = _as_tensor("image", image), _as_tensor("kernel", kernel)
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
