"""cnnlab.nets.classifiers: shapes, parameter counts against the formulas, devices, errors."""

import pytest
import torch
from torch import nn

from cnnlab.cost.counting import conv_params, dense_params
from cnnlab.cost.summary import summary
from cnnlab.nets.classifiers import DigitsCNN, LeNet5, MobileNetTiny, SmallVGG


def numel(module):
    return sum(p.numel() for p in module.parameters())


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


def test_digits_cnn_on_28x28_images_halves_twice_to_7x7():
    model = DigitsCNN(channels=(8, 16), hidden=64, dropout=0.0, image_size=28)
    shapes = [row.output_shape for row in summary(model, (1, 1, 28, 28)) if row.type == "MaxPool2d"]
    assert shapes == [(1, 8, 14, 14), (1, 16, 7, 7)]
    assert numel(model) == (conv_params(1, 8, 3, bias=False) + conv_params(8, 16, 3, bias=False)
                            + 2 * (8 + 16) + dense_params(16 * 7 * 7, 64) + dense_params(64, 10))
    assert not any(isinstance(m, nn.Dropout) and m.p > 0 for m in model.modules())


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


@pytest.mark.parametrize("make, channels, size", [
    (lambda c: SmallVGG(c, widths=(4, 8, 8)), 1, 8), (lambda c: SmallVGG(c, widths=(4, 8, 8)), 3, 32),
    (lambda c: MobileNetTiny(c, width=4), 1, 8), (lambda c: MobileNetTiny(c, width=4), 3, 32),
    (lambda c: DigitsCNN(c, image_size=32, channels=(4, 8), hidden=8), 3, 32),
])
def test_small_models_give_class_scores(make, channels, size):
    model = make(channels)
    assert model(torch.randn(2, channels, size, size)).shape == (2, 10)


@pytest.mark.parametrize("activation, image_size", [("tanh", 32), ("relu", 28)])
def test_lenet5(activation, image_size):
    net = LeNet5(3, 7, activation=activation, image_size=image_size)
    assert net(torch.randn(2, 3, image_size, image_size)).shape == (2, 7)
    # C1 456·(3/1) ... by formula: convs 6(75+1), 16(150+1), 120(400+1); dense 120·84+84, 84·7+7
    assert numel(net) == 6 * 76 + 16 * 151 + 120 * 401 + 120 * 84 + 84 + 84 * 7 + 7
    acts = nn.Tanh if activation == "tanh" else nn.ReLU
    assert sum(isinstance(m, acts) for m in net.modules()) == 4


def test_every_classifier_takes_in_channels_then_num_classes():
    for cls, size in ((DigitsCNN, 8), (LeNet5, 32), (SmallVGG, 32), (MobileNetTiny, 32)):
        net = cls(2, 5) if cls is not DigitsCNN else cls(2, 5, image_size=8)
        assert net(torch.zeros(1, 2, size, size)).shape == (1, 5), cls.__name__
        with pytest.raises(TypeError, match="positional"):
            cls(2, 5, 3)  # everything after the two is keyword-only


@pytest.mark.parametrize("make, error, words", [
    (lambda: LeNet5(image_size=30), ValueError, "`image_size`"),
    (lambda: LeNet5(activation="sigmoid"), ValueError, "`activation`"),
    (lambda: SmallVGG(widths=()), ValueError, "`widths`"),
    (lambda: MobileNetTiny(num_classes=0), ValueError, "`num_classes`"),
    (lambda: DigitsCNN(dropout="0.1"), TypeError, "`dropout`"),
])
def test_bad_arguments(make, error, words):
    with pytest.raises(error, match=words):
        make()
