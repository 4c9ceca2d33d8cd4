"""cnnlab.train.denoise: training denoisers learns, repeats with a seed and leaves no trace."""

import math

import pytest
import torch

from cnnlab.data.augment.geometry import random_flip_left_right
from cnnlab.data.noise import add_gaussian_noise
from cnnlab.nets.autoencoders import ConvAutoencoder, DenoisingNet
from cnnlab.nets.denoisers import PriorGuidedDenoisingNet
from cnnlab.train.denoise import fit_denoiser, fit_prior_guided_denoiser
from cnnlab.train.metrics import psnr
from tests.nets.test_denoisers import _memory


def rand(*shape, seed=0, dtype=torch.float32):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


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


def test_fit_denoiser_augments_every_epoch_repeats_and_leaves_no_trace(one_thread):
    """Each epoch augments the clean images with its own seed; the same seed gives the same run; the
    model ends in the mode it started in and the global generator is untouched."""
    clean = rand(32, 1, 8, 8)
    seeds = []

    def augment(images, seed):
        seeds.append(seed)
        return random_flip_left_right(images, seed=seed)

    def run():
        torch.manual_seed(0)
        model = ConvAutoencoder(widths=(4, 8)).eval()
        state = torch.get_rng_state()
        history = fit_denoiser(model, clean, epochs=3, loss="l1", augment=augment, val=clean[:8], seed=5)
        assert torch.equal(torch.get_rng_state(), state) and not model.training
        return history

    first = run()
    assert len(seeds) == 3 and len(set(seeds)) == 3
    second = run()
    assert seeds[3:] == seeds[:3]
    assert first.train_loss == second.train_loss and first.val_psnr == second.val_psnr
    assert first.epochs == 3 and len(first.val_psnr) == 3 and all(math.isfinite(v) for v in first.val_psnr)
    assert first.val_psnr[-1] > first.val_psnr[0]
    other = fit_denoiser(ConvAutoencoder(widths=(4, 8)), clean, epochs=3, loss="l1", augment=augment,
                         val=clean[:8], seed=6)
    assert other.train_loss != first.train_loss


def test_the_net_trains_deterministically_and_beats_the_noisy_input(one_thread):
    g = torch.Generator().manual_seed(0)
    clean = (torch.rand(4, 1, 8, 8, generator=g) > 0.6).float()                 # four prototypes
    data = clean.repeat(16, 1, 1, 1)                                            # (64, 1, 8, 8)
    data = (data + 0.05 * torch.randn(data.shape, generator=g)).clamp(0, 1)
    histories = []
    for _ in range(2):
        torch.manual_seed(0)
        net = PriorGuidedDenoisingNet(data, sigma=0.3, width=4, hidden=16)
        histories.append(fit_prior_guided_denoiser(net, epochs=4, batch_size=16, seed=1))
    assert histories[0].train_loss == pytest.approx(histories[1].train_loss, rel=1e-5)
    assert histories[0].train_loss[-1] < histories[0].train_loss[0]
    noisy = add_gaussian_noise(clean, 0.3, seed=5)
    with torch.no_grad():
        assert psnr(net(noisy), clean) > psnr(noisy, clean) + 3


def test_prior_guided_training_uses_the_noise_its_prior_assumes(one_thread):
    """With an unclipped prior, training noise is unclipped too (it used to be clipped regardless)."""
    data = _memory(k=32, seed=2).float()
    losses = {}
    for clip in (True, False):
        torch.manual_seed(0)
        net = PriorGuidedDenoisingNet(data, sigma=0.3, width=4, hidden=16, clip=clip)
        losses[clip] = fit_prior_guided_denoiser(net, epochs=1, batch_size=16).train_loss
        torch.manual_seed(0)
        same = PriorGuidedDenoisingNet(data, sigma=0.3, width=4, hidden=16, clip=clip)
        assert fit_prior_guided_denoiser(same, epochs=1, batch_size=16, clip=clip).train_loss == losses[clip]
    assert losses[True] != losses[False]


@pytest.mark.parametrize("call, error, message", [
    (lambda: fit_denoiser(DenoisingNet(), rand(4, 1, 4, 4), epochs=0), ValueError, "`epochs`"),
    (lambda: fit_denoiser(DenoisingNet(), rand(4, 1, 4, 4), lr=0.0), ValueError, "`lr`"),
    (lambda: fit_denoiser(DenoisingNet(), rand(4, 1, 4, 4), loss="huber"), ValueError, "`loss`"),
    (lambda: fit_denoiser("net", rand(4, 1, 4, 4)), TypeError, "`model`"),
    (lambda: fit_denoiser(DenoisingNet(), rand(4, 1, 4, 4), augment=3), TypeError, "`augment`"),
    (lambda: fit_prior_guided_denoiser(torch.nn.Linear(2, 2)), TypeError,
     "`model` must be a PriorGuidedDenoisingNet, got Linear"),
    (lambda: fit_prior_guided_denoiser(PriorGuidedDenoisingNet(_memory(), 0.3), lr=0), ValueError,
     "`lr` must be a finite number > 0"),
    (lambda: fit_prior_guided_denoiser(PriorGuidedDenoisingNet(_memory(), 0.3), loss="l3"), ValueError,
     "`loss` must be one of"),
    (lambda: fit_denoiser(PriorGuidedDenoisingNet(_memory(), 0.3), _memory(), leave_one_out=1), TypeError,
     "`leave_one_out` must be True or False, got 1"),
])
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
