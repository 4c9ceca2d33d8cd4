"""cnnlab.train.transfer: freeze and unfreeze by name and by depth, swap the head, one lr per group."""

import pytest
import torch
from torch import nn

from cnnlab.nets.classifiers import DigitsCNN
from cnnlab.train.loop import fit
from cnnlab.train.transfer import count_trainable, freeze, param_groups, replace_head, selected, trainable, unfreeze


def _net():
    torch.manual_seed(0)
    return DigitsCNN(1, 4, channels=(3, 5), hidden=6, batch_norm=False, image_size=8)


CONV1, CONV2 = ["features.0.weight", "features.0.bias"], ["features.3.weight", "features.3.bias"]
DENSE, HEAD = ["classifier.2.weight", "classifier.2.bias"], ["classifier.5.weight", "classifier.5.bias"]


def test_selected_by_name_and_by_depth():
    net = _net()
    assert selected(net) == CONV1 + CONV2 + DENSE + HEAD
    assert selected(net, "features") == CONV1 + CONV2
    assert selected(net, ["features.3", "classifier.5"]) == CONV2 + HEAD
    assert selected(net, "classifier.5.bias") == ["classifier.5.bias"]
    assert selected(net, "") == selected(net)
    for k, expected in enumerate([[], CONV1, CONV1 + CONV2, CONV1 + CONV2 + DENSE, selected(net)]):
        assert selected(net, up_to=k) == expected
    assert selected(net, up_to="features.3") == CONV1 + CONV2 == selected(net, up_to="features")
    assert selected(net, up_to="features.1") == CONV1  # a ReLU: everything before it


def test_freeze_and_unfreeze_set_requires_grad():
    net = freeze(_net(), up_to=2)
    assert trainable(net) == DENSE + HEAD
    assert all(not p.requires_grad for p in net.features.parameters())
    assert trainable(unfreeze(net, "features.3")) == CONV2 + DENSE + HEAD
    assert trainable(freeze(net)) == []
    assert trainable(unfreeze(net)) == selected(net)
    total = sum(p.numel() for p in net.parameters())
    assert count_trainable(freeze(net, "classifier")) == (sum(p.numel() for p in net.features.parameters()), total)


def test_frozen_weights_do_not_move_in_training_and_the_rest_does():
    net = freeze(_net(), up_to=2)
    before = {name: p.detach().clone() for name, p in net.named_parameters()}
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(32, 1, 8, 8, generator=g), torch.randint(0, 4, (32,), generator=g)
    fit(net, (x, y), epochs=2, lr=0.05, weight_decay=0.1, progress=False)
    for name, p in net.named_parameters():
        moved = not torch.equal(p, before[name])
        assert moved == (name in DENSE + HEAD), name


def test_replace_head_swaps_the_last_linear_layer():
    net = freeze(_net())
    old = net.classifier[5]
    replace_head(net, 7, seed=3)
    new = net.classifier[5]
    assert new is not old and (new.in_features, new.out_features) == (6, 7)
    assert trainable(net) == HEAD  # the new layer trains, the frozen body stays frozen
    assert net(torch.zeros(2, 1, 8, 8)).shape == (2, 7)
    again = replace_head(_net(), 7, seed=3).classifier[5]
    torch.testing.assert_close(new.weight, again.weight)  # seeded
    assert not torch.equal(new.weight, replace_head(_net(), 7, seed=4).classifier[5].weight)
    state = torch.random.get_rng_state()
    replace_head(_net(), 7, seed=5)
    assert torch.equal(state, torch.random.get_rng_state())  # the global generator is untouched


def test_replace_head_by_name_keeps_dtype_and_bias():
    net = nn.Sequential(nn.Linear(4, 3, bias=False, dtype=torch.float64), nn.ReLU(), nn.Linear(3, 2))
    replace_head(net, 5, name="0")
    assert net[0].bias is None and net[0].weight.dtype == torch.float64 and net[0].out_features == 5


