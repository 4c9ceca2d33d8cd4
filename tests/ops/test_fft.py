"""cnnlab.ops.fft: the convolution theorem against torch (float64)."""

import pytest
from hypothesis import given
from torch.testing import assert_close

from cnnlab.ops.fft import conv2d_fft
from tests.ops.conv_cases import conv_configs, device_ok, make, reference

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@device_ok
@given(config=conv_configs())
def test_conv2d_fft_matches_torch(config, device):
    x, w, b = make(config, device)
    ours = conv2d_fft(x, w, b, padding_mode=config["padding_mode"], **config["kwargs"])
    assert_close(ours, reference(2, x, w, b, config["kwargs"], config["padding_mode"]))
