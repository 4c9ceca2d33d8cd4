"""Tests for cnnlab/models.py: shapes, parameter counts against the formulas, devices, errors."""

import pytest
import torch

from cnnlab.counting import conv_params, dense_params
from cnnlab.models import DigitsCNN
from cnnlab.summary import summary


@pytest.mark.parametrize("channels, hidden, batch_norm", [((32, 64), 128, True), ((8, 16), 32, False)])
def test_digits_cnn_shapes_and_parameter_count(channels, hidden, batch_norm):
    c1, c2 = channels
    model = DigitsCNN(channels=channels, hidden=hidden, batch_norm=batch_norm)
    assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 10)
    expected = (conv_params(1, c1, 3, bias=not batch_norm) + conv_params(c1, c2, 3, bias=not batch_norm)
                + (2 * (c1 + c2) if batch_norm else 0)
                + dense_params(c2 * 4, hidden) + dense_params(hidden, 10))
    assert sum(p.numel() for p in model.parameters()) == expected
    shapes = [row.output_shape for row in summary(model, (1, 1, 8, 8)) if row.type == "MaxPool2d"]
    assert shapes == [(1, c1, 4, 4), (1, c2, 2, 2)]  # height and width halve, channels grow


def test_digits_cnn_other_sizes_dtype_and_device(device):
    model = DigitsCNN(in_channels=3, num_classes=4, image_size=16, device=device, dtype=torch.float64)
    assert all(p.device.type == device.type and p.dtype == torch.float64 for p in model.parameters())
    out = model(torch.zeros(2, 3, 16, 16, device=device, dtype=torch.float64))
    assert out.shape == (2, 4) and out.dtype == torch.float64


def test_digits_cnn_dropout_only_in_training():
    torch.manual_seed(0)
    model = DigitsCNN(dropout=0.5, batch_norm=False)
    x = torch.rand(4, 1, 8, 8)
    model.eval()
    torch.testing.assert_close(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))


@pytest.mark.parametrize("kwargs, match", [
    ({"channels": (8,)}, "`channels`"),
    ({"channels": (8, 0)}, "`channels`"),
    ({"dropout": 1.0}, "`dropout`"),
    ({"dropout": True}, "`dropout`"),
    ({"image_size": 10}, "`image_size`"),
    ({"hidden": 0}, "`hidden`"),
])
def test_digits_cnn_rejects_bad_arguments(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        DigitsCNN(**kwargs)
