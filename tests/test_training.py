import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from cnnlab.training import History, confusion_matrix, evaluate, fit, gradient_norms, predict


def _blobs(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centres = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    return centres[y] + 0.5 * torch.randn(n, 2, generator=g), y


def _net():
    torch.manual_seed(1)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))


def test_fit_learns_and_records(device):
    x, y = _blobs()
    history = fit(_net(), (x, y), (x, y), epochs=15, lr=0.05, device=device, progress=False,
                  record_grad_norms=True)
    assert isinstance(history, History) and history.epochs == 15
    assert history.train_loss[-1] < history.train_loss[0] / 3
    assert history.val_acc[-1] > 0.95
    assert set(history.grad_norms) == {"0.weight", "2.weight"}
    assert all(len(v) == 15 and min(v) > 0 for v in history.grad_norms.values())
    assert history.seconds > 0


def test_same_seed_same_run_whatever_ran_before():
    x, y = _blobs()
    a = fit(_net(), (x, y), epochs=3, progress=False, device="cpu", seed=3)
    torch.rand(100)  # disturb the global generator
    b = fit(_net(), (x, y), epochs=3, progress=False, device="cpu", seed=3)
    c = fit(_net(), (x, y), epochs=3, progress=False, device="cpu", seed=4)
    torch.testing.assert_close(torch.tensor(a.train_loss), torch.tensor(b.train_loss))
    assert a.train_loss != c.train_loss


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


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "`epochs`"),
        ({"batch_size": 2.5}, TypeError, "`batch_size`"),
        ({"optimizer": "lbfgs"}, ValueError, "`optimizer`"),
        ({"optimizer": 3}, TypeError, "`optimizer`"),
        ({"lr": -1}, ValueError, "`lr`"),
    ],
)
def test_fit_rejects_bad_arguments(kwargs, error, match):
    x, y = _blobs(10)
    with pytest.raises(error, match=match):
        fit(_net(), (x, y), progress=False, device="cpu", **kwargs)


def test_fit_rejects_bad_data():
    with pytest.raises(TypeError, match="`train`"):
        fit(_net(), [1, 2, 3], progress=False, device="cpu")
    with pytest.raises(ValueError, match="`train`"):
        fit(_net(), (torch.zeros(3, 2), torch.zeros(4).long()), progress=False, device="cpu")


def test_confusion_rejects_out_of_range():
    with pytest.raises(ValueError, match="`y_pred`"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 5]), 3)


def test_fit_seeds_repeats_runs_and_differs_between_seeds():
    from functools import partial

    from cnnlab.training import fit_seeds

    x, y = _blobs(64)
    make = partial(nn.Linear, 2, 3)
    runs = fit_seeds(make, (x, y), (x, y), seeds=(3, 4), epochs=4, lr=0.05, device="cpu")
    assert [h.epochs for h in runs] == [4, 4] and all(len(h.val_acc) == 4 for h in runs)
    again = fit_seeds(make, (x, y), seeds=[3], epochs=4, lr=0.05, device="cpu")[0]
    assert again.train_loss == runs[0].train_loss  # same seed: same initial weights and shuffling
    assert runs[0].train_loss != runs[1].train_loss
    # the same as building the model after torch.manual_seed(seed) and calling fit(seed=seed)
    torch.manual_seed(4)
    direct = fit(make(), (x, y), (x, y), epochs=4, lr=0.05, device="cpu", seed=4, progress=False)
    assert direct.train_loss == runs[1].train_loss


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((3,), {}, TypeError, "`make_model`"),
        ((lambda: 3,), {}, TypeError, "`make_model`"),
        ((lambda: nn.Linear(2, 3),), {"seeds": ()}, ValueError, "`seeds`"),
        ((lambda: nn.Linear(2, 3),), {"seeds": (-1,)}, ValueError, "`seeds`"),
        ((lambda: nn.Linear(2, 3),), {"seeds": 3}, TypeError, "`seeds`"),
        ((lambda: nn.Linear(2, 3),), {"seed": 3}, TypeError, "`seed`"),
    ],
)
def test_fit_seeds_rejects_bad_arguments(args, kwargs, error, match):
    from cnnlab.training import fit_seeds

    with pytest.raises(error, match=match):
        fit_seeds(*args, _blobs(10), epochs=1, device="cpu", **kwargs)


def test_fit_tells_the_dataset_each_epoch():
    class Recording(TensorDataset):
        def __init__(self, *tensors):
            super().__init__(*tensors)
            self.epochs = []

        def set_epoch(self, epoch):
            self.epochs.append(epoch)

    x, y = _blobs(32)
    data = Recording(x, y)
    fit(_net(), data, epochs=3, progress=False, device="cpu")
    assert data.epochs == [0, 1, 2]
