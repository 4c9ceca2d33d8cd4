"""cnnlab.train.explain: each map against a case with a known answer (linear models, GAP heads)."""

import pytest
import torch
from torch import nn

from cnnlab.train.explain import (
    class_activation_map,
    grad_cam,
    input_gradient,
    occlusion,
    randomized_copy,
    rank_correlation,
    saliency,
)


def _linear(seed=0, channels=1, size=4, classes=3):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Flatten(), nn.Linear(channels * size * size, classes)).double()
    return net


def _gap_net(seed=0):
    """conv-ReLU features (4 maps of 5 × 5 on 7 × 7 inputs), global average pooling, linear head."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU()), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(4, 3)).double()


def _images(n=5, channels=1, size=4, seed=1):
    return torch.rand(n, channels, size, size, generator=torch.Generator().manual_seed(seed),
                      dtype=torch.float64)


@pytest.mark.parametrize("target", [0, 2])
def test_input_gradient_of_a_linear_model_is_its_weight_row(target):
    net, x = _linear(channels=2), _images(channels=2)
    gradient = input_gradient(net, x, targets=target)
    row = net[1].weight[target].detach().reshape(2, 4, 4)
    for g in gradient:  # the same row for every image: a linear model's saliency is a template
        torch.testing.assert_close(g, row)
    torch.testing.assert_close(saliency(net, x, targets=target)[0], row.abs().amax(dim=0))


def test_targets_default_to_the_prediction_and_can_differ_per_image():
    net, x = _linear(), _images()
    predicted = net(x).argmax(1)
    torch.testing.assert_close(input_gradient(net, x).flatten(1), net[1].weight[predicted].detach())
    chosen = torch.tensor([2, 0, 1, 1, 0])
    torch.testing.assert_close(input_gradient(net, x, chosen).flatten(1), net[1].weight[chosen].detach())


def test_occlusion_of_a_linear_model_is_weight_times_value():
    net, x = _linear(), _images()
    with torch.no_grad():
        net[1].weight[1, :5] = 0.0  # the model ignores the first five pixels for class 1
    drop = occlusion(net, x, targets=1, size=1, stride=1, value=0.0, batch_size=7)
    expected = net[1].weight[1].detach().reshape(4, 4) * x[:, 0]
    torch.testing.assert_close(drop, expected)
    assert (drop.flatten(1)[:, :5] == 0).all()
    # hiding with value v changes the score by w * (x - v)
    drop_half = occlusion(net, x, targets=1, size=1, stride=1, value=0.5)
    torch.testing.assert_close(drop_half, net[1].weight[1].detach().reshape(4, 4) * (x[:, 0] - 0.5))


def test_occlusion_patches_average_over_the_squares_that_cover_a_pixel():
    net, x = _linear(size=5), _images(size=5)
    contribution = net[1].weight[0].detach().reshape(5, 5) * x[0, 0]
    square = {(r, c): float(contribution[r : r + 3, c : c + 3].sum()) for r in (0, 2) for c in (0, 2)}
    drop = occlusion(net, x[:1], targets=0, size=3, stride=2)  # squares at rows/cols 0 and 2
    assert float(drop[0, 0, 0]) == pytest.approx(square[0, 0])
    assert float(drop[0, 4, 4]) == pytest.approx(square[2, 2])
    assert float(drop[0, 2, 2]) == pytest.approx(sum(square.values()) / 4)
    assert float(drop[0, 0, 3]) == pytest.approx(square[0, 2])


def test_occlusion_probability_score_falls_when_evidence_is_hidden():
    net, x = _linear(), _images()
    drop = occlusion(net, x, size=4, stride=1, score="probability")  # one square: the whole image
    probabilities = net(x).softmax(1)
    hidden = net(torch.zeros_like(x)).softmax(1)
    c = probabilities.argmax(1)
    expected = (probabilities.gather(1, c[:, None]) - hidden.gather(1, c[:, None]))[:, 0].detach()
    torch.testing.assert_close(drop, expected[:, None, None].expand(5, 4, 4))


def test_cam_is_the_weighted_sum_of_the_last_maps_by_hand():
    net, x = _gap_net(), _images(n=3, channels=2, size=7)
    maps = net[0](x).detach()  # (3, 4, 5, 5)
    weights, bias = net[3].weight.detach(), net[3].bias.detach()
    cam = class_activation_map(net, x, targets=1, layer="0", linear="3")
    by_hand = torch.zeros(3, 5, 5, dtype=torch.float64)
    for n in range(3):
        for k in range(4):
            by_hand[n] += weights[1, k] * maps[n, k]
    torch.testing.assert_close(cam, by_hand)
    # the score is the mean of the map plus the bias
    torch.testing.assert_close(cam.mean(dim=(1, 2)) + bias[1], net(x)[:, 1].detach())


def test_grad_cam_equals_cam_over_the_map_area_for_a_gap_linear_head():
    """Precisely: grad_cam(relu=False) == CAM / (h w) and grad_cam(relu=True) == ReLU(CAM) / (h w)."""
    net, x = _gap_net(seed=3), _images(n=4, channels=2, size=7)
    for target in (None, 0, 2):
        cam = class_activation_map(net, x, targets=target, layer="0", linear=net[3])
        torch.testing.assert_close(grad_cam(net, x, targets=target, layer="0", relu=False), cam / 25)
        torch.testing.assert_close(grad_cam(net, x, targets=target, layer=net[0]), cam.clamp(min=0) / 25)
    assert (class_activation_map(net, x, layer="0", linear="3") < 0).any()  # the ReLU matters here


def test_mode_and_requires_grad_are_restored_and_no_grad_is_left():
    net, x = _gap_net(), _images(n=2, channels=2, size=7)
    net.train()
    net[3].weight.requires_grad_(False)
    for make in (lambda: saliency(net, x), lambda: occlusion(net, x),
                 lambda: grad_cam(net, x, layer="0"), lambda: class_activation_map(net, x, layer="0", linear="3")):
        make()
        assert net.training and all(m.training for m in net.modules())
        assert not net[3].weight.requires_grad and net[3].bias.requires_grad
        assert all(p.grad is None for p in net.parameters())
        assert not x.requires_grad and not net[0]._forward_hooks
    with pytest.raises(ValueError, match="`layer`"):
        grad_cam(net, x, layer="nope")
    assert net.training and not net[0]._forward_hooks


def test_errors_name_the_argument():
    net, x = _gap_net(), _images(n=2, channels=2, size=7)
    with pytest.raises(TypeError, match="`model`"):
        saliency("net", x)
    with pytest.raises(TypeError, match="`images`"):
        saliency(net, x.numpy())
    with pytest.raises(ValueError, match="`targets`"):
        saliency(net, x, targets=3)
    with pytest.raises(TypeError, match="`targets`"):
        saliency(net, x, targets=torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="`size`"):
        occlusion(net, x, size=8)
    with pytest.raises(ValueError, match="`stride`"):
        occlusion(net, x, size=2, stride=3)
    with pytest.raises(ValueError, match="`score`"):
        occlusion(net, x, score="loss")
    with pytest.raises(TypeError, match="`linear`"):
        class_activation_map(net, x, layer="0", linear="1")
    with pytest.raises(ValueError, match="`layer`"):
        class_activation_map(net, x, layer="2", linear="3")  # flattened: no maps
    with pytest.raises(TypeError, match="`relu`"):
        grad_cam(net, x, layer="0", relu=1)


def test_randomized_copy_changes_only_the_named_layers_and_not_the_global_rng():
    net = _gap_net()
    state = torch.get_rng_state()
    twin = randomized_copy(net, ["3"], seed=5)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(twin[0][0].weight, net[0][0].weight)
    assert not torch.equal(twin[3].weight, net[3].weight)
    again = randomized_copy(net, ["3"], seed=5)
    assert torch.equal(again[3].weight, twin[3].weight)  # the same seed, the same weights
    everything = randomized_copy(net, seed=1)
    assert not torch.equal(everything[0][0].weight, net[0][0].weight)
    with pytest.raises(ValueError, match="`layers`"):
        randomized_copy(net, ["1"])  # a pooling layer has nothing to reset


def test_rank_correlation_against_known_values():
    a = torch.tensor([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 2.0, 3.0]])
    b = torch.tensor([[2.0, 4.0, 6.0, 100.0], [4.0, 3.0, 2.0, 1.0], [5.0, 5.0, 6.0, 7.0]])
    torch.testing.assert_close(rank_correlation(a, b), torch.tensor([1.0, -1.0, 1.0]))
    # with ties: ranks (1.5, 1.5, 3, 4) against (1, 2, 3, 4): Pearson correlation of the ranks
    r = rank_correlation(a[2:], a[:1])
    ra, rb = torch.tensor([1.5, 1.5, 3, 4]), torch.tensor([1.0, 2, 3, 4])
    ra, rb = ra - ra.mean(), rb - rb.mean()
    assert float(r) == pytest.approx(float((ra * rb).sum() / (ra.norm() * rb.norm())))
    with pytest.raises(ValueError, match="`a` and `b`"):
        rank_correlation(a, b[:2])
