"""cnnlab.train.adversarial: FGSM against the analytic gradient of a linear model, and its curves."""

import math

import pytest
import torch
from torch import nn

from cnnlab.train.adversarial import fgsm, fgsm_curve, gradient_sign, minimal_epsilon


def _linear(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 3)).double()


def _data(n=6, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 4, 4, generator=g, dtype=torch.float64), torch.randint(3, (n,), generator=g)


def test_gradient_sign_is_the_sign_of_the_analytic_cross_entropy_gradient():
    net, (x, y) = _linear(), _data()
    w, b = net[1].weight.detach(), net[1].bias.detach()
    p = (x.flatten(1) @ w.T + b).softmax(1)
    analytic = (p - nn.functional.one_hot(y, 3).double()) @ w  # d loss / d x, per image
    torch.testing.assert_close(gradient_sign(net, x, y).flatten(1), analytic.sign())


@pytest.mark.parametrize("epsilon", [0.0, 0.01, 0.2])
def test_fgsm_moves_each_pixel_by_epsilon_times_the_sign_then_clips(epsilon):
    net, (x, y) = _linear(), _data()
    x[0, 0, 0, :2] = torch.tensor([0.0, 1.0])  # pixels on the edges of the valid range
    sign = gradient_sign(net, x, y)
    adversarial = fgsm(net, x, y, epsilon)
    torch.testing.assert_close(adversarial, (x + epsilon * sign).clamp(0, 1))
    inside = ((x + epsilon * sign) >= 0) & ((x + epsilon * sign) <= 1)
    torch.testing.assert_close((adversarial - x)[inside], (epsilon * sign)[inside])
    assert adversarial.min() >= 0 and adversarial.max() <= 1
    unclipped = fgsm(net, x, y, epsilon, clip=None)
    torch.testing.assert_close(unclipped - x, epsilon * sign)
    assert not x.requires_grad and all(p.grad is None for p in net.parameters())


def test_fgsm_raises_the_loss_of_a_linear_model():
    net, (x, y) = _linear(), _data(50)
    loss = nn.functional.cross_entropy(net(x), y).item()
    worse = nn.functional.cross_entropy(net(fgsm(net, x, y, 0.05, clip=None)), y).item()
    assert worse > loss


def test_fgsm_curve_counts_accuracy_and_flips():
    net, (x, _) = _linear(), _data(40)
    net.train()
    with torch.no_grad():
        clean = net(x).argmax(1)
    curve = fgsm_curve(net, x, clean, [0.0, 0.05, 1.0], batch_size=7)
    assert curve.accuracy[0] == 1.0 and curve.flip_rate[0] == 0.0
    assert curve.accuracy[1] == pytest.approx(1 - curve.flip_rate[1])  # labels = clean predictions
    assert curve.flip_rate[2] > 0 and curve.epsilons == [0.0, 0.05, 1.0]
    with torch.no_grad():
        expected = (net(fgsm(net, x, clean, 0.05)).argmax(1) == clean).double().mean().item()
    assert curve.accuracy[1] == pytest.approx(expected)
    assert net.training


def test_minimal_epsilon_matches_the_threshold_of_a_one_pixel_model():
    net = nn.Sequential(nn.Flatten(), nn.Linear(1, 2))
    with torch.no_grad():
        net[1].weight.copy_(torch.tensor([[1.0], [-1.0]]))
        net[1].bias.zero_()
    x = torch.tensor([0.3, 0.05, 0.6, -0.2]).view(4, 1, 1, 1)  # class 0 while x > 0
    labels = torch.tensor([0, 0, 0, 0])
    found = minimal_epsilon(net, x, labels, high=0.5, steps=16, clip=None)
    assert found[0] == pytest.approx(0.3, abs=1e-4) and found[1] == pytest.approx(0.05, abs=1e-4)
    assert math.isinf(found[2])  # 0.6 needs more than `high`
    assert found[3] == 0.0  # already misclassified
    assert (found[:2] >= torch.tensor([0.3, 0.05])).all()  # the bound is from above


def test_errors_name_the_argument():
    net, (x, y) = _linear(), _data()
    with pytest.raises(ValueError, match="`epsilon`"):
        fgsm(net, x, y, -0.1)
    with pytest.raises(TypeError, match="`labels`"):
        fgsm(net, x, y.double(), 0.1)
    with pytest.raises(ValueError, match="`labels`"):
        fgsm(net, x, y[:3], 0.1)
    with pytest.raises(ValueError, match="`clip`"):
        fgsm(net, x, y, 0.1, clip=(1.0, 0.0))
    with pytest.raises(TypeError, match="`clip`"):
        fgsm(net, x, y, 0.1, clip=1.0)
    with pytest.raises(TypeError, match="`epsilons`"):
        fgsm_curve(net, x, y, 0.1)
    with pytest.raises(ValueError, match="`high`"):
        minimal_epsilon(net, x, y, high=0.0)
    with pytest.raises(TypeError, match="`model`"):
        fgsm(lambda t: t, x, y, 0.1)
