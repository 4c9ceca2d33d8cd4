"""Output sizes and padding of convolution and pooling layers: the one home of their geometry.

Plain Python ints in, plain Python ints out: an int `size` gives an int, a tuple `size` gives a
tuple with one entry per spatial dimension. Every other module that needs an output size, a
'same' padding or the ceil-mode rule calls these functions; the tests check each formula against
the shapes PyTorch actually produces.
"""

from __future__ import annotations

from cnnlab._checks import check_bool, check_int, check_sizes, check_tuple

PADDING_NAMES = ("valid", "same", "full")


def _out(values, scalar):
    return values[0] if scalar else tuple(values)


def effective_kernel_size(kernel_size, dilation=1):
    """Size of a dilated kernel, the span of input it covers: ``k + (k - 1) * (d - 1)``.

    Parameters
    ----------
    kernel_size : int or tuple of ints
        Kernel size, >= 1, per dimension.
    dilation : int or tuple of ints, default 1
        Spacing between kernel taps, >= 1.

    Returns
    -------
    int or tuple of ints
        An int for an int `kernel_size`, else a tuple.

    Examples
    --------
    >>> effective_kernel_size(3, dilation=2)
    5
    >>> effective_kernel_size((3, 5), dilation=(1, 3))
    (3, 13)
    """
    ks, scalar = check_sizes("kernel_size", kernel_size)
    d = check_tuple("dilation", dilation, len(ks), minimum=1)
    return _out([k + (k - 1) * (dd - 1) for k, dd in zip(ks, d)], scalar)


def _pairs(padding, n):
    """An int / tuple / ((before, after), ...) `padding` as n (before, after) pairs."""
    if not isinstance(padding, (tuple, list)):
        return ((check_int("padding", padding, minimum=0),) * 2,) * n
    if n == 1 and len(padding) == 2 and not isinstance(padding[0], (tuple, list)):
        padding = (padding,)  # a bare (before, after) pair for a 1-D size
    if len(padding) != n:
        raise ValueError(f"`padding` must be an int or a tuple of {n} ints or (before, after) pairs, "
                         f"got {padding!r}")
    pairs = []
    for p in padding:
        if isinstance(p, (tuple, list)):
            if len(p) != 2:
                raise ValueError(f"`padding` pairs must be (before, after), got {p!r}")
            pairs.append(tuple(check_int("padding", v, minimum=0) for v in p))
        else:
            pairs.append((check_int("padding", p, minimum=0),) * 2)
    return tuple(pairs)


