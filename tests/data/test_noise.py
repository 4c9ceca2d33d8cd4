"""cnnlab.data.noise: seeded noise, and the classical filters against scipy.ndimage."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from cnnlab.data.noise import add_gaussian_noise, gaussian_blur_denoise, median_denoise


def rand(*shape, seed=0, dtype=torch.float32):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def test_add_gaussian_noise_is_seeded_clipped_and_has_sigma(device):
    x = torch.full((8, 1, 32, 32), 0.5, device=device)
    noisy = add_gaussian_noise(x, 0.1, seed=3)
    assert noisy.device == x.device and noisy.dtype == x.dtype
    assert torch.equal(noisy, add_gaussian_noise(x, 0.1, seed=3))
    assert not torch.equal(noisy, add_gaussian_noise(x, 0.1, seed=4))
    assert abs(float((noisy - x).std()) - 0.1) < 0.01
    torch.testing.assert_close(noisy.cpu(), add_gaussian_noise(x.cpu(), 0.1, seed=3))  # same on every device
    loud = add_gaussian_noise(x, 1.0, seed=0)
    assert float(loud.min()) == 0.0 and float(loud.max()) == 1.0
    assert float(add_gaussian_noise(x, 1.0, seed=0, clip=False).min()) < 0

    gen = torch.Generator().manual_seed(3)
    assert torch.equal(add_gaussian_noise(x, 0.1, seed=gen), add_gaussian_noise(x, 0.1, seed=torch.Generator().manual_seed(3)))


@settings(max_examples=30)
@given(sigma=st.floats(0.0, 3.0), seed=st.integers(0, 2**16))
def test_gaussian_blur_denoise_matches_scipy(sigma, seed):
    x = rand(2, 1, 8, 8, seed=seed, dtype=torch.float64)
    expected = np.clip(ndimage.gaussian_filter(x.numpy(), (0, 0, sigma, sigma), mode="reflect"), 0, 1)
    torch.testing.assert_close(gaussian_blur_denoise(x, sigma), torch.from_numpy(expected))


@pytest.mark.parametrize("size", [1, 3, 5])
@pytest.mark.parametrize("shape", [(2, 1, 8, 8), (1, 3, 7, 10)])
def test_median_denoise_matches_scipy(size, shape):
    x = rand(*shape, seed=size, dtype=torch.float64)
    expected = ndimage.median_filter(x.numpy(), size=(1, 1, size, size), mode="reflect")
    torch.testing.assert_close(median_denoise(x, size), torch.from_numpy(expected))


@pytest.mark.parametrize("call, error, message", [
    (lambda: add_gaussian_noise(rand(1, 1, 4, 4), -0.1, seed=0), ValueError, "`sigma`"),
    (lambda: add_gaussian_noise(rand(1, 1, 4, 4), 0.1, seed=-1), ValueError, "`seed`"),
    (lambda: add_gaussian_noise(torch.zeros(1, 1, 4, 4, dtype=torch.uint8), 0.1, seed=0), TypeError, "`images`"),
    (lambda: median_denoise(rand(1, 1, 4, 4), 2), ValueError, "`size`"),
    (lambda: gaussian_blur_denoise(rand(1, 1, 4, 4), -1.0), ValueError, "`sigma`"),
    (lambda: add_gaussian_noise(rand(1, 1, 4, 4), 0.1), TypeError, "keyword-only argument: 'seed'"),
])
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
