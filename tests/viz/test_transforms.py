"""cnnlab.viz.transforms: the figures hold what they claim, and nothing leaks into pyplot."""

import numpy as np
import pytest
import torch


def _pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()


@pytest.mark.parametrize("transform", ["brightness", "contrast", "saturation", "hue", "jpeg_quality", "crop",
                                       "flip_left_right", "flip_up_down", "rotation", "scale", "shear", "elastic"])
def test_plot_augmentation_every_transform(transform):
    from cnnlab.viz.transforms import AUGMENTATIONS, plot_augmentation

    assert transform in AUGMENTATIONS
    image = np.random.default_rng(0).random((24, 32, 3)).astype(np.float32)
    before = _pyplot_figures()
    fig = plot_augmentation(image, transform, strength=0.8, seed=3)
    assert _pyplot_figures() == before
    assert len(fig.axes) == 2
    assert fig.axes[1].get_title().startswith(transform)
    shown = fig.axes[1].images[0].get_array()
    assert float(np.min(shown)) >= 0.0 and float(np.max(shown)) <= 1.0
    again = plot_augmentation(image, transform, strength=0.8, seed=3).axes[1].images[0].get_array()
    np.testing.assert_array_equal(np.asarray(shown), np.asarray(again))  # stateless: same seed, same picture


def test_plot_augmentation_grey_and_identity():
    from cnnlab.viz.transforms import plot_augmentation

    image = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8)
    fig = plot_augmentation(image, "rotation", strength=0.0, seed=1)
    np.testing.assert_allclose(np.asarray(fig.axes[1].images[0].get_array()), image, atol=1e-6)


@pytest.mark.parametrize("kwargs, error, match", [({"transform": "blur"}, ValueError, "`transform`"),
                                                  ({"strength": 1.5}, ValueError, "`strength`"),
                                                  ({"strength": True}, TypeError, "`strength`")])
def test_plot_augmentation_rejects_bad_arguments(kwargs, error, match):
    from cnnlab.viz.transforms import plot_augmentation

    with pytest.raises(error, match=match):
        plot_augmentation(np.zeros((8, 8, 3)), **kwargs)


def test_plot_denoising_shows_clean_noisy_denoised_with_psnr():
    from cnnlab.data.noise import add_gaussian_noise
    from cnnlab.train.metrics import psnr
    from cnnlab.viz.transforms import plot_denoising

    clean = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    model = torch.nn.Identity()
    fig = plot_denoising(model, clean, 0.3, seed=5)
    assert len(fig.axes) == 9 and fig._suptitle.get_text() == "Gaussian noise σ = 0.30"
    noisy = add_gaussian_noise(clean, 0.3, seed=5)
    np.testing.assert_allclose(fig.axes[3].images[0].get_array(), noisy[0, 0].numpy(), atol=1e-6)
    assert fig.axes[3].get_ylabel() == f"noisy\n{psnr(noisy, clean):.1f} dB"
    assert fig.axes[6].get_ylabel() == fig.axes[3].get_ylabel().replace("noisy", "denoised")
    assert _pyplot_figures() == []
