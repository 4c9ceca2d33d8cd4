"""Output sizes, 'same' padding and receptive fields of convolution and pooling layers.

Plain Python ints in, plain Python ints out: an int `size` gives an int, a
tuple `size` gives a tuple with one entry per spatial dimension. The tests
check every formula against the shapes PyTorch actually produces.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab._checks import check_bool, check_int, check_tuple

_MODES = ("valid", "same", "full")


def _sizes(name, size):
    """Return (`size` as a tuple of ints >= 1, whether it was a single int)."""
    if isinstance(size, (tuple, list)):
        if not size:
            raise ValueError(f"`{name}` must be an int or a non-empty tuple of ints, got {size!r}")
        return tuple(check_int(name, v, minimum=1) for v in size), False
    return (check_int(name, size, minimum=1),), True


def _pairs(padding, n):
    """Return an int / tuple / ((before, after), ...) `padding` as n (before, after) pairs."""
    if isinstance(padding, (tuple, list)):
        if n == 1 and len(padding) == 2 and not isinstance(padding[0], (tuple, list)):
            padding = (padding,)  # a bare (before, after) pair for a 1D size
        if len(padding) != n:
            raise ValueError(
                f"`padding` must be an int or a tuple of {n} ints or (before, after) pairs, "
                f"got {padding!r}"
            )
        pairs = []
        for p in padding:
            if isinstance(p, (tuple, list)):
                if len(p) != 2:
                    raise ValueError(f"`padding` pairs must be (before, after), got {p!r}")
                pairs.append(tuple(check_int("padding", v, minimum=0) for v in p))
            else:
                pairs.append((check_int("padding", p, minimum=0),) * 2)
        return tuple(pairs)
    return ((check_int("padding", padding, minimum=0),) * 2,) * n


def _window(n, k, d, s, before, after, dim, ceil_mode=False):
    """Number of windows (kernel `k`, dilation `d`, stride `s`) over a padded input of size `n`."""
    e = k + (k - 1) * (d - 1)
    span = n + before + after - e
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + before:
        out -= 1  # torch: the last window must start inside the input or the left padding
    if out < 1:
        where = "" if dim is None else f" in dimension {dim}"
        raise ValueError(
            f"`kernel_size`={k} with `dilation`={d} (effective size {e}) is larger than the "
            f"padded input{where}: `size`={n} + `padding`={before + after}; output size "
            f"would be {out}"
        )
    return out


def _common(size, kernel_size, stride, dilation):
    sizes, scalar = _sizes("size", size)
    n = len(sizes)
    k = check_tuple("kernel_size", kernel_size, n, minimum=1)
    s = check_tuple("stride", stride, n, minimum=1)
    d = check_tuple("dilation", dilation, n, minimum=1)
    e = tuple(kk + (kk - 1) * (dd - 1) for kk, dd in zip(k, d))
    return sizes, scalar, k, s, d, e


def _same_pairs(sizes, s, e):
    totals = (max((-(-n // ss) - 1) * ss + ee - n, 0) for n, ss, ee in zip(sizes, s, e))
    return tuple((t // 2, t - t // 2) for t in totals)


def _out(values, scalar):
    return values[0] if scalar else tuple(values)


def _dim(sizes, i):
    return None if len(sizes) == 1 else i


def effective_kernel_size(kernel_size, dilation=1):
    """Size of a dilated kernel: ``k + (k - 1) * (d - 1)``.

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
    ks, scalar = _sizes("kernel_size", kernel_size)
    d = check_tuple("dilation", dilation, len(ks), minimum=1)
    return _out([k + (k - 1) * (dd - 1) for k, dd in zip(ks, d)], scalar)


