"""cnnlab.nets.denoisers: the posterior mean against a direct computation, and leave-one-out."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.data.noise import add_gaussian_noise
from cnnlab.nets.denoisers import PosteriorMeanDenoiser, PriorGuidedDenoisingNet


def _memory(k=12, seed=0, shape=(1, 4, 4)):
    """Digit-like stored images: mostly exact 0s and 1s, some grey."""
    g = torch.Generator().manual_seed(seed)
    images = torch.rand(k, *shape, generator=g, dtype=torch.float64)
    return torch.where(images < 0.4, 0.0, torch.where(images > 0.7, 1.0, images))


def _direct(memory, y, sigma, temperature, clip):
    """The posterior mean and std written out pixel by pixel from the clipped-Gaussian likelihood."""
    def log_cdf(z):                     # log Phi(z), by erfc: accurate in the lower tail
        return math.log(0.5 * math.erfc(-z / math.sqrt(2)))

    means, stds = [], []
    for image in y.flatten(1):
        log_lik = []
        for stored in memory.flatten(1):
            total = 0.0
            for yi, xi in zip(image.tolist(), stored.tolist()):
                if clip and yi <= 0:
                    total += log_cdf(-xi / sigma)
                elif clip and yi >= 1:
                    total += log_cdf((xi - 1) / sigma)
                else:
                    total += -0.5 * ((yi - xi) / sigma) ** 2
            log_lik.append(total / temperature)
        w = torch.softmax(torch.tensor(log_lik, dtype=torch.float64), 0)
        stored = memory.flatten(1)
        mean = w @ stored
        means.append(mean)
        stds.append((w @ stored**2 - mean**2).clamp_min(0).sqrt())
    return torch.stack(means).view_as(y), torch.stack(stds).view_as(y)


@given(seed=st.integers(0, 2**16), sigma=st.sampled_from([0.1, 0.3, 0.5]),
       temperature=st.sampled_from([1.0, 2.0, 3.0]), clip=st.booleans())
def test_posterior_mean_matches_the_direct_formula(seed, sigma, temperature, clip):
    memory = _memory(seed=seed)
    y = add_gaussian_noise(_memory(k=3, seed=seed + 1), sigma, seed=seed, clip=clip)
    mean, std = PosteriorMeanDenoiser(memory, sigma, temperature=temperature, clip=clip).estimate(y)
    want_mean, want_std = _direct(memory, y, sigma, temperature, clip)
    torch.testing.assert_close(mean, want_mean)
    torch.testing.assert_close(std, want_std, atol=1e-6, rtol=1e-5)


def test_small_noise_finds_the_stored_image_and_leave_one_out_hides_it(device):
    memory = _memory(k=10, seed=3).to(device)
    y = add_gaussian_noise(memory[4:6], 0.01, seed=0, clip=False)
    prior = PosteriorMeanDenoiser(memory, 0.01, temperature=1.0, clip=False).to(device)
    torch.testing.assert_close(prior(y), memory[4:6])
    # leaving each noisy copy's own image out is the same as a memory without that image
    left_out = prior.estimate(y, exclude=torch.tensor([4, 5]))[0]
    for i, k in enumerate([4, 5]):
        rest = torch.cat([memory[:k], memory[k + 1:]])
        without = PosteriorMeanDenoiser(rest, 0.01, temperature=1.0, clip=False).to(device)
        torch.testing.assert_close(left_out[i:i + 1], without(y[i:i + 1]))
    assert (left_out - memory[4:6]).abs().max() > 0.1


@pytest.mark.parametrize("call, error, message", [
    (lambda: PosteriorMeanDenoiser(_memory(), 0.0), ValueError, "`sigma` must be a finite number > 0, got 0.0"),
    (lambda: PosteriorMeanDenoiser(_memory(), 0.3, temperature=0), ValueError, "`temperature` must be a finite number > 0"),
    (lambda: PosteriorMeanDenoiser(_memory().long(), 0.3), TypeError, "`memory` must be a float tensor"),
    (lambda: PosteriorMeanDenoiser(_memory(k=1), 0.3), ValueError, r"`memory` must have shape \(K, C, H, W\) with K >= 2"),
    (lambda: PosteriorMeanDenoiser(_memory(), 0.3, clip=1), TypeError, "`clip` must be True or False, got 1"),
    (lambda: PosteriorMeanDenoiser(_memory(), 0.3)(torch.rand(2, 1, 5, 5)), ValueError,
     r"`x` must have shape \(N, 1, 4, 4\), got \(2, 1, 5, 5\)"),
    (lambda: PosteriorMeanDenoiser(_memory(), 0.3).estimate(_memory(k=2), exclude=[0, 1]), TypeError,
     "`exclude` must be a LongTensor"),
    (lambda: PosteriorMeanDenoiser(_memory(), 0.3).estimate(_memory(k=2), exclude=torch.tensor([0])), ValueError,
     r"`exclude` must have shape \(2,\)"),
    (lambda: PosteriorMeanDenoiser(_memory(), 0.3).estimate(_memory(k=2), exclude=torch.tensor([0, 12])), ValueError,
     r"`exclude` must hold indices in \[0, 11\], got 0..12"),
    (lambda: PriorGuidedDenoisingNet(_memory(), 0.3, hidden=0), ValueError, "`hidden`"),
    (lambda: PriorGuidedDenoisingNet(_memory(), 0.3, 3.0), TypeError, "positional"),
])
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
