"""cnnlab.train.activations: hooks record layer outputs; the top images of a unit, and their patches."""

import pytest
import torch
from torch import nn

from cnnlab.ops.receptive_field import receptive_field
from cnnlab.train.activations import find_module, layer_activations, recording, top_activating


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(3, 2, 3))


def test_layer_activations_equal_the_sliced_model_in_any_batch_size():
    net, x = _net(), torch.rand(7, 1, 8, 8)
    net.train()
    found = layer_activations(net, x, ["1", "3"], batch_size=3)
    with torch.no_grad():
        torch.testing.assert_close(found["1"], net[:2](x))
        torch.testing.assert_close(found["3"], net(x))
    assert net.training and not any(m._forward_hooks for m in net.modules())


def test_recording_removes_its_hook_even_after_an_error():
    net = _net()
    with pytest.raises(RuntimeError), recording(net[1]) as outputs:
        net(torch.rand(1, 1, 8, 8))
        assert len(outputs) == 1
        raise RuntimeError("stop")
    assert not net[1]._forward_hooks


def test_top_activating_finds_the_planted_peak_and_cuts_its_receptive_field():
    net = nn.Sequential(nn.Conv2d(1, 1, 3, padding=1, bias=False), nn.MaxPool2d(2))
    with torch.no_grad():
        net[0].weight.zero_()
        net[0].weight[0, 0, 1, 1] = 1.0  # the identity: the unit is the pooled pixel
    x = torch.rand(6, 1, 8, 8) * 0.5
    x[4, 0, 5, 2] = 3.0  # pooled position (2, 1)
    x[1, 0, 0, 7] = 2.0  # pooled position (0, 3)
    field = receptive_field(net)
    top = top_activating(net, x, "1", 0, k=2, field=field)
    assert top.indices.tolist() == [4, 1] and top.rows.tolist() == [2, 0] and top.cols.tolist() == [1, 3]
    torch.testing.assert_close(top.values, torch.tensor([3.0, 2.0]))
    assert top.patches.shape == (2, 1, 4, 4)  # conv 3 then pool 2: a field of 4 pixels
    torch.testing.assert_close(top.patches[0], x[4, :, 3:7, 1:5])
    # the second field covers rows -1..2 and columns 5..8: outside the image it is zeros
    assert (top.patches[1, :, 0] == 0).all() and (top.patches[1, :, :, 3] == 0).all()
    torch.testing.assert_close(top.patches[1, :, 1:, :3], x[1, :, 0:3, 5:8])


def test_errors_name_the_argument():
    net, x = _net(), torch.rand(3, 1, 8, 8)
    with pytest.raises(ValueError, match="`layer`"):
        find_module(net, "7")
    with pytest.raises(TypeError, match="`layer`"):
        find_module(net, 3)
    with pytest.raises(ValueError, match="`layers`"):
        layer_activations(net, x, ["1", "9"])
    both = top_activating(net, x, "3", [1, 0], k=2)
    single = top_activating(net, x, "3", 0, k=2)
    assert len(both) == 2 and torch.equal(both[1].indices, single.indices) and both[0].patches is None
    with pytest.raises(ValueError, match="`units`"):
        top_activating(net, x, "3", 2)
    with pytest.raises(ValueError, match="`k`"):
        top_activating(net, x, "3", 0, k=4)
    with pytest.raises(TypeError, match="`model`"):
        layer_activations(None, x, "1")
