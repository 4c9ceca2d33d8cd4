"""cnnlab.ops.args: the three convolutions refuse the same calls with the same messages."""

import pytest
import torch

from cnnlab.ops.args import parse_conv
from cnnlab.ops.conv import conv2d
from cnnlab.ops.fft import conv2d_fft
from cnnlab.ops.loops import conv2d_loops


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(stride=0), ValueError, r"`stride` must be an int >= 1, got 0"),
        (dict(dilation=-1), ValueError, r"`dilation` must be an int >= 1, got -1"),
        (dict(stride=1.5), TypeError, r"`stride` must be an int >= 1, got 1.5"),
        (dict(groups=4), ValueError, r"`groups` must divide in_channels=6 and out_channels=4, got groups=4"),
        (dict(padding="same", stride=2), ValueError, r"`padding='same'` needs stride 1.*cnnlab.same_padding"),
        (dict(padding="half"), ValueError, r"`padding` must be 'valid', 'same'.*got 'half'"),
        (dict(padding=-1), ValueError, r"`padding` must be an int >= 0, got -1"),
        (dict(padding_mode="mirror"), ValueError, r"`padding_mode` must be one of 'zeros'.*got 'mirror'"),
        (dict(padding=5, padding_mode="reflect"), ValueError, r"padding_mode='reflect' must be < the input size 5"),
        (dict(dilation=3), ValueError, r"`kernel_size`=3 with `dilation`=3 \(effective size 7\) is larger than the padded input in dimension 0"),
    ],
)
def test_invalid_arguments_raise_naming_them(kwargs, error, match):
    x, w = torch.zeros(1, 6, 5, 5), torch.zeros(4, 6, 3, 3)
    for f in (conv2d, conv2d_fft, conv2d_loops):
        inputs = (x.numpy(), w.numpy()) if f is conv2d_loops else (x, w)
        with pytest.raises(error, match=match):
            f(*inputs, **kwargs)


def test_parse_conv_resolves_padding_and_sizes_once():
    args = parse_conv(torch.zeros(2, 4, 9, 7), torch.zeros(6, 2, 3, 2), None, stride=(2, 1), padding=(1, 0),
                      dilation=(1, 2), groups=2)
    assert args.pads == ((1, 1), (0, 0)) and args.out_size == (5, 5) and not args.unbatched and not args.numpy
    same = parse_conv(torch.zeros(3, 8, 8).numpy(), torch.zeros(1, 3, 4, 4).numpy(), padding="same")
    assert same.pads == ((1, 2), (1, 2)) and same.out_size == (8, 8) and same.unbatched and same.numpy