def same_padding(size, kernel_size, stride=1, dilation=1):
    """Padding (before, after) that gives output size ``ceil(size / stride)``, as Keras 'same'.

    ``total = max((ceil(n / s) - 1) * s + d * (k - 1) + 1 - n, 0)``, with
    ``before = total // 2`` and the odd pixel, if any, after (as TensorFlow and
    ``torch.nn.functional.conv2d(..., padding='same')`` do).

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

    Raises
    ------
    TypeError, ValueError
        If an argument is not a positive int, or a tuple has the wrong length.

    Examples
    --------
    >>> same_padding(32, 3)
    (1, 1)
    >>> same_padding(32, 4)  # even kernel: the extra pixel goes after
    (1, 2)
    >>> same_padding((5, 6), 3, stride=2)
    ((1, 1), (0, 1))
    """
    sizes, scalar, _, s, _, e = _common(size, kernel_size, stride, dilation)
    return _out(_same_pairs(sizes, s, e), scalar)


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Output size of a convolution: ``floor((n + 2p - d(k - 1) - 1) / s) + 1``.

    Parameters
    ----------
    size : int or tuple of ints
        Input size, >= 1, per spatial dimension (for an image: ``(H, W)``).
    kernel_size, stride, dilation : int or tuple of ints
        Per dimension, all >= 1; an int applies to every dimension.
    padding : int, tuple or {'valid', 'same', 'full'}, default 0
        Zeros added on each side; per dimension an int or a ``(before, after)``
        pair (for an int `size`, a bare pair). ``'valid'`` is 0, ``'full'`` is
        ``d(k - 1)`` on each side, ``'same'`` is :func:`same_padding`, giving
        ``ceil(n / s)`` (``n`` when the stride is 1).

    Returns
    -------
    int or tuple of ints
        An int for an int `size`, else a tuple.

    Raises
    ------
    TypeError, ValueError
        If an argument is not an int >= 1 (>= 0 for padding), a tuple has the
        wrong length, `padding` is an unknown string, or the (dilated) kernel
        is larger than the padded input.

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
    sizes, scalar, k, s, d, e = _common(size, kernel_size, stride, dilation)
    if isinstance(padding, str):
        if padding not in _MODES:
            raise ValueError(
                f"`padding` must be an int, a tuple or one of {_MODES}, got {padding!r}"
            )
        if padding == "same":
            pads = _same_pairs(sizes, s, e)
        else:
            pads = tuple((ee - 1, ee - 1) if padding == "full" else (0, 0) for ee in e)
    else:
        pads = _pairs(padding, len(sizes))
    outs = [
        _window(n, kk, dd, ss, b, a, _dim(sizes, i))
        for i, (n, kk, dd, ss, (b, a)) in enumerate(zip(sizes, k, d, s, pads))
    ]
    return _out(outs, scalar)


