"""The arguments every convolution takes, checked once: :func:`parse_conv` and :class:`ConvArgs`.

:func:`cnnlab.conv2d` (im2col), :func:`cnnlab.conv2d_loops` (the definition) and
:func:`cnnlab.conv2d_fft` (the convolution theorem) compute the same thing three ways; they share
this parsing, so that they accept and refuse exactly the same calls with the same messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from cnnlab._checks import as_tensor, check_choice, check_int, check_tuple
from cnnlab.ops.padding import PADDING_MODES, check_pad_fits
from cnnlab.ops.shapes import conv_output_size, resolve_padding


@dataclass(frozen=True)
class ConvArgs:
    """A convolution's arguments after checking: tensors, one value per dimension, pad pairs."""

    x: torch.Tensor          # (N, C, *spatial), a batch dimension added when there was none
    weight: torch.Tensor     # (O, C / groups, *kernel)
    bias: torch.Tensor | None
    stride: tuple
    pads: tuple              # one (before, after) pair per spatial dimension
    dilation: tuple
    groups: int
    padding_mode: str
    unbatched: bool          # the input had no batch dimension
    numpy: bool              # the input was a NumPy array: return one

    @property
    def out_size(self) -> tuple:
        """Spatial size of the output, from :func:`cnnlab.conv_output_size`."""
        return conv_output_size(tuple(self.x.shape[2:]), tuple(self.weight.shape[2:]), self.stride,
                                self.pads, self.dilation)

    def finish(self, out: torch.Tensor):
        """Return `out` (N, O, *spatial) in the caller's form: unbatched and NumPy as the input."""
        if self.unbatched:
            out = out.squeeze(0)
        return out.detach().numpy() if self.numpy else out


def _check_tensors(x, weight, bias, nd):
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"`input` must have {nd + 2} dimensions (N, C, *spatial) or {nd + 1} "
                         f"(C, *spatial), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"`input` must have a floating-point dtype, got {x.dtype}")
    if weight.ndim != nd + 2:
        raise ValueError(f"`weight` must have {nd + 2} dimensions (out_channels, in_channels/groups, "
                         f"*kernel), got shape {tuple(weight.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"`{name}` dtype {t.dtype} does not match `input` dtype {x.dtype}")
        if t is not None and t.device != x.device:
            raise ValueError(f"`{name}` is on {t.device} but `input` is on {x.device}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"`bias` must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")


def _check_groups(groups, channels, out_channels, weight):
    groups = check_int("groups", groups, minimum=1)
    if channels % groups or out_channels % groups:
        raise ValueError(f"`groups` must divide in_channels={channels} and out_channels={out_channels}, "
                         f"got groups={groups}")
    if weight.shape[1] != channels // groups:
        raise ValueError(f"`weight` must have in_channels/groups = {channels // groups} channels in dim 1 "
                         f"for `input` with {channels} channels, got shape {tuple(weight.shape)}")
    return groups


def parse_conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
               padding_mode="zeros", *, nd=2) -> ConvArgs:
    """Check the arguments of an `nd`-dimensional convolution (those of ``F.conv2d``).

    Raises
    ------
    TypeError
        A non-tensor argument, an integer `input`, or `weight` / `bias` of another dtype.
    ValueError
        Wrong numbers of dimensions, a stride or dilation < 1, `groups` that does not divide the
        channels, 'same' with stride > 1, an unknown `padding_mode`, a tensor on another device,
        or a kernel larger than the padded input.

    Examples
    --------
    >>> args = parse_conv(torch.zeros(3, 8, 8), torch.zeros(4, 3, 3, 3), padding="same")
    >>> args.pads, args.out_size, args.unbatched
    (((1, 1), (1, 1)), (8, 8), True)
    """
    x, w = as_tensor("input", input), as_tensor("weight", weight)
    b = None if bias is None else as_tensor("bias", bias)
    _check_tensors(x, w, b, nd)
    unbatched = x.ndim == nd + 1
    if unbatched:
        x = x.unsqueeze(0)
    groups = _check_groups(groups, x.shape[1], w.shape[0], w)
    stride = check_tuple("stride", stride, nd, minimum=1)
    dilation = check_tuple("dilation", dilation, nd, minimum=1)
    padding_mode = check_choice("padding_mode", padding_mode, PADDING_MODES)
    kernel, size = tuple(w.shape[2:]), tuple(x.shape[2:])
    if padding == "same" and any(s != 1 for s in stride):
        raise ValueError(f"`padding='same'` needs stride 1, got stride={stride}; for stride > 1 compute "
                         "the padding with cnnlab.same_padding and pass it as ints")
    if isinstance(padding, str) and padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid', 'same', an int or a tuple, got {padding!r}")
    if not isinstance(padding, str):
        padding = check_tuple("padding", padding, nd, minimum=0)  # torch pads both sides alike
    pads = resolve_padding(padding, size, kernel, stride, dilation)
    check_pad_fits(pads, size, padding_mode)
    args = ConvArgs(x, w, b, stride, pads, dilation, groups, padding_mode, unbatched,
                    isinstance(input, np.ndarray))
    args.out_size  # raises when the (dilated) kernel is larger than the padded input
    return args
