"""cnnlab.nets.mlp: layers, parameter counts against the formula, dropout, dtype, errors."""

import pytest
import torch
from torch import nn

from cnnlab.cost.counting import dense_params
from cnnlab.nets.mlp import MLP


@pytest.mark.parametrize("hidden, widths", [(32, (32,)), ((64, 16), (64, 16)), ((), ())])
def test_parameter_count_is_the_sum_of_the_dense_layers(hidden, widths):
    net = MLP(784, 10, hidden=hidden)
    sizes = (784, *widths, 10)
    expected = sum(dense_params(a, b) for a, b in zip(sizes, sizes[1:]))
    assert sum(p.numel() for p in net.parameters()) == expected
    assert [m.out_features for m in net if isinstance(m, nn.Linear)] == [*widths, 10]
    assert net(torch.rand(3, 1, 28, 28)).shape == (3, 10)


def test_linear_model_without_hidden_layers_is_affine():
    torch.manual_seed(0)
    net = MLP(6, 3, hidden=())
    x, z = torch.randn(4, 6), torch.randn(4, 6)
    torch.testing.assert_close(net(x + z) - net(z), net(x) - net(torch.zeros(1, 6)).expand(4, 3))


def test_dropout_only_in_training_and_only_when_asked():
    assert not any(isinstance(m, nn.Dropout) for m in MLP(8, 2, hidden=4))
    torch.manual_seed(0)
    net = MLP(8, 2, hidden=(16, 16), dropout=0.5)
    assert sum(isinstance(m, nn.Dropout) for m in net) == 3
    x = torch.rand(5, 8)
    net.eval()
    assert torch.equal(net(x), net(x))
    net.train()
    assert not torch.equal(net(x), net(x))


def test_dtype_and_device(device):
    net = MLP(12, 4, hidden=8, device=device, dtype=torch.float64)
    assert all(p.dtype == torch.float64 and p.device.type == device.type for p in net.parameters())
    assert net(torch.zeros(2, 3, 2, 2, device=device, dtype=torch.float64)).shape == (2, 4)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(in_features=0), ValueError, "`in_features`"),
    (dict(in_features=4.0), TypeError, "`in_features`"),
    (dict(num_classes=0), ValueError, "`num_classes`"),
    (dict(hidden=(8, 0)), ValueError, "`hidden`"),
    (dict(hidden="8"), TypeError, "`hidden`"),
    (dict(dropout=1.0), ValueError, "`dropout`"),
    (dict(dropout=-0.1), ValueError, "`dropout`"),
])
def test_bad_arguments(kwargs, error, words):
    args = {"in_features": 4, **kwargs}
    with pytest.raises(error, match=words):
        MLP(args.pop("in_features"), **args)
