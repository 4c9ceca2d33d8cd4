"""Receptive fields: which input pixels each unit of a stack of convolutions and poolings sees.

With ``r_0 = 1, j_0 = 1, start_0 = 0`` and, per layer, the effective kernel size ``e``, stride
``s`` and padding before ``p``: ``j_out = j_in * s``, ``r_out = r_in + (e - 1) * j_in`` and
``start_out = start_in + ((e - 1) / 2 - p) * j_in``. The layers are the specs of
:mod:`cnnlab.ops.specs` (the same ones :func:`cnnlab.count` takes), dicts of their geometry, or
torch modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnnlab._checks import check_bool, check_int, check_tuple
from cnnlab.ops.shapes import conv_output_size, effective_kernel_size, pool_output_size, resolve_padding
from cnnlab.ops.specs import BNSpec, ConvSpec, PoolSpec


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
        Centre of the field of the first output unit, in input coordinates (input pixel ``i`` is
        centred at ``i``); negative when padding is used.
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


def _leaves(name, layers):
    """Yield (name, layer): the items of a list, or the leaves of nested nn.Sequential."""
    from torch import nn

    if isinstance(layers, (list, tuple)):
        for i, layer in enumerate(layers):
            yield from _leaves(f"{name}[{i}]", layer)
    elif isinstance(layers, nn.Sequential):
        for child_name, child in layers.named_children():
            yield from _leaves(f"{name}.{child_name}", child)
    else:
        yield name, layers


_SHAPE_PRESERVING = (
    "Identity ReLU ReLU6 LeakyReLU PReLU ELU SELU CELU GELU SiLU Mish Sigmoid Tanh Hardtanh "
    "Hardswish Hardsigmoid Softplus Dropout Dropout1d Dropout2d Dropout3d AlphaDropout BatchNorm1d "
    "BatchNorm2d BatchNorm3d GroupNorm InstanceNorm1d InstanceNorm2d InstanceNorm3d LocalResponseNorm"
).split()


def _geometry(where, layer):
    """(kernel_size, stride, padding, dilation, ceil_mode, is_pool) of a layer; None if it keeps shapes."""
    from torch import nn

    if isinstance(layer, dict):
        unknown = set(layer) - {"kernel_size", "stride", "padding", "dilation", "ceil_mode"}
        if "kernel_size" not in layer or unknown:
            raise TypeError(f"`{where}` must have the key 'kernel_size' and optionally 'stride', "
                            f"'padding', 'dilation', 'ceil_mode', got keys {sorted(layer)}")
        return (layer["kernel_size"], layer.get("stride", 1), layer.get("padding", 0),
                layer.get("dilation", 1), layer.get("ceil_mode", False), False)
    if isinstance(layer, ConvSpec):
        return layer.kernel_size, layer.stride, layer.padding, layer.dilation, False, False
    if isinstance(layer, PoolSpec) and layer.output_size is None:
        stride = layer.kernel_size if layer.stride is None else layer.stride
        return layer.kernel_size, stride, layer.padding, layer.dilation, layer.ceil_mode, True
    if isinstance(layer, BNSpec):
        return None
    if isinstance(layer, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return layer.kernel_size, layer.stride, layer.padding, layer.dilation, False, False
    if isinstance(layer, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)):
        dilation = getattr(layer, "dilation", 1)
        return layer.kernel_size, layer.stride, layer.padding, dilation, layer.ceil_mode, True
    if isinstance(layer, tuple(getattr(nn, n) for n in _SHAPE_PRESERVING if hasattr(nn, n))):
        return None
    raise TypeError(
        f"`{where}` is an unsupported layer {layer!r}: receptive_field takes ConvSpec, PoolSpec (not "
        "adaptive), BNSpec, dicts, Conv1d/2d/3d, MaxPool/AvgPool 1d/2d/3d and shape-preserving modules "
        "(activations, batch/group/instance norm, dropout, Identity)"
    )


def _ndim(geometries, input_size):
    ndims = {len(v) for g in geometries if g is not None for v in (g[0], g[1], g[3])
             if isinstance(v, (tuple, list))}
    if isinstance(input_size, (tuple, list)):
        ndims.add(len(input_size))
    if len(ndims) > 1:
        raise ValueError(f"`layers` and `input_size` mix {sorted(ndims)} spatial dimensions")
    return ndims.pop() if ndims else 1


def _step(geometry, n, sizes, fields):
    """Apply one layer to the running sizes (or None) and receptive fields."""
    kernel_size, stride, padding, dilation, ceil_mode, is_pool = geometry
    k = check_tuple("kernel_size", kernel_size, n, minimum=1)
    s = check_tuple("stride", stride, n, minimum=1)
    d = check_tuple("dilation", dilation, n, minimum=1)
    check_bool("ceil_mode", ceil_mode)
    if padding == "same" and sizes is None and max(s) > 1:
        raise ValueError("`padding`='same' with `stride` > 1 needs `input_size`")
    pads = resolve_padding(padding, sizes or (1,) * n, k, s, d)
    if sizes is not None:
        if is_pool:
            sizes = pool_output_size(sizes, k, s, tuple(b for b, _ in pads), d, ceil_mode)
        else:
            sizes = conv_output_size(sizes, k, s, pads, d)
    e = effective_kernel_size(k, d)
    fields = [ReceptiveField(size=f.size + (ee - 1) * f.jump,          # r_out = r_in + (e - 1) j_in
                             jump=f.jump * ss,                          # j_out = j_in s
                             start=f.start + ((ee - 1) / 2 - b) * f.jump)
              for f, ee, ss, (b, _) in zip(fields, e, s, pads)]
    return sizes, fields


def receptive_field(layers, *, input_size=None, per_layer=False):
    """Receptive field size, jump and start of the last (or every) layer of a stack.

    Parameters
    ----------
    layers : list of ConvSpec, PoolSpec, BNSpec or dict, or torch.nn.Sequential
        The layers in order. A ``Sequential`` (possibly nested) may hold Conv1d/2d/3d, MaxPool /
        AvgPool 1d/2d/3d and shape-preserving modules (activations, normalisation, dropout).
    input_size : int or tuple of ints, optional
        When given, the output size of every layer is checked (``padding='same'`` with stride > 1
        needs it).
    per_layer : bool, default False
        Return the field after each layer (one entry per layer) instead of the last.

    Returns
    -------
    ReceptiveField, tuple of ReceptiveField, or a list of these
        One ReceptiveField for 1-D layers, else a tuple with one per dimension.

    Raises
    ------
    TypeError
        For an unsupported module or a malformed spec (the message names it).
    ValueError
        For invalid geometry, layers of different dimensionality, or a kernel larger than its
        padded input.

    References
    ----------
    Dang Ha The Hien, "A guide to receptive field arithmetic for convolutional neural networks", 2017.

    Examples
    --------
    >>> receptive_field([ConvSpec(1, 1, 3), ConvSpec(1, 1, 3), PoolSpec(2)])
    ReceptiveField(size=6, jump=2, start=2.5)
    >>> [f.size for f in receptive_field([ConvSpec(1, 1, 3)] * 4, per_layer=True)]
    [3, 5, 7, 9]
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    >>> receptive_field(net)[0]
    ReceptiveField(size=4, jump=2, start=0.5)
    """
    per_layer = check_bool("per_layer", per_layer)
    named = [(where, _geometry(where, layer)) for where, layer in _leaves("layers", layers)]
    n = _ndim([g for _, g in named], input_size)
    sizes = None if input_size is None else check_tuple("input_size", input_size, n, minimum=1)
    fields = [ReceptiveField(1, 1, 0.0)] * n
    history = []
    for where, geometry in named:
        if geometry is not None:
            try:
                sizes, fields = _step(geometry, n, sizes, fields)
            except (TypeError, ValueError) as err:
                raise type(err)(f"{where}: {err}") from None
        history.append(fields[0] if n == 1 else tuple(fields))
    if per_layer:
        return history
    return history[-1] if history else (fields[0] if n == 1 else tuple(fields))
