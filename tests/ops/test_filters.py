"""cnnlab.ops.filters: the Gaussian blur and the median filter against scipy.ndimage."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import ndimage
from torch.testing import assert_close

from cnnlab.ops.filters import gaussian_blur, median_filter


@given(shape=st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(2, 12), st.integers(2, 12)),
       sigma=st.floats(0.0, 3.0))
def test_gaussian_blur_matches_scipy(shape, sigma):
    x = np.random.default_rng(0).random(shape)
    expected = ndimage.gaussian_filter(x, sigma=(0, 0, sigma, sigma), mode="reflect", truncate=4.0)
    assert_close(gaussian_blur(torch.from_numpy(x), sigma), torch.from_numpy(expected))


@given(shape=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 9), st.integers(1, 9)),
       size=st.sampled_from([1, 3, 5]))
def test_median_filter_matches_scipy(shape, size):
    x = np.random.default_rng(1).random(shape)
    expected = ndimage.median_filter(x, size=(1, 1, size, size), mode="reflect")
    assert_close(median_filter(torch.from_numpy(x), size), torch.from_numpy(expected))


def test_single_images_and_errors():
    assert gaussian_blur(torch.rand(3, 5, 5), 1.0).shape == (3, 5, 5)
    with pytest.raises(ValueError, match="`size` must be an odd int, got 4"):
        median_filter(torch.rand(1, 1, 5, 5), 4)
    with pytest.raises(ValueError, match="`sigma` must be a finite number >= 0.0, got -1.0"):
        gaussian_blur(torch.rand(1, 1, 5, 5), -1.0)
