"""cnnlab.train.evaluate: evaluation, prediction and gradient norms, and the mode they leave."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from cnnlab.train.evaluate import evaluate, gradient_norms, predict
from cnnlab.train.metrics import confusion_matrix
from tests.train.test_loop import _blobs, _net


@pytest.mark.parametrize("wrap", ["tuple", "dataset", "loader"])
def test_data_forms_agree(wrap):
    x, y = _blobs(64)
    data = {"tuple": (x, y), "dataset": TensorDataset(x, y),
            "loader": DataLoader(TensorDataset(x, y), batch_size=64)}[wrap]
    net = _net()
    loss, acc = evaluate(net, data, device="cpu")
    ref = nn.functional.cross_entropy(net(x), y)
    assert loss == pytest.approx(ref.item(), rel=1e-5)
    assert acc == pytest.approx(float((net(x).argmax(1) == y).float().mean()))


def test_evaluate_weighs_batches_by_size():
    x, y = _blobs(70)
    net = _net()
    full, _ = evaluate(net, (x, y), batch_size=70)
    split, _ = evaluate(net, (x, y), batch_size=32)  # batches of 32, 32, 6
    assert split == pytest.approx(full, rel=1e-5)


def test_predict_and_confusion():
    x, y = _blobs(50)
    net = _net()
    pred = predict(net, x, batch_size=7)
    torch.testing.assert_close(pred, net(x).argmax(1))
    cm = confusion_matrix(y, pred, 3)
    assert cm.sum() == 50 and int(cm.trace()) == int((pred == y).sum())
    assert cm[0].sum() == int((y == 0).sum())


def test_gradient_norms_leave_grads_untouched():
    x, y = _blobs(20)
    net = _net()
    norms = gradient_norms(net, x, y)
    assert list(norms) == ["0.weight", "2.weight"] and all(v > 0 for v in norms.values())
    assert all(p.grad is None for p in net.parameters())


class Broken(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 3)

    def forward(self, x):
        raise RuntimeError("out of memory")


@pytest.mark.parametrize("call", [lambda m: evaluate(m, _blobs(8)), lambda m: predict(m, _blobs(8)[0])])
def test_the_mode_is_restored_when_the_model_raises(call):
    model = Broken().train()
    with pytest.raises(RuntimeError, match="out of memory"):
        call(model)
    assert model.training


def test_models_without_parameters_and_empty_data():
    x, y = _blobs(8)
    assert evaluate(nn.Linear(2, 3).requires_grad_(False), (x, y))[1] >= 0  # no trainable parameters: fine
    assert evaluate(nn.Sequential(nn.Identity()), (torch.nn.functional.one_hot(y, 3).float(), y))[1] == 1.0
    with pytest.raises(ValueError, match="`data` holds no examples"):
        evaluate(_net(), (x[:0], y[:0]))
