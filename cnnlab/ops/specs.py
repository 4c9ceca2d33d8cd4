"""Layer specifications: what a layer is, without its weights.

A list of specs describes a network well enough to compute its receptive field
(:func:`cnnlab.receptive_field`), its parameters and multiply-accumulates (:func:`cnnlab.count`)
and to build it (:func:`cnnlab.cost.architectures.build`), without allocating anything. The fields
are the arguments of the matching ``torch.nn`` layer, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConvSpec:
    """A convolution: ``nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation,
    groups, bias)``. Channels do not change the receptive field: ``ConvSpec(1, 1, 3)`` will do there.

    Examples
    --------
    >>> ConvSpec(3, 64, 7, stride=2, padding=3)
    ConvSpec(in_channels=3, out_channels=64, kernel_size=7, stride=2, padding=3, dilation=1, groups=1, bias=True)
    """

    in_channels: int
    out_channels: int
    kernel_size: int | tuple
    stride: int | tuple = 1
    padding: int | tuple | str = 0
    dilation: int | tuple = 1
    groups: int = 1
    bias: bool = True


@dataclass(frozen=True)
class PoolSpec:
    """Max or average pooling (`kind`); `output_size` set means adaptive average pooling.

    The fields are those of ``nn.MaxPool2d``: `stride` defaults to `kernel_size`.

    Examples
    --------
    >>> PoolSpec(2)
    PoolSpec(kernel_size=2, stride=None, padding=0, dilation=1, ceil_mode=False, kind='max', output_size=None)
    """

    kernel_size: int | tuple = 1
    stride: int | tuple | None = None
    padding: int | tuple = 0
    dilation: int | tuple = 1
    ceil_mode: bool = False
    kind: str = "max"
    output_size: int | tuple | None = None


@dataclass(frozen=True)
class BNSpec:
    """Batch norm over `channels`: 2 learned parameters per channel (the running mean and
    variance are buffers, not parameters, as in ``nn.BatchNorm2d``); shapes pass unchanged."""

    channels: int


@dataclass(frozen=True)
class LinearSpec:
    """A dense layer on the flattened input: ``nn.Linear(in_features, out_features, bias)``."""

    in_features: int
    out_features: int
    bias: bool = True


@dataclass(frozen=True)
class BranchSpec:
    """Parallel branches on the same input, summed (``merge='add'``, residual) or concatenated
    along channels (``'concat'``, Inception); an empty branch is the identity."""

    branches: tuple
    merge: str = "add"


SPECS = (ConvSpec, PoolSpec, BNSpec, LinearSpec, BranchSpec)
