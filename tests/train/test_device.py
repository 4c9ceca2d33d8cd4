"""cnnlab.train.device: the best device and the global seed."""

import random

import numpy as np
import pytest
import torch

from cnnlab.train.device import best, seed_everything


def test_best_is_a_device_this_machine_has():
    device = best()
    assert device.type in {"cuda", "mps", "cpu"}
    assert torch.zeros(1, device=device).device.type == device.type


def test_seed_everything_seeds_python_numpy_and_torch():
    seed_everything(3)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(3)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (2**32, ValueError), (1.5, TypeError)])
def test_seed_everything_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="`seed`"):
        seed_everything(seed)
