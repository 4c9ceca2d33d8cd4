"""cnnlab.train.dynamics: statistics through depth against hand-computed ones, optimiser paths."""

from functools import partial

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from cnnlab.train.dynamics import DepthStatistics, depth_statistics, optimizer_path

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def two_layer_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Tanh(), nn.Flatten(),
                         nn.Linear(3 * 4 * 4, 5)).double()


def test_statistics_equal_the_ones_computed_by_hand():
    net, x = two_layer_net(), torch.randn(6, 2, 4, 4, dtype=torch.float64)
    stats = depth_statistics(net, x, seed=3)
    assert isinstance(stats, DepthStatistics) and stats.names == ["0", "3"] and len(stats) == 2
    # by hand: the same forward pass, and the gradients of the two layers' outputs
    conv_out = net[0](x)
    conv_out.retain_grad()
    out = net[3](net[1:3](conv_out))
    out.retain_grad()
    g = torch.randn(out.shape, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    ((out * g).sum() / 6).backward()
    assert_close(stats.activation_std[0], float(conv_out.detach().std()))
    assert_close(stats.gradient_std[0], float(conv_out.grad.std()))
    assert_close(stats.gradient_std[1], float(out.grad.std()))                       # = std(g) / 6
    assert_close(stats.gradient_std[1], float(g.std()) / 6)


def test_with_labels_the_gradient_is_that_of_the_loss_and_model_state_is_kept():
    net = nn.Sequential(nn.Linear(4, 3)).double()
    x, y = torch.randn(5, 4, dtype=torch.float64), torch.tensor([0, 1, 2, 0, 1])
    net.eval()
    net[0].weight.grad = torch.ones_like(net[0].weight)
    stats = depth_statistics(net, x, y)
    out = net(x).detach().requires_grad_()
    nn.functional.cross_entropy(out, y).backward()
    assert_close(stats.gradient_std[0], float(out.grad.std()))
    assert not net.training                                        # mode restored
    assert torch.equal(net[0].weight.grad, torch.ones_like(net[0].weight))   # grads restored
    assert not net._forward_hooks and not net[0]._forward_hooks             # hooks removed


def test_vanishing_and_exploding_signals_through_depth():
    torch.manual_seed(0)
    widths, x = 64, torch.randn(512, 64)

    def stack(scale):
        layers = []
        for _ in range(12):
            linear = nn.Linear(widths, widths, bias=False)
            nn.init.normal_(linear.weight, std=scale / widths ** 0.5)
            layers += [linear, nn.ReLU()]
        return nn.Sequential(*layers)

    small, he, large = (depth_statistics(stack(s), x) for s in (0.5, 2 ** 0.5, 3.0))
    assert small.activation_std[-1] < 1e-3 * small.activation_std[0]
    assert 0.3 < he.activation_std[-1] / he.activation_std[0] < 3
    assert large.activation_std[-1] > 1e3 * large.activation_std[0]
    assert small.gradient_std[0] < 1e-3 * small.gradient_std[-1]       # vanishing backward too


def test_depth_statistics_rejects_bad_arguments():
    with pytest.raises(TypeError, match=r"`model` must be an nn.Module, got int"):
        depth_statistics(3, torch.zeros(1, 2))
    with pytest.raises(TypeError, match=r"`x` must be a torch.Tensor, got list"):
        depth_statistics(nn.Linear(2, 2), [[0.0, 1.0]])
    with pytest.raises(TypeError, match=r"`loss_fn` must be callable"):
        depth_statistics(nn.Linear(2, 2), torch.zeros(1, 2), torch.zeros(1, dtype=torch.long), loss_fn=1)
    with pytest.raises(ValueError, match=r"no module of `layer_types` \(Conv2d, Linear\) ran"):
        depth_statistics(nn.Sequential(nn.ReLU()), torch.zeros(1, 2))


def test_sgd_path_follows_the_update_rule_by_hand():
    a = torch.tensor([1.0, 10.0], dtype=torch.float64)
    bowl = lambda p: (a * p ** 2).sum() / 2                 # noqa: E731  gradient a * p
    path = optimizer_path(bowl, [1.0, 1.0], partial(torch.optim.SGD, lr=0.05), steps=5)
    expected = torch.stack([(1 - 0.05 * a) ** k for k in range(6)])
    assert path.shape == (6, 2) and path.dtype == torch.float64
    assert_close(path, expected)
    # momentum: v <- mu v + g, p <- p - lr v
    path = optimizer_path(bowl, [1.0, 1.0], partial(torch.optim.SGD, lr=0.05, momentum=0.9), steps=4)
    p, v, points = torch.ones(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64), []
    for _ in range(4):
        points.append(p.clone())
        v = 0.9 * v + a * p
        p = p - 0.05 * v
    assert_close(path, torch.stack([*points, p]))


def test_adam_first_step_has_the_size_of_the_learning_rate_and_divergence_stops():
    bowl = lambda p: (torch.tensor([1.0, 100.0], dtype=torch.float64) * p ** 2).sum()  # noqa: E731
    path = optimizer_path(bowl, [1.0, 1.0], partial(torch.optim.Adam, lr=0.1), steps=1)
    assert_close(path[1], torch.tensor([0.9, 0.9], dtype=torch.float64), atol=1e-6, rtol=0)
    diverged = optimizer_path(bowl, [1.0, 1.0], partial(torch.optim.SGD, lr=0.1), steps=50, limit=1e8)
    assert 2 < len(diverged) < 51 and float(bowl(diverged[-2])) <= 1e8 < float(bowl(diverged[-1]))
    assert len(optimizer_path(bowl, [0.0, 0.0], partial(torch.optim.SGD, lr=0.1), steps=0)) == 1


def test_optimizer_path_rejects_bad_arguments():
    bowl = lambda p: (p ** 2).sum()  # noqa: E731
    with pytest.raises(TypeError, match=r"`loss` must be callable"):
        optimizer_path(1, [0.0, 0.0], partial(torch.optim.SGD, lr=0.1))
    with pytest.raises(TypeError, match=r"`optimizer` must return a torch.optim.Optimizer, got list"):
        optimizer_path(bowl, [0.0, 0.0], lambda params: params)
    with pytest.raises(ValueError, match=r"`steps` must be an int >= 0, got -1"):
        optimizer_path(bowl, [0.0, 0.0], partial(torch.optim.SGD, lr=0.1), steps=-1)
    with pytest.raises(ValueError, match=r"`limit` must be a finite number > 0, got 0.0"):
        optimizer_path(bowl, [0.0, 0.0], partial(torch.optim.SGD, lr=0.1), limit=0)
