"""Convolution as one matrix multiply (im2col), with the arguments of ``torch.nn.functional``.

Every output value of a convolution is a dot product between the kernel and one window of the
input. im2col ("image to columns") copies every window into a column of a *patch matrix*, so
that the whole layer becomes one (batched) matrix multiply, for each image:

    (O, C·kh·kw) @ (C·kh·kw, OH·OW) -> (O, OH·OW)

``torch.Tensor.unfold`` gives the windows as a view (nothing copied); ``reshape`` does the one
copy. The order of the patch matrix follows the input's memory format (NCHW or channels-last), so
that the copy reads memory in order and the multiply writes the output where it belongs. The
transposed convolution (:func:`conv_transpose2d`) is the same convolution on an input spread out
by the stride, with the kernel turned around. The other ways to compute a convolution are
:func:`cnnlab.conv2d_loops` (the definition) and :func:`cnnlab.conv2d_fft` (the convolution
theorem).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from cnnlab._checks import as_tensor, check_choice, check_int, check_tuple
from cnnlab.ops.args import parse_conv
from cnnlab.ops.padding import PADDING_MODES, pad
from cnnlab.ops.shapes import conv_transpose_output_size


def _is_channels_last(x):
    """True when `x` (N, C, *spatial) is stored channel-innermost (NHWC), as torch.channels_last."""
    return x.ndim > 3 and x.shape[1] > 1 and x.stride(1) == 1 and not x.is_contiguous()


def im2col_conv(x, weight, bias, stride, dilation, groups):
    """Convolve an already padded `x` (N, C, *spatial) with `weight` by im2col.

    The patch matrix is laid out to match the input's memory format, so that building it reads
    memory in order and the matrix product writes the output in its final place (no copy after):

    - NCHW: one matrix per image, (C·kh·kw, OH·OW); its rows are shifted copies of whole image
      rows. ``weight @ patches`` is (O, OH·OW): already NCHW.
    - NHWC: one matrix for the batch, (N·OH·OW, kh·kw·C); each row is one window, read as runs of
      C contiguous channels. ``patches @ weight.T`` is (N·OH·OW, O): already NHWC, returned as an
      (N, O, OH, OW) tensor in channels-last memory, as torch does.
    """
    N, C = x.shape[:2]
    O, kernel = weight.shape[0], weight.shape[2:]
    nd, g = len(kernel), groups
    windows = x  # (N, C, *out_size, *kernel): a view of x, nothing is copied yet
    for dim, (k, s, d) in enumerate(zip(kernel, stride, dilation), start=2):
        windows = windows.unfold(dim, d * (k - 1) + 1, s)
    windows = windows[(..., *(slice(None, None, d) for d in dilation))]
    out_size = windows.shape[2 : 2 + nd]
    windows = windows.unflatten(1, (g, C // g))  # (N, g, C/g, *out_size, *kernel)
    out_dims, kernel_dims = range(3, 3 + nd), range(3 + nd, 3 + 2 * nd)
    if not _is_channels_last(x):
        # (N·g, C/g·kh·kw, OH·OW): rows are shifted image rows; the reshape is the one copy
        patches = windows.permute(0, 1, 2, *kernel_dims, *out_dims).reshape(N * g, -1, math.prod(out_size))
        w = weight.reshape(1, g, O // g, -1).expand(N, -1, -1, -1).reshape(N * g, O // g, -1)
        if bias is None:
            y = torch.bmm(w, patches)
        else:
            b = bias.view(1, g, O // g, 1).expand(N, -1, -1, -1).reshape(N * g, O // g, 1)
            y = torch.baddbmm(b, w, patches)
        return y.view(N, O, *out_size)  # (N·g, O/g, OH·OW) is (N, O, OH, OW): nothing to copy
    patches = windows.permute(1, 0, *out_dims, *kernel_dims, 2).reshape(g, -1, (C // g) * math.prod(kernel))
    w = weight.movedim(1, -1).reshape(g, O // g, -1).transpose(1, 2)  # (g, kh·kw·C/g, O/g)
    y = torch.bmm(patches, w) if bias is None else torch.baddbmm(bias.view(g, 1, O // g), patches, w)
    y = y.transpose(0, 1).contiguous().view(N, *out_size, O)  # copies only when groups > 1
    return y.movedim(-1, 1)  # (N, O, *out_size), channels-last memory


def _conv(nd, input, weight, bias, stride, padding, dilation, groups, padding_mode):
    a = parse_conv(input, weight, bias, stride, padding, dilation, groups, padding_mode, nd=nd)
    return a.finish(im2col_conv(pad(a.x, a.pads, a.padding_mode), a.weight, a.bias, a.stride,
                                a.dilation, a.groups))


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """2-D convolution (cross-correlation, as in PyTorch) by im2col and one matrix multiply.

    Parameters
    ----------
    input : Tensor or ndarray, shape (N, C, H, W) or (C, H, W)
        On any device; a NumPy array gives a NumPy array back.
    weight : Tensor or ndarray, shape (O, C / groups, kh, kw)
        Same dtype and device as `input`.
    bias : Tensor or ndarray, shape (O,), optional
    stride, dilation : int or pair of ints, each >= 1
    padding : int, pair of ints, 'valid' or 'same'
        Zeros (or `padding_mode`) on each side; 'same' keeps the size and needs stride 1.
    groups : int
        Split the channels into `groups` independent convolutions; must divide C and O.
    padding_mode : {'zeros', 'reflect', 'replicate', 'circular'}
        What the padding is filled with, as in ``torch.nn.Conv2d``.

    Returns
    -------
    Tensor or ndarray, shape (N, O, OH, OW)
        Same type, dtype and device as `input`; differentiable with autograd. The size is
        :func:`cnnlab.conv_output_size`.

    Raises
    ------
    ValueError
        Wrong number of dimensions, a stride or dilation < 1, `groups` that does not divide the
        channels, a kernel larger than the padded input, 'same' with stride > 1, an unknown
        `padding_mode`, or `weight` on another device.
    TypeError
        `weight` or `bias` of another dtype than `input`, or an integer `input`.

    Examples
    --------
    >>> x = torch.arange(16.0).view(1, 1, 4, 4)
    >>> conv2d(x, torch.ones(1, 1, 3, 3))
    tensor([[[[45., 54.],
              [81., 90.]]]])
    >>> conv2d(x, torch.ones(1, 1, 3, 3), padding="same").shape
    torch.Size([1, 1, 4, 4])
    >>> import numpy as np
    >>> conv2d(np.ones((1, 2, 3, 3)), np.ones((4, 1, 3, 3)), groups=2)[0, :, 0, 0]
    array([9., 9., 9., 9.])
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups, padding_mode)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """1-D convolution by im2col: :func:`conv2d` for inputs (N, C, L) and weights (O, C / groups, k).

    Examples
    --------
    >>> x = torch.arange(5.0).view(1, 1, 5)
    >>> conv1d(x, torch.tensor([[[1.0, 0.0, -1.0]]]))
    tensor([[[-2., -2., -2.]]])
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups, padding_mode)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """3-D convolution by im2col: :func:`conv2d` for inputs (N, C, D, H, W) and weights (O, C / g, kd, kh, kw).

    Examples
    --------
    >>> conv3d(torch.ones(1, 1, 3, 3, 3), torch.ones(1, 1, 2, 2, 2)).shape
    torch.Size([1, 1, 2, 2, 2])
    """
    return _conv(3, input, weight, bias, stride, padding, dilation, groups, padding_mode)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution, as ``F.conv_transpose2d`` (same arguments, in the same order).

    Each input pixel stamps the kernel, scaled by its value, onto the output, `stride` pixels apart.
    Computed as an ordinary convolution: spread the input out by inserting ``stride - 1`` zeros
    between its pixels, pad it by ``d(k - 1) - padding`` on each side (``output_padding`` more
    after), and correlate with the kernel turned by 180° and its in/out channels swapped. It is
    the gradient of :func:`conv2d` with respect to its input (chapter "Training a CNN").

    Parameters
    ----------
    input : Tensor, shape (N, C, H, W) or (C, H, W)
    weight : Tensor, shape (C, O / groups, kh, kw)
        Note the order: input channels first, as in ``nn.ConvTranspose2d``.
    bias : Tensor, shape (O,), optional
    stride, padding, output_padding, dilation : int or pair of ints
        `padding` removes ``padding`` rows/columns from each side of the result; `output_padding`
        (smaller than `stride` or `dilation`) adds to one side.
    groups : int

    Returns
    -------
    Tensor, shape (N, O, OH, OW)
        OH, OW from :func:`cnnlab.conv_transpose_output_size`.

    Examples
    --------
    >>> x = torch.tensor([[[[1.0, 2.0]]]])
    >>> conv_transpose2d(x, torch.ones(1, 1, 1, 3), stride=2)
    tensor([[[[1., 1., 3., 2., 2.]]]])
    """
    x, w = as_tensor("input", input), as_tensor("weight", weight)
    if x.ndim not in (3, 4) or w.ndim != 4:
        raise ValueError(f"`input` must have shape (N, C, H, W) or (C, H, W) and `weight` (C, O/groups, kh, kw), "
                         f"got {tuple(x.shape)} and {tuple(w.shape)}")
    unbatched = x.ndim == 3
    x = x.unsqueeze(0) if unbatched else x
    groups = check_int("groups", groups, minimum=1)
    C, Og = w.shape[:2]
    if x.shape[1] != C or C % groups:
        raise ValueError(f"`weight` must have the input's {x.shape[1]} channels in dim 0, divisible by "
                         f"`groups`={groups}, got shape {tuple(w.shape)}")
    stride, dilation = check_tuple("stride", stride, 2, minimum=1), check_tuple("dilation", dilation, 2, minimum=1)
    padding = check_tuple("padding", padding, 2, minimum=0)
    output_padding = check_tuple("output_padding", output_padding, 2, minimum=0)
    out_size = conv_transpose_output_size(tuple(x.shape[2:]), tuple(w.shape[2:]), stride, padding,
                                          output_padding, dilation)  # checks output_padding < stride
    N, _, H, W = x.shape
    spread = x.new_zeros(N, C, (H - 1) * stride[0] + 1, (W - 1) * stride[1] + 1)
    spread[:, :, :: stride[0], :: stride[1]] = x
    full = [d * (k - 1) for k, d in zip(w.shape[2:], dilation)]  # the 'full' padding
    before = [f - p for f, p in zip(full, padding)]
    pads = [(max(b, 0), max(b + op, 0)) for b, op in zip(before, output_padding)]
    crop = [max(-b, 0) for b in before]                          # padding beyond 'full' crops instead
    spread = pad(spread, pads)[:, :, crop[0]:, crop[1]:]
    # (C, O/g, kh, kw) -> (O, C/g, kh, kw), turned by 180°
    turned = w.reshape(groups, C // groups, Og, *w.shape[2:]).transpose(1, 2)
    turned = turned.reshape(groups * Og, C // groups, *w.shape[2:]).flip(-2, -1)
    out = im2col_conv(spread, turned, None if bias is None else as_tensor("bias", bias), (1, 1), dilation, groups)
    out = out[:, :, : out_size[0], : out_size[1]]
    return out.squeeze(0) if unbatched else out


class Conv2d(nn.Module):
    """A 2-D convolution layer built on :func:`cnnlab.conv2d`, a drop-in for ``nn.Conv2d``.

    Same constructor, parameters and initialisation as ``torch.nn.Conv2d`` (Kaiming-uniform with
    ``a=sqrt(5)``, bias uniform in ``±1/sqrt(fan_in)``), so the same seed gives the same layer.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> ours = Conv2d(3, 8, 3, padding=1)
    >>> _ = torch.manual_seed(0)
    >>> theirs = nn.Conv2d(3, 8, 3, padding=1)
    >>> x = torch.randn(2, 3, 5, 5)
    >>> torch.allclose(ours(x), theirs(x), atol=1e-6)
    True
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        groups = check_int("groups", groups, minimum=1)
        in_channels = check_int("in_channels", in_channels, minimum=1)
        out_channels = check_int("out_channels", out_channels, minimum=1)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"`groups` must divide in_channels={in_channels} and out_channels={out_channels}, "
                             f"got groups={groups}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = check_tuple("kernel_size", kernel_size, 2, minimum=1)
        self.stride = check_tuple("stride", stride, 2, minimum=1)
        self.dilation = check_tuple("dilation", dilation, 2, minimum=1)
        self.padding = padding if isinstance(padding, str) else check_tuple("padding", padding, 2, minimum=0)
        self.padding_mode = check_choice("padding_mode", padding_mode, PADDING_MODES)
        factory = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, *self.kernel_size, **factory))
        self.bias = nn.Parameter(torch.empty(out_channels, **factory)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        """Draw the parameters exactly as ``nn.Conv2d.reset_parameters`` does."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight[0].numel()  # C/groups · kh · kw
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        """Convolve `x`, shape (N, C, H, W), with this layer's weight and bias."""
        return conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups, self.padding_mode)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
                f"groups={self.groups}, bias={self.bias is not None}, padding_mode={self.padding_mode!r}")
