"""cnnlab.nets.detection: the fully convolutional rewrite equals sliding windows; shapes; errors."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from cnnlab.nets.detection import GridDetector, UNet, fully_convolutional, patch_classifier

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def sliding(net, image, window, step):
    """Classify every window of `image` one by one: the brute-force reference."""
    _, h, w = image.shape
    rows, cols = (h - window) // step + 1, (w - window) // step + 1
    out = torch.stack([net(image[None, :, r * step:r * step + window, c * step:c * step + window])[0]
                       for r in range(rows) for c in range(cols)])
    return out.T.reshape(-1, rows, cols)


@settings(max_examples=8)
@given(st.sampled_from([10, 12, 16]), st.integers(0, 3), st.integers(0, 3), st.integers(0, 2**31))
def test_fully_convolutional_equals_sliding_windows(patch, extra_rows, extra_cols, seed):
    torch.manual_seed(seed)
    net = patch_classifier(2, 3, patch_size=patch, width=3, hidden=5).double().eval()
    image = torch.rand(2, patch + 4 * extra_rows, patch + 4 * extra_cols, dtype=torch.float64)
    with torch.no_grad():
        dense_free = fully_convolutional(net, patch)
        assert_close(dense_free(image[None])[0], sliding(net, image, patch, 4))
    assert not any(isinstance(m, nn.Linear) for m in dense_free)
    assert dense_free[0] is net[0]                     # the convolutions are shared


def test_fully_convolutional_handles_a_single_dense_layer_and_rectangles():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 4 * 6, 3)).double()
    x = torch.rand(1, 1, 6, 8, dtype=torch.float64)
    assert_close(fully_convolutional(net, (6, 8))(x).flatten(1), net(x))


def test_fully_convolutional_errors():
    with pytest.raises(TypeError, match="`classifier`"):
        fully_convolutional(nn.Linear(2, 2), 4)
    with pytest.raises(ValueError, match="nn.Flatten"):
        fully_convolutional(nn.Sequential(nn.Conv2d(1, 1, 1)), 4)
    with pytest.raises(ValueError, match="`input_size`"):
        fully_convolutional(patch_classifier(), 0)


def test_grid_detector_shapes_and_prior():
    net = GridDetector(3, 2, width=4)
    with torch.no_grad():
        out = net(torch.rand(2, 3, 32, 40))
    assert out.shape == (2, 6, 8, 10)
    assert float(torch.sigmoid(out[:, :2]).mean()) < 0.1      # starts unconfident
    with pytest.raises(ValueError, match="`num_classes`"):
        GridDetector(3, 0)
    with pytest.raises(TypeError, match="`width`"):
        GridDetector(3, 2, width=2.5)


def test_unet_shapes_gradients_and_errors():
    net = UNet(3, 4, width=4)
    x = torch.rand(2, 3, 16, 24, requires_grad=True)
    out = net(x)
    assert out.shape == (2, 4, 16, 24)
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    with pytest.raises(ValueError, match="divisible by 4"):
        net(torch.rand(1, 3, 18, 16))
    with pytest.raises(ValueError, match="`in_channels`"):
        UNet(0, 2)


def test_patch_classifier_sizes():
    assert patch_classifier(1, 5, patch_size=12)(torch.rand(3, 1, 12, 12)).shape == (3, 5)
    with pytest.raises(ValueError, match="`patch_size`"):
        patch_classifier(patch_size=8)
