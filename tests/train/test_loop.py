"""cnnlab.train.loop: fit learns, repeats with a seed, continues epoch by epoch and leaves no trace."""

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from cnnlab.data.augment.geometry import random_flip_left_right
from cnnlab.data.augment.pipeline import AugmentedDataset
from cnnlab.nets.deep import ResNet
from cnnlab.train.evaluate import evaluate
from cnnlab.train.loop import History, fit, fit_seeds


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


def test_fit_leaves_the_global_generator_and_the_mode_as_they_were():
    x, y = _blobs(64)
    net = nn.Sequential(nn.Linear(2, 16), nn.Dropout(0.5), nn.Linear(16, 3)).eval()
    state = torch.get_rng_state()
    fit(net, (x, y), (x, y), epochs=2, progress=False)
    assert torch.equal(torch.get_rng_state(), state)
    assert not net.training and not net[1].training


def test_fit_trains_where_the_model_is_unless_told(device):
    net = _net().to(device)
    fit(net, _blobs(32), epochs=1, progress=False)
    assert next(net.parameters()).device.type == device.type
    fit(net, _blobs(32), epochs=1, progress=False, device="cpu")
    assert next(net.parameters()).device.type == "cpu"


def test_the_validation_loss_is_the_training_loss_function():
    x, y = _blobs(48)
    smooth = nn.CrossEntropyLoss(label_smoothing=0.4)
    net = _net()
    history = fit(net, (x, y), (x, y), epochs=1, progress=False, loss_fn=smooth)
    assert history.val_loss[0] == pytest.approx(evaluate(net, (x, y), loss_fn=smooth)[0])
    assert history.val_loss[0] != pytest.approx(evaluate(net, (x, y))[0])


def test_one_epoch_at_a_time_equals_one_run():
    """fit(epochs=3) is three calls of fit(epochs=1) with first_epoch 0, 1, 2 and the same optimizer."""
    x, y = _blobs(96)
    net_a, net_b = _net(), _net()
    whole = fit(net_a, (x, y), epochs=3, optimizer=torch.optim.SGD(net_a.parameters(), lr=0.1, momentum=0.9),
                progress=False, seed=2)
    opt_b = torch.optim.SGD(net_b.parameters(), lr=0.1, momentum=0.9)
    parts = [fit(net_b, (x, y), epochs=1, first_epoch=e, optimizer=opt_b, progress=False, seed=2).train_loss[0]
             for e in range(3)]
    assert parts == whole.train_loss
    torch.testing.assert_close(net_a[0].weight, net_b[0].weight)


def test_fit_tells_an_augmented_dataset_each_epoch_so_every_epoch_draws_anew():
    """The recipe of AugmentedDataset: epoch after epoch, with first_epoch, a new draw each time."""
    class Recording(AugmentedDataset):
        def set_epoch(self, epoch):
            super().set_epoch(epoch)
            self.seen = getattr(self, "seen", []) + [(epoch, self[0][0].clone())]

    x = torch.rand(16, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    data = Recording((x, torch.zeros(16, dtype=torch.long)), random_flip_left_right, seed=0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    fit(net, data, epochs=3, progress=False)
    for epoch in range(3, 6):
        fit(net, data, epochs=1, first_epoch=epoch, progress=False)
    assert [e for e, _ in data.seen] == [0, 1, 2, 3, 4, 5]
    images = [img for _, img in data.seen]
    assert any(not torch.equal(images[0], img) for img in images[1:])  # flips differ between epochs
    assert {torch.equal(img, x[0]) or torch.equal(img, x[0].flip(-1)) for img in images} == {True}


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


def test_fit_decreases_loss_and_repeats_with_a_seed():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(96, 1, 8, 8, generator=gen)
    y = (x[:, 0, :4].mean(dim=(1, 2)) > x[:, 0, 4:].mean(dim=(1, 2))).long()  # top vs bottom

    def run():
        torch.manual_seed(0)
        model = ResNet(1, 2, depth=8, width=4)
        return fit(model, (x, y), epochs=6, lr=1e-2, batch_size=32, device="cpu", seed=1, progress=False)

    first, second = run(), run()
    assert first.train_loss[-1] < 0.8 * first.train_loss[0]
    assert first.train_loss == second.train_loss


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


def test_fit_seeds_repeats_runs_and_differs_between_seeds():
    from functools import partial

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
    state = torch.get_rng_state()
    fit_seeds(make, (x, y), seeds=[5], epochs=1)
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is left alone


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
    with pytest.raises(error, match=match):
        fit_seeds(*args, _blobs(10), epochs=1, device="cpu", **kwargs)

