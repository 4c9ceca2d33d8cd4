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
