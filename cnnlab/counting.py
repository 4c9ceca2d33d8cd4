"""Count the parameters of layers, by formula, without building them.

The formulas are the ones the book derives; the tests check each against
``sum(p.numel() for p in layer.parameters())`` of the matching torch module.
"""

from __future__ import annotations

from cnnlab._checks import check_bool, check_int, check_tuple


def dense_params(in_features: int, out_features: int, bias: bool = True) -> int:
    """Number of parameters of a fully connected (dense) layer.

    A dense layer holds one weight for every (input, output) pair, plus one
    bias per output when `bias` is true, like :class:`torch.nn.Linear`.

    Parameters
    ----------
    in_features : int
        Size of each input vector, >= 1.
    out_features : int
        Number of output units, >= 1.
    bias : bool, default True
        Whether the layer adds a learned bias to each output.

    Returns
    -------
    int
        ``in_features * out_features (+ out_features)``.

    Raises
    ------
    TypeError, ValueError
        If a size is not a positive int or `bias` is not a bool.

    Examples
    --------
    A 64×64 RGB image flattened into a dense layer of 128 units:

    >>> dense_params(64 * 64 * 3, 128, bias=False)
    1572864
    >>> dense_params(64 * 64 * 3, 128)
    1572992
    """
    in_features = check_int("in_features", in_features, minimum=1)
    out_features = check_int("out_features", out_features, minimum=1)
    bias = check_bool("bias", bias)
    return in_features * out_features + (out_features if bias else 0)


