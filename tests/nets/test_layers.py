"""cnnlab.nets.layers: the pieces blocks are made of, with torchvision's conventions."""

import pytest
import torch
from torch import nn

from cnnlab.nets.layers import classifier_head, conv1x1, conv3x3, conv_bn_act, shortcut


def test_helpers_match_torchvision_conventions():
    c3, c1 = conv3x3(4, 8, stride=2), conv1x1(4, 8)
    assert (c3.kernel_size, c3.stride, c3.padding, c3.bias) == ((3, 3), (2, 2), (1, 1), None)
    assert (c1.kernel_size, c1.padding, c1.bias) == ((1, 1), (0, 0), None)
    with pytest.raises(TypeError, match="positional"):
        conv3x3(4, 8, 2)  # stride, groups and bias are keyword-only


def test_shortcut_is_identity_only_when_shapes_match():
    f = {"device": None, "dtype": None}
    assert isinstance(shortcut(4, 4, 1, True, f), nn.Identity)
    projection = shortcut(4, 8, 2, False, f)
    assert projection(torch.zeros(1, 4, 6, 6)).shape == (1, 8, 3, 3) and projection[0].bias is not None


def test_conv_bn_act_and_head():
    layers = conv_bn_act(3, 5, 3, 2, 1, True, nn.ReLU, {})
    assert [type(m) for m in layers] == [nn.Conv2d, nn.BatchNorm2d, nn.ReLU] and layers[0].padding == (1, 1)
    head = nn.Sequential(*classifier_head(5, 7, {}))
    assert head(torch.zeros(2, 5, 3, 4)).shape == (2, 7)
