"""cnnlab.data.augment.colour: the deterministic cores against Pillow and scikit-image."""

import io

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageEnhance
from skimage import color

from cnnlab.data.augment.colour import (LUMA, adjust_brightness, adjust_contrast, adjust_hue, adjust_jpeg_quality,
                                        adjust_saturation, grey, random_brightness, random_contrast, random_hue,
                                        random_jpeg_quality, random_saturation, rgb_to_hsv)
from tests.data.augment.test_draws import images


def uint8_image(seed, c=3, h=9, w=11):
    return np.random.default_rng(seed).integers(0, 256, (h, w, c) if c == 3 else (h, w), dtype=np.uint8)


def as_tensor(array):
    """(H, W, 3) or (H, W) uint8 -> (1, C, H, W) float64 in [0, 1]."""
    t = torch.from_numpy(array.astype(np.float64) / 255)
    return (t.permute(2, 0, 1) if t.dim() == 3 else t[None])[None]


@given(seed=st.integers(0, 2**16), factor=st.floats(0.0, 2.0), rgb=st.booleans())
def test_adjust_contrast_matches_pillow(seed, factor, rgb):
    array = uint8_image(seed, c=3 if rgb else 1)
    expected = np.asarray(ImageEnhance.Contrast(Image.fromarray(array)).enhance(factor))
    # Pillow rounds the grey mean and truncates to uint8: within 3/255
    torch.testing.assert_close(adjust_contrast(as_tensor(array), factor), as_tensor(expected), atol=3 / 255, rtol=0)


@given(seed=st.integers(0, 2**16), factor=st.floats(0.0, 2.0))
def test_adjust_saturation_matches_pillow_color(seed, factor):
    array = uint8_image(seed)
    expected = np.asarray(ImageEnhance.Color(Image.fromarray(array)).enhance(factor))
    torch.testing.assert_close(adjust_saturation(as_tensor(array), factor), as_tensor(expected), atol=3 / 255, rtol=0)


@settings(max_examples=50)  # skimage's colour conversions are slow per call
@given(seed=st.integers(0, 2**16), delta=st.floats(-0.5, 0.5))
def test_adjust_hue_matches_skimage_hsv(seed, delta):
    array = uint8_image(seed)
    array[0, 0] = (40, 40, 40)  # a grey pixel: hue undefined, kept
    hsv = color.rgb2hsv(array)
    torch.testing.assert_close(rgb_to_hsv(as_tensor(array))[0].permute(1, 2, 0), torch.from_numpy(hsv))
    hsv[..., 0] = (hsv[..., 0] + delta) % 1
    expected = torch.from_numpy(color.hsv2rgb(hsv)).permute(2, 0, 1)[None]
    torch.testing.assert_close(adjust_hue(as_tensor(array), delta), expected, atol=1e-9, rtol=0)


def test_hue_turns_primaries():
    rgb = torch.eye(3, dtype=torch.float64).reshape(3, 3, 1, 1)  # red, green, blue images
    torch.testing.assert_close(adjust_hue(rgb, 1 / 3), rgb.roll(-1, dims=0))  # red -> green -> blue
    torch.testing.assert_close(adjust_hue(rgb, 0.0), rgb)


@pytest.mark.parametrize("quality", [1, 10, 50, 95, 100])
@pytest.mark.parametrize("rgb", [True, False])
def test_adjust_jpeg_quality_matches_pillow(quality, rgb):
    array = uint8_image(quality, c=3 if rgb else 1, h=16, w=16)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=quality)
    expected = as_tensor(np.asarray(Image.open(buffer)))
    torch.testing.assert_close(adjust_jpeg_quality(as_tensor(array), quality), expected, atol=0, rtol=0)


def test_adjust_brightness_adds_and_clamps():
    x = torch.tensor([0.0, 0.5, 0.9]).reshape(1, 1, 1, 3)
    torch.testing.assert_close(adjust_brightness(x, 0.2), torch.tensor([0.2, 0.7, 1.0]).reshape(1, 1, 1, 3))
    torch.testing.assert_close(adjust_brightness(x.expand(2, 1, 1, 3), torch.tensor([0.0, -0.5]))[1],
                               torch.tensor([0.0, 0.0, 0.4]).reshape(1, 1, 3))


def test_grey_is_the_luma_pillow_computes():
    array = uint8_image(5)
    expected = np.asarray(Image.fromarray(array).convert("L")).astype(np.float64) / 255
    torch.testing.assert_close(grey(as_tensor(array))[0, 0], torch.from_numpy(expected), atol=1 / 255, rtol=0)
    assert LUMA == (0.299, 0.587, 0.114)


BAD = [
    (lambda x: random_brightness(x, -0.1, seed=0), ValueError, "`max_delta`"),
    (lambda x: random_contrast(x, -1.0, 1.0, seed=0), ValueError, "`lower`"),
    (lambda x: random_contrast(x, 1.5, 0.5, seed=0), ValueError, "`lower` must be <= `upper`"),
    (lambda x: random_saturation(x, 2.0, 1.0, seed=0), ValueError, "`lower` must be <= `upper`"),
    (lambda x: random_hue(x, 0.6, seed=0), ValueError, "`max_delta`"),
    (lambda x: adjust_jpeg_quality(x, 0), ValueError, "`quality`"),
    (lambda x: adjust_jpeg_quality(x, 101), ValueError, "`quality`"),
    (lambda x: random_jpeg_quality(x, 50, 101, seed=0), ValueError, "`max_quality`"),
    (lambda x: random_jpeg_quality(x, 90, 50, seed=0), ValueError, "`min_quality`"),
    (lambda x: random_brightness(x, 0.1, seed=-1), ValueError, "`seed`"),
    (lambda x: random_brightness(x, 0.1, seed="a"), TypeError, "`seed`"),
    (lambda x: random_brightness(x, "0.1", seed=0), TypeError, "`max_delta`"),
    (lambda x: random_brightness(x[0, 0], 0.1, seed=0), ValueError, "`images`"),
    (lambda x: random_brightness((x * 255).to(torch.uint8), 0.1, seed=0), TypeError, "`images`"),
    (lambda x: random_brightness(x.numpy(), 0.1, seed=0), TypeError, "`images`"),
    (lambda x: random_hue(x[:, :1], 0.1, seed=0), ValueError, "`images`"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call(images(n=2, h=8, w=8))