def conv_params(
    in_channels: int,
    out_channels: int,
    kernel_size,
    groups: int = 1,
    bias: bool = True,
) -> int:
    """Number of parameters of a 2D convolution layer.

    Each of the `out_channels` filters spans ``in_channels // groups`` input
    channels and a ``kh × kw`` window, and owns one bias when `bias` is true,
    like :class:`torch.nn.Conv2d`. The count does not depend on the image size:
    that is weight sharing.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out, >= 1, both divisible by `groups`.
    kernel_size : int or tuple of two ints
        Kernel height and width (an int means a square kernel).
    groups : int, default 1
        Number of channel groups; ``groups == in_channels`` is a depthwise convolution.
    bias : bool, default True
        Whether each filter has a bias.

    Returns
    -------
    int
        ``out_channels * (in_channels // groups) * kh * kw (+ out_channels)``.

    Raises
    ------
    TypeError, ValueError
        If an argument is not a positive int (pair), or a channel count is not
        divisible by `groups`.

    Examples
    --------
    Ten 3×3 filters on an RGB image, with bias:

    >>> conv_params(3, 10, 3)
    280
    >>> conv_params(32, 32, 3, groups=32, bias=False)  # depthwise
    288
    """
    in_channels = check_int("in_channels", in_channels, minimum=1)
    out_channels = check_int("out_channels", out_channels, minimum=1)
    kh, kw = check_tuple("kernel_size", kernel_size, 2, minimum=1)
    groups = check_int("groups", groups, minimum=1)
    bias = check_bool("bias", bias)
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise ValueError(
                f"`{name}` must be divisible by `groups`={groups}, got {channels}"
            )
    return out_channels * (in_channels // groups) * kh * kw + (out_channels if bias else 0)


def _spatial(kernel_size, output_size):
    """Both as tuples with the same number of dimensions (2 when both are ints)."""
    lengths = {len(v) for v in (kernel_size, output_size) if isinstance(v, (tuple, list))}
    if len(lengths) > 1:
        raise ValueError(
            "`kernel_size` and `output_size` must have the same number of dimensions, "
            f"got {kernel_size!r} and {output_size!r}"
        )
    ndim = lengths.pop() if lengths else 2
    if not 1 <= ndim <= 3:
        raise ValueError(
            f"`kernel_size` and `output_size` must have 1 to 3 dimensions, got {kernel_size!r}"
        )
    return (check_tuple("kernel_size", kernel_size, ndim, minimum=1),
            check_tuple("output_size", output_size, ndim, minimum=1))


def _prod(values) -> int:
    out = 1
    for v in values:
        out *= v
    return out


def dense_macs(in_features: int, out_features: int) -> int:
    """Multiply-accumulates of a dense layer for one input vector: ``in * out``.

    The bias additions are not counted (as in ``torch.utils.flop_counter``,
    where FLOPs = 2 × MACs).

    Examples
    --------
    >>> dense_macs(784, 10)
    7840
    """
    in_features = check_int("in_features", in_features, minimum=1)
    out_features = check_int("out_features", out_features, minimum=1)
    return in_features * out_features


def conv_macs(in_channels, out_channels, kernel_size, output_size, groups=1) -> int:
    """Multiply-accumulates of a convolution for one input image.

    Each of the ``out_channels × out_h × out_w`` outputs is a dot product over
    ``(in_channels / groups) × kh × kw`` inputs:
    ``MACs = out_h * out_w * out_channels * (in_channels / groups) * kh * kw``.
    Bias additions are not counted.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels in and out, >= 1, both divisible by `groups`.
    kernel_size, output_size : int or tuple of ints
        Kernel and output spatial size; tuples give the number of spatial
        dimensions (1 to 3), two ints mean a square 2D layer.
    groups : int, default 1
        Number of channel groups.

    Returns
    -------
    int

    Raises
    ------
    TypeError, ValueError
        For non-positive ints, mismatched tuple lengths, or channels not
        divisible by `groups`.

    Examples
    --------
    >>> conv_macs(3, 64, 3, 224)  # first layer of VGG
    86704128
    >>> conv_macs(32, 32, 3, (56, 56), groups=32)  # depthwise
    903168
    """
    in_channels = check_int("in_channels", in_channels, minimum=1)
    out_channels = check_int("out_channels", out_channels, minimum=1)
    groups = check_int("groups", groups, minimum=1)
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise ValueError(f"`{name}` must be divisible by `groups`={groups}, got {channels}")
    k, out = _spatial(kernel_size, output_size)
    return _prod(out) * out_channels * (in_channels // groups) * _prod(k)


def depthwise_params(channels: int, kernel_size, bias: bool = True) -> int:
    """Parameters of a depthwise convolution: one ``kh × kw`` filter per channel.

    Same as ``conv_params(channels, channels, kernel_size, groups=channels, bias=bias)``.

    Examples
    --------
    >>> depthwise_params(32, 3)
    320
    """
    channels = check_int("channels", channels, minimum=1)
    return conv_params(channels, channels, kernel_size, groups=channels, bias=bias)


def depthwise_macs(channels: int, kernel_size, output_size) -> int:
    """Multiply-accumulates of a depthwise convolution: ``out_h * out_w * channels * kh * kw``.

    Examples
    --------
    >>> depthwise_macs(32, 3, 56)
    903168
    """
    channels = check_int("channels", channels, minimum=1)
    return conv_macs(channels, channels, kernel_size, output_size, groups=channels)


def pointwise_params(in_channels: int, out_channels: int, bias: bool = True) -> int:
    """Parameters of a pointwise (1×1) convolution: ``in * out (+ out)``.

    Examples
    --------
    >>> pointwise_params(32, 64)
    2112
    """
    return conv_params(in_channels, out_channels, 1, bias=bias)


def pointwise_macs(in_channels: int, out_channels: int, output_size) -> int:
    """Multiply-accumulates of a pointwise (1×1) convolution: ``out_h * out_w * in * out``.

    Examples
    --------
    >>> pointwise_macs(32, 64, 56)
    6422528
    """
    return conv_macs(in_channels, out_channels, 1, output_size)


def separable_params(in_channels: int, out_channels: int, kernel_size, bias: bool = True) -> int:
    """Parameters of a depthwise-separable convolution (depthwise, then pointwise).

    `bias` applies to both convolutions, as two ``nn.Conv2d(..., bias=bias)``.

    Examples
    --------
    >>> separable_params(32, 64, 3, bias=False)  # vs conv_params(32, 64, 3, bias=False) = 18432
    2336
    """
    return depthwise_params(in_channels, kernel_size, bias) + pointwise_params(
        in_channels, out_channels, bias
    )


def separable_macs(in_channels: int, out_channels: int, kernel_size, output_size) -> int:
    """Multiply-accumulates of a depthwise-separable convolution.

    ``out_h * out_w * in_channels * (kh * kw + out_channels)``: the depthwise
    part (stride applied there) plus the pointwise part, on the same output size.

    Examples
    --------
    >>> separable_macs(32, 64, 3, 56)
    7325696
    """
    return depthwise_macs(in_channels, kernel_size, output_size) + pointwise_macs(
        in_channels, out_channels, output_size
    )


def separable_cost_ratio(out_channels: int, kernel_size) -> float:
    """Cost of a depthwise-separable convolution relative to a standard one.

    ``separable_macs / conv_macs = 1 / out_channels + 1 / (kh * kw)`` (the same
    ratio holds for the weights without bias), from the MobileNet paper.

    References
    ----------
    A. G. Howard et al., "MobileNets: Efficient convolutional neural networks
    for mobile vision applications", arXiv:1704.04861, 2017.

    Examples
    --------
    >>> round(separable_cost_ratio(256, 3), 4)  # about 8.7 times cheaper
    0.115
    """
    out_channels = check_int("out_channels", out_channels, minimum=1)
    kh, kw = check_tuple("kernel_size", kernel_size, 2, minimum=1)
    return 1 / out_channels + 1 / (kh * kw)


def pool_macs(channels: int, kernel_size, output_size) -> int:
    """Operations of a max or average pooling layer: ``channels * out_h * out_w * kh * kw``.

    Pooling has no parameters. By the convention used here each output reads
    its ``kh × kw`` window once, counted as ``kh * kw`` operations
    (comparisons for max pooling, additions for average pooling), so that the
    numbers can be compared with MACs; ``torch.utils.flop_counter`` counts 0.

    Examples
    --------
    >>> pool_macs(64, 2, 56)
    802816
    """
    channels = check_int("channels", channels, minimum=1)
    k, out = _spatial(kernel_size, output_size)
    return channels * _prod(out) * _prod(k)
