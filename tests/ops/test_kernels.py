"""cnnlab.ops.kernels: values, read-only constants, the Gaussian kernels in 1-D and 2-D."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.ops import kernels
from cnnlab.ops.kernels import (
    BOX_BLUR,
    EDGE_4,
    EDGE_8,
    EMBOSS,
    IDENTITY,
    KERNELS,
    PREWITT_X,
    SHARPEN,
    SOBEL_X,
    SOBEL_Y,
    gaussian,
    gaussian_kernel1d,
    gaussian_radius,
)

EXPECTED = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "edge_4": [[0, -1, 0], [-1, 4, -1], [0, -1, 0]],
    "edge_8": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "prewitt_x": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "box_blur": np.full((3, 3), 1 / 9),
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_constants_have_the_documented_values(name):
    kernel = KERNELS[name]
    assert kernel is getattr(kernels, name.upper())
    assert kernel.shape == (3, 3) and kernel.dtype == np.float64
    np.testing.assert_allclose(kernel, np.asarray(EXPECTED[name], dtype=np.float64), rtol=0, atol=1e-15)


def test_gallery_lists_every_constant():
    assert set(KERNELS) == set(EXPECTED)
    assert len({id(k) for k in KERNELS.values()}) == len(KERNELS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_constants_are_read_only(name):
    kernel = KERNELS[name]
    assert not kernel.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        kernel[1, 1] = 42.0
    with pytest.raises(ValueError, match="read-only"):
        kernel *= 2
    np.testing.assert_allclose(kernel, np.asarray(EXPECTED[name], dtype=np.float64), atol=1e-15)
    copy = kernel.copy()
    copy[1, 1] = 42.0  # a copy is the way to experiment
    assert copy.flags.writeable


def test_sums_and_symmetries():
    for kernel in (EDGE_4, EDGE_8, SOBEL_X, SOBEL_Y, PREWITT_X):
        assert abs(kernel.sum()) < 1e-12
    for kernel in (IDENTITY, BOX_BLUR, SHARPEN, EMBOSS):
        assert kernel.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_array_equal(SOBEL_Y, SOBEL_X.T)
    np.testing.assert_array_equal(SHARPEN, IDENTITY + EDGE_4)


def _apply(kernel, image):
    """Cross-correlate (as a CNN layer does) a 2D image with a 3×3 kernel, 'valid' padding."""
    x = torch.as_tensor(image, dtype=torch.float64)[None, None]
    w = torch.tensor(kernel)[None, None]  # a copy: as_tensor/from_numpy warn on read-only arrays
    return F.conv2d(x, w)[0, 0].numpy()


def test_kernels_do_what_their_names_say():
    rng = np.random.default_rng(0)
    image = rng.random((8, 9))
    np.testing.assert_allclose(_apply(IDENTITY, image), image[1:-1, 1:-1], atol=1e-12)
    ramp_x = np.tile(np.arange(9.0), (8, 1))  # brightness rising to the right
    np.testing.assert_allclose(_apply(SOBEL_X, ramp_x), 8.0, atol=1e-12)
    np.testing.assert_allclose(_apply(SOBEL_Y, ramp_x), 0.0, atol=1e-12)
    ramp_y = np.tile(np.arange(8.0)[:, None], (1, 9))  # brightness rising downwards
    np.testing.assert_allclose(_apply(SOBEL_Y, ramp_y), 8.0, atol=1e-12)
    np.testing.assert_allclose(_apply(SOBEL_X, ramp_y), 0.0, atol=1e-12)
    np.testing.assert_allclose(_apply(PREWITT_X, ramp_x), 6.0, atol=1e-12)
    flat = np.full((5, 5), 0.7)
    for kernel in (EDGE_4, EDGE_8):
        np.testing.assert_allclose(_apply(kernel, flat), 0.0, atol=1e-12)
    for kernel in (BOX_BLUR, SHARPEN, EMBOSS):
        np.testing.assert_allclose(_apply(kernel, flat), 0.7, atol=1e-12)
    np.testing.assert_allclose(_apply(BOX_BLUR, image)[0, 0], image[:3, :3].mean(), atol=1e-12)


@given(size=st.integers(0, 12).map(lambda i: 2 * i + 1),
       sigma=st.floats(0.05, 20.0, allow_nan=False, allow_infinity=False))
def test_gaussian_is_normalised_symmetric_and_separable(size, sigma):
    k = gaussian(size, sigma)
    assert k.shape == (size, size) and k.dtype == np.float64
    assert k.flags.writeable
    assert k.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(k >= 0)
    c = size // 2
    assert k[c, c] == k.max()
    np.testing.assert_allclose(k, k.T, rtol=1e-12, atol=0)
    np.testing.assert_allclose(k, k[::-1, ::-1], rtol=1e-12, atol=0)
    row = k.sum(axis=0)
    np.testing.assert_allclose(k, np.outer(row, row), rtol=1e-9, atol=1e-300)
    if size > 1 and k[c, c + 1] > 1e-250:
        assert k[c, c + 1] / k[c, c] == pytest.approx(math.exp(-1 / (2 * sigma**2)), rel=1e-9)


def test_gaussian_limits():
    np.testing.assert_array_equal(gaussian(1, 3.0), [[1.0]])
    wide = gaussian(5, 1e6)  # a very wide Gaussian is a box blur
    np.testing.assert_allclose(wide, np.full((5, 5), 1 / 25), rtol=1e-9)
    np.testing.assert_allclose(gaussian(3, 1e-3), IDENTITY, atol=1e-12)


@pytest.mark.parametrize(
    ("size", "sigma", "exc", "match"),
    [
        (4, 1.0, ValueError, "`size` must be an odd int >= 1, got 4"),
        (0, 1.0, ValueError, "`size`.*got 0"),
        (-3, 1.0, ValueError, "`size`.*got -3"),
        (3.0, 1.0, TypeError, "`size`.*3.0"),
        (3, 0.0, ValueError, "`sigma`.*got 0.0"),
        (3, -1.0, ValueError, "`sigma`.*got -1.0"),
        (3, float("nan"), ValueError, "`sigma`.*nan"),
        (3, float("inf"), ValueError, "`sigma`.*inf"),
        (3, "1", TypeError, "`sigma`.*'1'"),
        (3, True, TypeError, "`sigma`"),
    ],
)
def test_gaussian_rejects_invalid_arguments(size, sigma, exc, match):
    with pytest.raises(exc, match=match):
        gaussian(size, sigma)


@given(sigma=st.floats(0.1, 6.0))
def test_the_one_gaussian_rule_in_1d_and_2d(sigma):
    """Cut at 4 sigma as scipy.ndimage; the 2-D kernel of default size is the outer product of the 1-D."""
    radius = gaussian_radius(sigma)
    assert radius == int(4 * sigma + 0.5)
    g = gaussian_kernel1d(sigma, dtype=torch.float64).numpy()
    assert g.shape == (2 * radius + 1,) and g.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(gaussian(None, sigma), np.outer(g, g), rtol=1e-9, atol=1e-300)