def same_padding(size, kernel_size, stride=1, dilation=1):
    """Padding (before, after) that gives output size ``ceil(size / stride)``, as Keras 'same'.

    ``total = max((ceil(n / s) - 1) * s + d * (k - 1) + 1 - n, 0)``, with ``before = total // 2``
    and the odd pixel, if any, after (as TensorFlow and ``F.conv2d(..., padding='same')`` do).

    Parameters
    ----------
    size : int or tuple of ints
        Input size, >= 1, per spatial dimension.
    kernel_size, stride, dilation : int or tuple of ints
        Per dimension, all >= 1.

    Returns
    -------
    tuple of two ints, or tuple of such pairs
        One ``(before, after)`` pair for an int `size`, else one pair per dimension.

    Examples
    --------
    >>> same_padding(32, 3)
    (1, 1)
    >>> same_padding(32, 4)  # even kernel: the extra pixel goes after
    (1, 2)
    >>> same_padding((5, 6), 3, stride=2)
    ((1, 1), (0, 1))
    """
    sizes, scalar = check_sizes("size", size)
    s = check_tuple("stride", stride, len(sizes), minimum=1)
    e = effective_kernel_size(check_tuple("kernel_size", kernel_size, len(sizes), minimum=1),
                              check_tuple("dilation", dilation, len(sizes), minimum=1))
    totals = [max((-(-n // ss) - 1) * ss + ee - n, 0) for n, ss, ee in zip(sizes, s, e)]
    return _out([(t // 2, t - t // 2) for t in totals], scalar)


def resolve_padding(padding, size, kernel_size, stride=1, dilation=1):
    """Any form of `padding` as one ``(before, after)`` pair per spatial dimension.

    Parameters
    ----------
    padding : int, tuple of ints or of (before, after) pairs, or {'valid', 'same', 'full'}
        'valid' is 0, 'full' is ``d(k - 1)`` on each side, 'same' is :func:`same_padding`.
    size, kernel_size, stride, dilation
        As in :func:`conv_output_size`; `size` fixes the number of dimensions.

    Returns
    -------
    tuple of (int, int)
        One pair per dimension, even for an int `size`.

    Examples
    --------
    >>> resolve_padding(1, (5, 5), 3)
    ((1, 1), (1, 1))
    >>> resolve_padding("same", 6, 4)
    ((1, 2),)
    >>> resolve_padding("full", (4, 4), 3, dilation=2)
    ((4, 4), (4, 4))
    """
    sizes, _ = check_sizes("size", size)
    n = len(sizes)
    if not isinstance(padding, str):
        return _pairs(padding, n)
    if padding not in PADDING_NAMES:
        raise ValueError(f"`padding` must be an int, a tuple or one of {PADDING_NAMES}, got {padding!r}")
    if padding == "same":
        return same_padding(sizes, kernel_size, stride, dilation)
    e = effective_kernel_size(check_tuple("kernel_size", kernel_size, n, minimum=1),
                              check_tuple("dilation", dilation, n, minimum=1))
    return tuple((ee - 1, ee - 1) if padding == "full" else (0, 0) for ee in e)


def _windows(n, k, d, s, before, after, where, ceil_mode):
    """Number of windows (kernel `k`, dilation `d`, stride `s`) over an input of size `n` padded."""
    e = k + (k - 1) * (d - 1)
    span = n + before + after - e
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + before:
        out -= 1  # torch: the last window must start inside the input or the left padding
    if out < 1:
        raise ValueError(
            f"`kernel_size`={k} with `dilation`={d} (effective size {e}) is larger than the "
            f"padded input{where}: `size`={n} + `padding`={before + after}; output size would be {out}"
        )
    return out


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Output size of a convolution: ``floor((n + 2p - d(k - 1) - 1) / s) + 1``.

    Parameters
    ----------
    size : int or tuple of ints
        Input size, >= 1, per spatial dimension (for an image: ``(H, W)``).
    kernel_size, stride, dilation : int or tuple of ints
        Per dimension, all >= 1; an int applies to every dimension.
    padding : int, tuple or {'valid', 'same', 'full'}, default 0
        Zeros added on each side; per dimension an int or a ``(before, after)`` pair (for an int
        `size`, a bare pair). See :func:`resolve_padding`.

    Returns
    -------
    int or tuple of ints
        An int for an int `size`, else a tuple.

    Raises
    ------
    TypeError, ValueError
        If an argument is not an int >= 1 (>= 0 for padding), a tuple has the wrong length,
        `padding` is an unknown string, or the (dilated) kernel is larger than the padded input.

    Examples
    --------
    >>> conv_output_size(32, 3)
    30
    >>> conv_output_size((32, 24), 3, stride=2, padding=1)
    (16, 12)
    >>> conv_output_size(7, 3, stride=2, padding="same")
    4
    >>> conv_output_size(7, 3, padding="full")
    9
    >>> conv_output_size(7, 3, padding=(0, 2))
    7
    """
    sizes, scalar = check_sizes("size", size)
    n = len(sizes)
    k = check_tuple("kernel_size", kernel_size, n, minimum=1)
    s = check_tuple("stride", stride, n, minimum=1)
    d = check_tuple("dilation", dilation, n, minimum=1)
    pads = resolve_padding(padding, sizes, k, s, d)
    where = [f" in dimension {i}" if n > 1 else "" for i in range(n)]
    return _out([_windows(*args, False) for args in zip(sizes, k, d, s, *zip(*pads), where)], scalar)


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Output size of max or average pooling, following ``torch.nn.MaxPool2d``.

    Like :func:`conv_output_size`, but `stride` defaults to `kernel_size`, `padding` must be at
    most half the kernel size (``p <= k // 2``, as torch requires) and with ``ceil_mode=True`` the
    division rounds up, except that the last window must start inside the input or the left
    padding.

    Parameters
    ----------
    size : int or tuple of ints
        Input size, >= 1, per spatial dimension.
    kernel_size : int or tuple of ints
        Window size, >= 1.
    stride : int or tuple of ints, optional
        Step between windows, >= 1; default `kernel_size`.
    padding : int or tuple of ints, default 0
        Padding on each side, ``0 <= p <= k // 2``.
    dilation : int or tuple of ints, default 1
    ceil_mode : bool, default False
        Round the number of windows up instead of down.

    Returns an int for an int `size`, else a tuple; raises TypeError or ValueError for invalid
    arguments, ``p > k // 2``, or a window larger than the padded input.

    Examples
    --------
    >>> pool_output_size(32, 2)
    16
    >>> pool_output_size(5, 2), pool_output_size(5, 2, ceil_mode=True)
    (2, 3)
    >>> pool_output_size((6, 6), 3, stride=2, padding=1, ceil_mode=True)
    (4, 4)
    """
    sizes, scalar = check_sizes("size", size)
    n = len(sizes)
    k = check_tuple("kernel_size", kernel_size, n, minimum=1)
    s = k if stride is None else check_tuple("stride", stride, n, minimum=1)
    d = check_tuple("dilation", dilation, n, minimum=1)
    p = check_tuple("padding", padding, n, minimum=0)
    ceil_mode = check_bool("ceil_mode", ceil_mode)
    for pp, kk in zip(p, k):
        if pp > kk // 2:
            raise ValueError(f"`padding` must be at most half of `kernel_size` (p <= k // 2), "
                             f"got padding={pp} with kernel_size={kk}")
    where = [f" in dimension {i}" if n > 1 else "" for i in range(n)]
    return _out([_windows(*args, ceil_mode) for args in zip(sizes, k, d, s, p, p, where)], scalar)


def conv_transpose_output_size(size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1):
    """Output size of a transposed convolution, as ``torch.nn.ConvTranspose2d``.

    ``(n - 1) * s - 2p + d(k - 1) + output_padding + 1``: the input size a convolution with the
    same arguments maps to `size` (``output_padding`` picks among the sizes that round alike).

    Parameters
    ----------
    size, kernel_size, stride, dilation : int or tuple of ints
        The input size and the layer's geometry, per dimension, all >= 1.
    padding : int or tuple of ints, default 0
        Rows/columns removed from each side of the output, >= 0.
    output_padding : int or tuple of ints, default 0
        Extra size added on one side, smaller than `stride` or `dilation`.

    Returns
    -------
    int or tuple of ints

    Raises
    ------
    TypeError, ValueError
        For invalid arguments, too large `output_padding`, or an output size < 1.

    Examples
    --------
    >>> conv_transpose_output_size(16, 2, stride=2)
    32
    >>> conv_transpose_output_size((7, 7), 3, stride=2, padding=1, output_padding=1)
    (14, 14)
    """
    sizes, scalar = check_sizes("size", size)
    n = len(sizes)
    s = check_tuple("stride", stride, n, minimum=1)
    d = check_tuple("dilation", dilation, n, minimum=1)
    e = effective_kernel_size(check_tuple("kernel_size", kernel_size, n, minimum=1), d)
    p = check_tuple("padding", padding, n, minimum=0)
    op = check_tuple("output_padding", output_padding, n, minimum=0)
    outs = []
    for m, ee, ss, dd, pp, oo in zip(sizes, e, s, d, p, op):
        if oo >= max(ss, dd):
            raise ValueError(f"`output_padding` must be smaller than `stride` or `dilation`, "
                             f"got output_padding={oo} with stride={ss} and dilation={dd}")
        out = (m - 1) * ss - 2 * pp + ee + oo
        if out < 1:
            raise ValueError(f"`padding`={pp} is too large for `size`={m} and `kernel_size`: "
                             f"output size would be {out}")
        outs.append(out)
    return _out(outs, scalar)