def test_param_groups_give_each_part_its_learning_rate():
    net = freeze(_net(), up_to=1)
    groups = param_groups(net, {"": 1e-4, "classifier": 1e-2})
    assert [(g["name"], g["lr"]) for g in groups] == [("", 1e-4), ("classifier", 1e-2)]
    names = {id(p): n for n, p in net.named_parameters()}
    assert [names[id(p)] for p in groups[0]["params"]] == CONV2  # frozen conv1 left out
    assert [names[id(p)] for p in groups[1]["params"]] == DENSE + HEAD  # the longest name wins
    optimizer = torch.optim.SGD(groups, lr=1.0)
    assert [g["lr"] for g in optimizer.param_groups] == [1e-4, 1e-2]
    rest = param_groups(net, {"classifier.5": 0.1}, default=0.01)
    assert [(g["name"], len(g["params"])) for g in rest] == [("classifier.5", 2), ("default", 4)]


def test_param_groups_lrs_scale_the_steps():
    net = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 1))
    before = [p.detach().clone() for p in net.parameters()]
    optimizer = torch.optim.SGD(param_groups(net, {"0": 0.0, "1": 0.1}))
    net(torch.ones(4, 3)).sum().backward()
    optimizer.step()
    moved = [not torch.equal(p, b) for p, b in zip(net.parameters(), before)]
    assert moved == [False, False, True, True]


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda net: selected(net, "nope"), ValueError, "`names`"),
        (lambda net: selected(net, 3), TypeError, "`names`"),
        (lambda net: selected(net, ["features", 0]), TypeError, "`names`"),
        (lambda net: selected(net, "features", up_to=1), TypeError, "`up_to`"),
        (lambda net: selected(net, up_to=5), ValueError, "`up_to`"),
        (lambda net: selected(net, up_to=-1), ValueError, "`up_to`"),
        (lambda net: selected(net, up_to=1.5), TypeError, "`up_to`"),
        (lambda net: selected(net, up_to="missing"), ValueError, "`up_to`"),
        (lambda net: selected(net, up_to="features.0.weight"), ValueError, "`up_to`"),
        (lambda net: freeze("net"), TypeError, "`model`"),
        (lambda net: unfreeze(net, "nope"), ValueError, "`names`"),
        (lambda net: trainable(None), TypeError, "`model`"),
        (lambda net: replace_head(net, 0), ValueError, "`num_classes`"),
        (lambda net: replace_head(net, 2.5), TypeError, "`num_classes`"),
        (lambda net: replace_head(net, 2, name="features.0"), TypeError, "`name`"),
        (lambda net: replace_head(net, 2, name="nope"), ValueError, "`name`"),
        (lambda net: replace_head(net, 2, name=5), TypeError, "`name`"),
        (lambda net: replace_head(nn.Sequential(nn.Conv2d(1, 2, 3)), 2), ValueError, "`model`"),
        (lambda net: replace_head(net, 2, seed=-1), ValueError, "`seed`"),
        (lambda net: param_groups(net, [("features", 0.1)]), TypeError, "`lrs`"),
        (lambda net: param_groups(net, {}), ValueError, "`lrs`"),
        (lambda net: param_groups(net, {"nope": 0.1}), ValueError, "`lrs`"),
        (lambda net: param_groups(net, {1: 0.1}), TypeError, "`lrs`"),
        (lambda net: param_groups(net, {"features": -0.1}), ValueError, "`lrs"),
        (lambda net: param_groups(net, {"features": 0.1}), ValueError, "`lrs`"),
        (lambda net: param_groups(net, {"features": 0.1}, default=-1.0), ValueError, "`default`"),
        (lambda net: param_groups(freeze(net), {"": 0.1}), ValueError, "`model`"),
    ],
)
def test_errors_name_the_argument(call, error, argument):
    with pytest.raises(error, match=argument):
        call(_net())
