"""Shared fixtures: the devices to test on and hypothesis profiles.

Profiles: ``ci`` (the default, a few hundred examples per property) and
``thorough`` (>= 10,000 examples per property, ``make test-thorough``).
Choose one with ``HYPOTHESIS_PROFILE=thorough``.
"""

import os

import pytest
import torch
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,  # CI draws the same examples on every run
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DEVICES = ["cpu"] + (
    [pytest.param("cuda", marks=pytest.mark.gpu)] if torch.cuda.is_available() else []
)


@pytest.fixture(params=DEVICES)
def device(request):
    """Each test that takes `device` runs on the CPU, and on CUDA when present."""
    return torch.device(request.param)


@pytest.fixture
def one_thread():
    """Run a test on one intra-op thread, then restore the count.

    The tests use tiny tensors: a second thread only adds start-up and waiting, and on a busy
    2-core machine two threads spinning against another process made tests 4-18x slower.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