def pool_output_size(size, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """Output size of max or average pooling, following ``torch.nn.MaxPool2d``.

    Like :func:`conv_output_size`, but `stride` defaults to `kernel_size`,
    `padding` must be at most half the kernel size (``p <= k // 2``, as torch
    requires) and with ``ceil_mode=True`` the division rounds up, except that
    the last window must start inside the input or the left padding.

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
        Spacing between window taps, >= 1.
    ceil_mode : bool, default False
        Round the number of windows up instead of down.

    Returns
    -------
    int or tuple of ints
        An int for an int `size`, else a tuple.

    Raises
    ------
    TypeError, ValueError
        For invalid arguments, ``p > k // 2``, or a window larger than the padded input.

    Examples
    --------
    >>> pool_output_size(32, 2)
    16
    >>> pool_output_size(5, 2)
    2
    >>> pool_output_size(5, 2, ceil_mode=True)
    3
    >>> pool_output_size((6, 6), 3, stride=2, padding=1, ceil_mode=True)
    (4, 4)
    """
    stride = kernel_size if stride is None else stride
    sizes, scalar, k, s, d, _ = _common(size, kernel_size, stride, dilation)
    ceil_mode = check_bool("ceil_mode", ceil_mode)
    p = check_tuple("padding", padding, len(sizes), minimum=0)
    for pp, kk in zip(p, k):
        if pp > kk // 2:
            raise ValueError(
                f"`padding` must be at most half of `kernel_size` (p <= k // 2), "
                f"got padding={pp} with kernel_size={kk}"
            )
    outs = [
        _window(n, kk, dd, ss, pp, pp, _dim(sizes, i), ceil_mode)
        for i, (n, kk, dd, ss, pp) in enumerate(zip(sizes, k, d, s, p))
    ]
    return _out(outs, scalar)


def conv_transpose_output_size(
    size, kernel_size, stride=1, padding=0, output_padding=0, dilation=1
):
    """Output size of a transposed convolution, as ``torch.nn.ConvTranspose2d``.

    ``(n - 1) * s - 2p + d(k - 1) + output_padding + 1``.

    Parameters
    ----------
    size : int or tuple of ints
        Input size, >= 1, per spatial dimension.
    kernel_size, stride, dilation : int or tuple of ints
        Per dimension, all >= 1.
    padding : int or tuple of ints, default 0
        Rows/columns removed from each side of the output, >= 0.
    output_padding : int or tuple of ints, default 0
        Extra size added on one side, smaller than `stride` or `dilation`.

    Returns
    -------
    int or tuple of ints
        An int for an int `size`, else a tuple.

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
    sizes, scalar, _, s, d, e = _common(size, kernel_size, stride, dilation)
    p = check_tuple("padding", padding, len(sizes), minimum=0)
    op = check_tuple("output_padding", output_padding, len(sizes), minimum=0)
    outs = []
    for n, ee, ss, dd, pp, oo in zip(sizes, e, s, d, p, op):
        if oo >= max(ss, dd):
            raise ValueError(
                f"`output_padding` must be smaller than `stride` or `dilation`, "
                f"got output_padding={oo} with stride={ss} and dilation={dd}"
            )
        out = (n - 1) * ss - 2 * pp + ee + oo
        if out < 1:
            raise ValueError(
                f"`padding`={pp} is too large for `size`={n} and `kernel_size`: "
                f"output size would be {out}"
            )
        outs.append(out)
    return _out(outs, scalar)



@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field of the units of a feature map along one spatial dimension.

    Attributes
    ----------
    size : int
        Extent, in input pixels, of the field of one output unit.
    jump : int
        Distance in input pixels between the fields of neighbouring units (effective stride).
    start : float
        Centre of the field of the first output unit, in input coordinates
        (input pixel ``i`` is centred at ``i``); negative when padding is used.
    """

    size: int
    jump: int
    start: float

    def bounds(self, index=0):
        """First and last input pixel seen by output unit `index` (may lie in the padding).

        Examples
        --------
        >>> ReceptiveField(size=5, jump=2, start=1.0).bounds(3)
        (5, 9)
        """
        centre = self.start + check_int("index", index, minimum=0) * self.jump
        return round(centre - (self.size - 1) / 2), round(centre + (self.size - 1) / 2)


@dataclass(frozen=True)
class LayerSpec:
    """Geometry of one convolution or pooling layer, for :func:`receptive_field`.

    Fields take the values of :func:`conv_output_size`'s arguments; `ceil_mode`
    only matters for the sizes checked when an `input_size` is given.

    Examples
    --------
    >>> LayerSpec(3, stride=2, padding="same")
    LayerSpec(kernel_size=3, stride=2, padding='same', dilation=1, ceil_mode=False)
    """

    kernel_size: int | tuple
    stride: int | tuple = 1
    padding: int | tuple | str = 0
    dilation: int | tuple = 1
    ceil_mode: bool = False


def _leaves(name, layers):
    """Yield (name, layer): the items of a list, or the leaves of nested nn.Sequential."""
    if isinstance(layers, (list, tuple)):
        for i, layer in enumerate(layers):
            yield from _leaves(f"{name}[{i}]", layer)
    elif hasattr(layers, "named_children") and _is_sequential(layers):
        for child_name, child in layers.named_children():
            yield from _leaves(f"{name}.{child_name}", child)
    else:
        yield name, layers


def _is_sequential(module):
    from torch import nn

    return isinstance(module, nn.Sequential)


def _spec(where, layer):
    """Return `layer` as a LayerSpec, None for a shape-preserving module, else raise."""
    if isinstance(layer, LayerSpec):
        return layer
    if isinstance(layer, dict):
        try:
            return LayerSpec(**layer)
        except TypeError:
            raise TypeError(
                f"`{where}` must have the key 'kernel_size' and optionally 'stride', "
                f"'padding', 'dilation', 'ceil_mode', got keys {sorted(layer)}"
            ) from None
    from torch import nn

    if isinstance(layer, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return LayerSpec(layer.kernel_size, layer.stride, layer.padding, layer.dilation)
    for ndim, (max_pool, avg_pool) in enumerate(
        [(nn.MaxPool1d, nn.AvgPool1d), (nn.MaxPool2d, nn.AvgPool2d), (nn.MaxPool3d, nn.AvgPool3d)],
        start=1,
    ):
        if isinstance(layer, (max_pool, avg_pool)):
            return LayerSpec(
                *(check_tuple(f"{where}.{a}", getattr(layer, a, 1), ndim)
                  for a in ("kernel_size", "stride", "padding", "dilation")),
                ceil_mode=layer.ceil_mode,
            )
    if isinstance(layer, _shape_preserving(nn)):
        return None
    raise TypeError(
        f"`{where}` is an unsupported layer {layer!r}: receptive_field takes LayerSpec, dicts, "
        "Conv1d/2d/3d, MaxPool1d/2d/3d, AvgPool1d/2d/3d and shape-preserving modules "
        "(activations, batch/group/instance norm, dropout, Identity)"
    )


def _shape_preserving(nn):
    names = (
        "Identity ReLU ReLU6 LeakyReLU PReLU ELU SELU CELU GELU SiLU Mish Sigmoid Tanh "
        "Hardtanh Hardswish Hardsigmoid Softplus Dropout Dropout1d Dropout2d Dropout3d "
        "AlphaDropout BatchNorm1d BatchNorm2d BatchNorm3d GroupNorm InstanceNorm1d "
        "InstanceNorm2d InstanceNorm3d LocalResponseNorm"
    )
    return tuple(getattr(nn, n) for n in names.split() if hasattr(nn, n))


def receptive_field(layers, *, input_size=None, per_layer=False):
    """Receptive field size, jump and start of the last (or every) layer of a stack.

    With ``r_0 = 1, j_0 = 1, start_0 = 0`` and, per layer, the effective kernel
    size ``k = k + (k - 1)(d - 1)``, stride ``s`` and padding before ``p``:
    ``j_out = j_in * s``, ``r_out = r_in + (k - 1) * j_in`` and
    ``start_out = start_in + ((k - 1) / 2 - p) * j_in``.

    Parameters
    ----------
    layers : list of LayerSpec or dict, or torch.nn.Sequential
        The layers in order. A ``Sequential`` (possibly nested) may hold
        Conv1d/2d/3d, MaxPool/AvgPool 1d/2d/3d and shape-preserving modules
        (activations, normalisation, dropout), which leave the field unchanged.
    input_size : int or tuple of ints, optional
        When given, the output size of every layer is checked (and
        ``padding='same'`` with stride > 1 needs it).
    per_layer : bool, default False
        Return the field after each layer (one entry per layer) instead of the last.

    Returns
    -------
    ReceptiveField, tuple of ReceptiveField, or a list of these
        One ReceptiveField for 1D layers, else a tuple with one per dimension.

    Raises
    ------
    TypeError
        For an unsupported module or a malformed spec (the message names it).
    ValueError
        For invalid geometry, layers of different dimensionality, or a layer
        whose kernel is larger than its padded input.

    References
    ----------
    Dang Ha The Hien, "A guide to receptive field arithmetic for convolutional
    neural networks", 2017.

    Examples
    --------
    >>> receptive_field([LayerSpec(3), LayerSpec(3), LayerSpec(2, stride=2)])
    ReceptiveField(size=6, jump=2, start=2.5)
    >>> [f.size for f in receptive_field([LayerSpec(3)] * 4, per_layer=True)]
    [3, 5, 7, 9]
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    >>> receptive_field(net)[0]
    ReceptiveField(size=4, jump=2, start=0.5)
    """
    per_layer = check_bool("per_layer", per_layer)
    specs = [(where, _spec(where, layer)) for where, layer in _leaves("layers", layers)]
    ndims = {
        len(v) for _, sp in specs if sp is not None
        for v in (sp.kernel_size, sp.stride, sp.dilation) if isinstance(v, (tuple, list))
    }
    if isinstance(input_size, (tuple, list)):
        ndims.add(len(input_size))
    if len(ndims) > 1:
        raise ValueError(f"`layers` and `input_size` mix {sorted(ndims)} spatial dimensions")
    n = ndims.pop() if ndims else 1
    sizes = None if input_size is None else check_tuple("input_size", input_size, n, minimum=1)
    fields = [ReceptiveField(1, 1, 0.0)] * n
    history = []
    for where, sp in specs:
        if sp is not None:
            try:
                sizes, fields = _step(sp, n, sizes, fields)
            except (TypeError, ValueError) as err:
                raise type(err)(f"{where}: {err}") from None
        history.append(fields[0] if n == 1 else tuple(fields))
    if per_layer:
        return history
    return (fields[0] if n == 1 else tuple(fields)) if not history else history[-1]


def _step(sp, n, sizes, fields):
    """Apply one layer to the running sizes and receptive fields."""
    k = check_tuple("kernel_size", sp.kernel_size, n, minimum=1)
    s = check_tuple("stride", sp.stride, n, minimum=1)
    d = check_tuple("dilation", sp.dilation, n, minimum=1)
    ceil_mode = check_bool("ceil_mode", sp.ceil_mode)
    e = tuple(kk + (kk - 1) * (dd - 1) for kk, dd in zip(k, d))
    if sp.padding == "same":
        if sizes is None and max(s) > 1:
            raise ValueError("`padding`='same' with `stride` > 1 needs `input_size`")
        pads = _same_pairs(sizes or (1,) * n, s, e)
    elif sp.padding in ("valid", "full"):
        pads = tuple((ee - 1, ee - 1) if sp.padding == "full" else (0, 0) for ee in e)
    elif isinstance(sp.padding, str):
        raise ValueError(
            f"`padding` must be an int, a tuple or one of {_MODES}, got {sp.padding!r}"
        )
    else:
        pads = _pairs(sp.padding, n)
    if sizes is not None:
        sizes = tuple(
            _window(m, kk, dd, ss, b, a, None if n == 1 else i, ceil_mode)
            for i, (m, kk, dd, ss, (b, a)) in enumerate(zip(sizes, k, d, s, pads))
        )
    fields = [
        ReceptiveField(
            size=f.size + (ee - 1) * f.jump,  # r_out = r_in + (k_eff - 1) j_in
            jump=f.jump * ss,  # j_out = j_in s
            start=f.start + ((ee - 1) / 2 - b) * f.jump,  # centre of the first unit's field
        )
        for f, ee, ss, (b, _) in zip(fields, e, s, pads)
    ]
    return sizes, fields
