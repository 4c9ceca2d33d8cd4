"""cnnlab.data.augment.geometry: crops, flips and warps against scikit-image, their conventions."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage import transform

from cnnlab.data.augment.geometry import (affine, affine_matrix, random_crop, random_elastic,
                                          random_flip_left_right, random_flip_up_down, random_rotation,
                                          random_scale, random_shear)
from tests.data.augment.test_draws import images


def _interior(shape, margin):
    h, w = shape
    rows, cols = np.mgrid[:h, :w]
    return np.hypot(rows - (h - 1) / 2, cols - (w - 1) / 2) < min(h, w) / 2 - margin


@settings(max_examples=60)  # skimage.transform is slow per call
@given(angle=st.floats(-180, 180), seed=st.integers(0, 2**16))
def test_rotation_matches_skimage_rotate_on_the_interior(angle, seed):
    image = np.random.default_rng(seed).random((12, 15))
    expected = transform.rotate(image, angle, order=1, mode="constant", cval=0.0)
    out = affine(torch.from_numpy(image)[None, None], angle=angle)[0, 0].numpy()
    inside = _interior(image.shape, 1.5)  # bilinear away from the border: same up to rounding
    np.testing.assert_allclose(out[inside], expected[inside], atol=1e-9)


@settings(max_examples=60)
@given(angle=st.floats(-45, 45), scale=st.floats(0.6, 1.6), shear=st.floats(-30, 30),
       tx=st.floats(-2, 2), ty=st.floats(-2, 2))
def test_affine_matches_skimage_warp(angle, scale, shear, tx, ty):
    image = np.random.default_rng(0).random((10, 13))
    h, w = image.shape
    forward = affine_matrix(angle, scale, shear, (tx, ty))[0].numpy()
    centre = np.array([(w - 1) / 2, (h - 1) / 2])  # (x, y) = (col, row)
    inverse = np.linalg.inv(forward[:, :2])
    matrix = np.eye(3)  # output (col, row) -> input (col, row), as skimage.transform.warp wants
    matrix[:2, :2], matrix[:2, 2] = inverse, centre - inverse @ (centre + forward[:, 2])
    expected = transform.warp(image, transform.AffineTransform(matrix=matrix), order=1, mode="constant", cval=0.0)
    out = affine(torch.from_numpy(image)[None, None], angle, scale, shear, (tx, ty))[0, 0].numpy()
    rows, cols = np.mgrid[:h, :w]
    src = np.einsum("ij,jhw->ihw", matrix[:2], np.stack([cols, rows, np.ones_like(rows)]))
    inside = (src[0] >= 1) & (src[0] <= w - 2) & (src[1] >= 1) & (src[1] <= h - 2)  # samples away from the border
    np.testing.assert_allclose(out[inside], expected[inside], atol=1e-9)


def test_affine_conventions():
    x = images(n=2, c=1, h=6, w=6, dtype=torch.float64)
    torch.testing.assert_close(affine(x, angle=90.0), torch.rot90(x, 1, (-2, -1)))  # counter-clockwise
    torch.testing.assert_close(affine(x), x)
    torch.testing.assert_close(affine(x, translate=(1.0, 0.0))[..., 1:], x[..., :-1])  # right by one pixel
    shear = affine_matrix(shear=45.0)[0]
    torch.testing.assert_close(shear[:, :2], torch.tensor([[1.0, 1.0], [0.0, 1.0]], dtype=torch.float64))
    assert float(affine(torch.zeros(1, 1, 4, 4), angle=45.0, fill=1.0)[0, 0, 0, 0]) > 0.5  # corners filled


def test_elastic_alpha_zero_is_identity():
    x = images(n=2, c=2, h=9, w=7, dtype=torch.float64)
    torch.testing.assert_close(random_elastic(x, alpha=0.0, sigma=2.0, seed=0), x)
    moved = random_elastic(x, alpha=2.0, sigma=1.0, seed=0)
    assert not torch.allclose(moved, x) and moved.shape == x.shape


def test_crop_takes_windows_and_flips_mirror():
    x = images(n=20, c=2, h=6, w=6)
    crops = random_crop(x, 3, seed=0)
    for image, crop in zip(x, crops):
        windows = image.unfold(1, 3, 1).unfold(2, 3, 1).permute(1, 2, 0, 3, 4)  # (4, 4, C, 3, 3)
        assert (windows == crop).flatten(2).all(-1).any()
    assert torch.equal(random_crop(x, (6, 6), seed=0), x)
    lr, ud = random_flip_left_right(x, seed=0), random_flip_up_down(x, seed=0)
    flipped = [not torch.equal(a, b) for a, b in zip(lr, x)]
    assert all(torch.equal(a, b.flip(-1) if f else b) for a, b, f in zip(lr, x, flipped))
    assert 0 < sum(flipped) < 20
    assert all(torch.equal(a, b) or torch.equal(a, b.flip(-2)) for a, b in zip(ud, x))


@given(seed=st.integers(0, 2**16), padding=st.integers(1, 3))
def test_crop_with_padding_is_a_whole_pixel_shift_that_affine_agrees_with(seed, padding):
    """Padding p and cropping back moves each image by (dy, dx) in -p..p, zero fill: affine's translation."""
    x = 0.1 + 0.9 * images(n=6, c=2, h=7, w=9, dtype=torch.float64)  # no zeros: the fill is visible
    out = random_crop(x, (7, 9), seed=seed, padding=padding)
    assert out.shape == x.shape
    for image, moved in zip(x, out):
        matches = [(dy, dx) for dy in range(-padding, padding + 1) for dx in range(-padding, padding + 1)
                   if torch.allclose(affine(image[None], translate=(dx, dy))[0], moved, atol=1e-9)]
        assert len(matches) == 1
    assert torch.equal(random_crop(x, (7, 9), seed=seed, padding=padding), out)


BAD = [
    (lambda x: random_crop(x, 9, seed=0), ValueError, "`size`"),
    (lambda x: random_crop(x, 11, seed=0, padding=1), ValueError, "padded image size"),
    (lambda x: random_crop(x, 8, seed=0, padding=-1), ValueError, "`padding`"),
    (lambda x: random_crop(x, (2, 3, 4), seed=0), ValueError, "`size`"),
    (lambda x: random_scale(x, 0.0, 1.0, seed=0), ValueError, "`lower`"),
    (lambda x: affine(x, scale=-1.0), ValueError, "`scale`"),
    (lambda x: random_shear(x, 90.0, seed=0), ValueError, "`max_degrees`"),
    (lambda x: random_elastic(x, -1.0, 1.0, seed=0), ValueError, "`alpha`"),
    (lambda x: random_flip_left_right(x, 1.5, seed=0), ValueError, "`p`"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call(images(n=2, h=8, w=8))
