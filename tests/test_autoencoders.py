"""Tests for cnnlab/autoencoders.py: shapes, metrics against scikit-image, baselines against scipy, denoising."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from cnnlab.autoencoders import (
    ConvAutoencoder,
    DenoisingNet,
    add_gaussian_noise,
    fit_denoiser,
    gaussian_blur_denoise,
    median_denoise,
    psnr,
    ssim,
)


def rand(*shape, seed=0, dtype=torch.float32):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("decoder", ["transpose", "upsample"])
@pytest.mark.parametrize("size, channels, widths", [(8, 1, (16, 32)), (28, 1, (8, 16)), (32, 3, (8, 16, 32)),
                                                     ((12, 9), 2, (4,))])
def test_autoencoder_shapes(decoder, size, channels, widths, device):
    h, w = (size, size) if isinstance(size, int) else size
    model = ConvAutoencoder(channels, latent_dim=7, widths=widths, image_size=size, decoder=decoder, device=device)
    x = rand(3, channels, h, w).to(device)
    z = model.encode(x)
    assert z.shape == (3, 7) and z.device == x.device
    with torch.no_grad():
        out = model.decode(z)
        assert out.shape == x.shape and torch.equal(model(x), out)
    assert float(out.min()) >= 0 and float(out.max()) <= 1


def test_modules_take_dtype_and_reject_wrong_shapes():
    model = ConvAutoencoder(image_size=8, dtype=torch.float64)
    assert all(p.dtype == torch.float64 for p in model.parameters())
    assert model(rand(2, 1, 8, 8, dtype=torch.float64)).dtype == torch.float64
    with pytest.raises(ValueError, match="`x`"):
        model.encode(rand(2, 1, 9, 9, dtype=torch.float64))
    with pytest.raises(ValueError, match="`z`"):
        model.decode(torch.zeros(2, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="`x`"):
        DenoisingNet(image_size=8)(rand(1, 1, 10, 10))
    conv_only = DenoisingNet(in_channels=3, width=4, device="cpu", dtype=torch.float64)  # any size
    assert conv_only(rand(2, 3, 32, 32, dtype=torch.float64)).shape == (2, 3, 32, 32)


def test_psnr_on_known_inputs_and_against_skimage():
    target = torch.zeros(4, 1, 8, 8)
    for e in (0.5, 0.1, 0.01):
        assert math.isclose(psnr(target + e, target), 10 * math.log10(1 / e**2), rel_tol=1e-6)
    assert math.isclose(psnr(target + 0.5, target, data_range=2.0), 10 * math.log10(4 / 0.25), rel_tol=1e-6)
    assert psnr(target, target) == math.inf
    a, b = rand(5, 3, 8, 8, seed=1), rand(5, 3, 8, 8, seed=2)
    expected = [peak_signal_noise_ratio(t.numpy(), p.numpy(), data_range=1.0) for p, t in zip(a, b)]
    torch.testing.assert_close(psnr(a, b, reduction="none"), torch.tensor(expected, dtype=torch.float64))
    assert math.isclose(psnr(a, b), float(np.mean(expected)), rel_tol=1e-9)
    assert math.isclose(psnr(a[0], b[0]), expected[0], rel_tol=1e-9)
    assert math.isclose(psnr(a[0, 0], b[0, 0]), peak_signal_noise_ratio(b[0, 0].numpy(), a[0, 0].numpy(), data_range=1.0),
                        rel_tol=1e-6)


@pytest.mark.parametrize("shape", [(4, 1, 8, 8), (2, 3, 16, 12), (2, 1, 5, 6)])
def test_ssim_matches_skimage(shape):
    a, b = rand(*shape, seed=3, dtype=torch.float64), rand(*shape, seed=4, dtype=torch.float64)
    b = (a + 0.2 * b).clamp(0, 1)
    side = min(shape[-2:])
    win = min(7, side if side % 2 else side - 1)
    expected = [structural_similarity(p, t, data_range=1.0, channel_axis=0, win_size=win)
                for p, t in zip(a.numpy(), b.numpy())]
    torch.testing.assert_close(ssim(a, b, reduction="none"), torch.tensor(expected, dtype=torch.float64))
    assert ssim(a, a) == pytest.approx(1.0)
    assert ssim(a[0], b[0]) == pytest.approx(expected[0])  # one (C, H, W) image


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


def test_fit_denoiser_improves_psnr_on_a_tiny_problem(one_thread):
    clean = torch.zeros(64, 1, 8, 8)  # bars of random position: easy to learn
    rows = torch.randint(0, 8, (64,), generator=torch.Generator().manual_seed(0))
    clean[torch.arange(64), 0, rows] = 1.0
    model = DenoisingNet(width=8, image_size=8, hidden=64)
    history = fit_denoiser(model, clean[:48], sigma=0.3, epochs=12, batch_size=16, lr=5e-3, seed=0, val=clean[48:])
    assert history.epochs == 12 and len(history.val_loss) == 12
    assert history.val_psnr[-1] > history.noisy_psnr + 3
    noisy = add_gaussian_noise(clean[48:], 0.3, seed=9)
    with torch.no_grad():
        assert psnr(model(noisy), clean[48:]) > psnr(noisy, clean[48:]) + 3
    again = fit_denoiser(DenoisingNet(width=4), clean[:48], sigma=0.3, epochs=2, seed=0, loss="mse")
    assert again.epochs == 2 and again.noisy_psnr is None


def test_fit_denoiser_trains_the_autoencoder_with_augmentation(one_thread):
    from cnnlab.augment import random_flip_left_right

    clean = rand(32, 1, 8, 8)
    history = fit_denoiser(ConvAutoencoder(widths=(4, 8)), clean, epochs=2, loss="l1", augment=random_flip_left_right, val=clean)
    assert history.epochs == 2 and all(math.isfinite(v) for v in history.val_psnr)


BAD = [
    (lambda: ConvAutoencoder(latent_dim=0), ValueError, "`latent_dim`"),
    (lambda: ConvAutoencoder(widths=()), ValueError, "`widths`"),
    (lambda: ConvAutoencoder(decoder="deconv"), ValueError, "`decoder`"),
    (lambda: ConvAutoencoder(image_size=(8, 8, 8)), ValueError, "`image_size`"),
    (lambda: DenoisingNet(width=0), ValueError, "`width`"),
    (lambda: add_gaussian_noise(rand(1, 1, 4, 4), -0.1, 0), ValueError, "`sigma`"),
    (lambda: add_gaussian_noise(rand(1, 1, 4, 4), 0.1, -1), ValueError, "`seed`"),
    (lambda: add_gaussian_noise(torch.zeros(1, 1, 4, 4, dtype=torch.uint8), 0.1, 0), TypeError, "`images`"),
    (lambda: psnr(rand(1, 1, 4, 4), rand(1, 1, 4, 5)), ValueError, "`prediction` and `target`"),
    (lambda: psnr(rand(1, 1, 4, 4), rand(1, 1, 4, 4), data_range=0), ValueError, "`data_range`"),
    (lambda: psnr(rand(1, 1, 4, 4), rand(1, 1, 4, 4), reduction="sum"), ValueError, "`reduction`"),
    (lambda: psnr(rand(4, 4).numpy(), rand(4, 4)), TypeError, "`prediction`"),
    (lambda: ssim(rand(1, 1, 2, 2), rand(1, 1, 2, 2)), ValueError, "`prediction`"),
    (lambda: median_denoise(rand(1, 1, 4, 4), 2), ValueError, "`size`"),
    (lambda: gaussian_blur_denoise(rand(1, 1, 4, 4), -1.0), ValueError, "`sigma`"),
    (lambda: fit_denoiser(DenoisingNet(), rand(4, 1, 4, 4), epochs=0), ValueError, "`epochs`"),
    (lambda: fit_denoiser(DenoisingNet(), rand(4, 1, 4, 4), lr=0.0), ValueError, "`lr`"),
    (lambda: fit_denoiser(DenoisingNet(), rand(4, 1, 4, 4), loss="huber"), ValueError, "`loss`"),
    (lambda: fit_denoiser("net", rand(4, 1, 4, 4)), TypeError, "`model`"),
    (lambda: fit_denoiser(DenoisingNet(), rand(4, 1, 4, 4), augment=3), TypeError, "`augment`"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
