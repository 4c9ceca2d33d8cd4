"""cnnlab.data.augment.draws: every random augmentation is stateless, seeded and the same on every device."""

from functools import partial

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab.data.augment.colour import (random_brightness, random_contrast, random_hue, random_jpeg_quality,
                                        random_saturation)
from cnnlab.data.augment.geometry import (random_crop, random_elastic, random_flip_left_right,
                                          random_flip_up_down, random_rotation, random_scale, random_shear)
from cnnlab.data.augment.pipeline import Compose

# every random transform, bound to valid parameters: name -> f(images, seed)
RANDOM = {
    "brightness": partial(random_brightness, max_delta=0.3),
    "contrast": partial(random_contrast, lower=0.3, upper=1.7),
    "crop": partial(random_crop, size=(4, 5)),
    "flip_left_right": random_flip_left_right,
    "flip_up_down": random_flip_up_down,
    "hue": partial(random_hue, max_delta=0.4),
    "saturation": partial(random_saturation, lower=0.0, upper=2.0),
    "jpeg_quality": partial(random_jpeg_quality, min_quality=10, max_quality=95),
    "rotation": partial(random_rotation, max_degrees=30.0),
    "scale": partial(random_scale, lower=0.7, upper=1.3),
    "shear": partial(random_shear, max_degrees=20.0),
    "elastic": partial(random_elastic, alpha=3.0, sigma=1.0),
    "compose": Compose([partial(random_rotation, max_degrees=10.0), random_flip_up_down,
                          partial(random_brightness, max_delta=0.1)]),
}


def images(n=6, c=3, h=7, w=8, seed=0, dtype=torch.float32):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("name", RANDOM)
def test_shape_dtype_device_range(name, device):
    x = images().to(device)
    for dtype in (torch.float32, torch.float64):
        out = RANDOM[name](x.to(dtype), seed=1)
        assert out.dtype == dtype and out.device == x.device
        assert out.shape == ((6, 3, 4, 5) if name == "crop" else x.shape)
        assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    single = RANDOM[name](x[0], seed=1)  # (C, H, W) in, (C, H, W) out, same draw as the batch's first image
    torch.testing.assert_close(single, RANDOM[name](x, seed=1)[0])


@pytest.mark.parametrize("name", RANDOM)
def test_same_seed_same_output_different_seed_different(name, device):
    x = images().to(device)
    torch.manual_seed(123)
    a = RANDOM[name](x, seed=7)
    torch.rand(100)  # global state must not matter
    assert torch.equal(a, RANDOM[name](x, seed=7))
    assert not torch.equal(a, RANDOM[name](x, seed=8))
    # numpy and torch generators work too, and the same state gives the same output
    assert torch.equal(RANDOM[name](x, seed=np.random.default_rng(3)), RANDOM[name](x, seed=np.random.default_rng(3)))
    assert torch.equal(RANDOM[name](x, seed=torch.Generator().manual_seed(3)),
                       RANDOM[name](x, seed=torch.Generator().manual_seed(3)))
    # parameters drawn on the CPU: the same result on every device
    torch.testing.assert_close(a.cpu(), RANDOM[name](x.cpu(), seed=7), atol=1e-5, rtol=0)


@settings(max_examples=50)
@given(seed=st.integers(0, 2**64 - 1))
def test_seeds_are_stateless_over_the_whole_range(seed):
    x = images(n=3, h=5, w=5)
    for name in ("brightness", "rotation", "crop"):
        assert torch.equal(RANDOM[name](x, seed=seed), RANDOM[name](x, seed=seed))
