"""Parameters and multiply-accumulates (MACs) of layers, by formula, without building them.

The one home of these formulas: :func:`cnnlab.count` (layer specs), :func:`cnnlab.summary`
(a model's table) and the cost figures call them. The tests check each against
``sum(p.numel() for p in layer.parameters())`` of the matching torch module and against
``torch.utils.flop_counter.FlopCounterMode`` (FLOPs = 2 × MACs).
"""

from __future__ import annotations

import math

from cnnlab._checks import check_bool, check_int, check_tuple


def dense_params(in_features: int, out_features: int, bias: bool = True) -> int:
    """Parameters of a fully connected (dense) layer, :class:`torch.nn.Linear`.

    One weight for every (input, output) pair, plus one bias per output when `bias` is true:
    ``in_features * out_features (+ out_features)``. Sizes are ints >= 1.

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
    """Parameters of a 2-D convolution layer, :class:`torch.nn.Conv2d`.

    Each of the `out_channels` filters spans ``in_channels // groups`` input channels and a
    ``kh × kw`` window, and owns one bias when `bias` is true:
    ``out_channels * (in_channels // groups) * kh * kw (+ out_channels)``. The count does not
    depend on the image size: that is weight sharing. ``groups == in_channels`` is a depthwise
    convolution; both channel counts must be divisible by `groups`.

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
    return math.prod(out) * out_channels * (in_channels // groups) * math.prod(k)


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
    return channels * math.prod(out) * math.prod(k)


def conv_transpose_macs(in_channels, out_channels, kernel_size, input_size, groups=1) -> int:
    """Multiply-accumulates of a transposed convolution for one image.

    Each of the ``in_channels × in_h × in_w`` inputs stamps a kernel of
    ``(out_channels / groups) × kh × kw`` weights onto the output:
    ``MACs = in_h * in_w * in_channels * (out_channels / groups) * kh * kw``.

    Examples
    --------
    >>> conv_transpose_macs(32, 16, 2, 7)  # 7×7 -> 14×14 with stride 2
    100352
    """
    return conv_macs(out_channels, in_channels, kernel_size, input_size, groups)


def inverted_residual_params(in_channels: int, out_channels: int, kernel_size, expand_ratio: int) -> int:
    """Convolution weights of MobileNetV2's inverted residual (no biases, no batch norm).

    A 1×1 expansion to ``hidden = in_channels * expand_ratio`` (none when `expand_ratio` is 1),
    a depthwise ``k × k`` on `hidden` and a linear 1×1 projection to `out_channels`.

    Examples
    --------
    >>> inverted_residual_params(64, 64, 3, 6)  # 64·384 + 384·9 + 384·64
    52608
    """
    hidden = in_channels * check_int("expand_ratio", expand_ratio, minimum=1)
    expand = pointwise_params(in_channels, hidden, bias=False) if expand_ratio > 1 else 0
    return expand + separable_params(hidden, out_channels, kernel_size, bias=False)


def inverted_residual_macs(in_channels: int, out_channels: int, kernel_size, output_size,
                           expand_ratio: int) -> int:
    """Multiply-accumulates of an inverted residual at stride 1 (see :func:`inverted_residual_params`).

    Examples
    --------
    >>> inverted_residual_macs(64, 64, 3, 32, 6)
    53870592
    """
    hidden = in_channels * check_int("expand_ratio", expand_ratio, minimum=1)
    expand = pointwise_macs(in_channels, hidden, output_size) if expand_ratio > 1 else 0
    return expand + separable_macs(hidden, out_channels, kernel_size, output_size)
