"""Tests for cnnlab/augment.py: stateless seeding, shapes, ranges, and the cores against Pillow, scikit-image and scipy."""

from functools import partial

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageEnhance
from scipy import ndimage
from skimage import color, transform

from cnnlab import augment as A

# every random transform, bound to valid parameters: name -> f(images, seed)
RANDOM = {
    "brightness": partial(A.random_brightness, max_delta=0.3),
    "contrast": partial(A.random_contrast, lower=0.3, upper=1.7),
    "crop": partial(A.random_crop, size=(4, 5)),
    "flip_left_right": A.random_flip_left_right,
    "flip_up_down": A.random_flip_up_down,
    "hue": partial(A.random_hue, max_delta=0.4),
    "saturation": partial(A.random_saturation, lower=0.0, upper=2.0),
    "jpeg_quality": partial(A.random_jpeg_quality, min_quality=10, max_quality=95),
    "rotation": partial(A.random_rotation, max_degrees=30.0),
    "scale": partial(A.random_scale, lower=0.7, upper=1.3),
    "shear": partial(A.random_shear, max_degrees=20.0),
    "elastic": partial(A.random_elastic, alpha=3.0, sigma=1.0),
    "compose": A.Compose([partial(A.random_rotation, max_degrees=10.0), A.random_flip_up_down,
                          partial(A.random_brightness, max_delta=0.1)]),
}


def images(n=6, c=3, h=7, w=8, seed=0, dtype=torch.float32):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def uint8_image(seed, c=3, h=9, w=11):
    return np.random.default_rng(seed).integers(0, 256, (h, w, c) if c == 3 else (h, w), dtype=np.uint8)


def as_tensor(array):
    """(H, W, 3) or (H, W) uint8 -> (1, C, H, W) float64 in [0, 1]."""
    t = torch.from_numpy(array.astype(np.float64) / 255)
    return (t.permute(2, 0, 1) if t.dim() == 3 else t[None])[None]


@pytest.mark.parametrize("name", RANDOM)
def test_shape_dtype_device_range(name, device):
    x = images().to(device)
    for dtype in (torch.float32, torch.float64):
        out = RANDOM[name](x.to(dtype), seed=1)
        assert out.dtype == dtype and out.device == x.device
        assert out.shape == ((6, 3, 4, 5) if name == "crop" else x.shape)
        assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    single = RANDOM[name](x[0], seed=1)  # (C, H, W) in, (C, H, W) out, same draw as the batch's first image
    torch.testing.assert_close(single, RANDOM[name](x, seed=1)[0])


@pytest.mark.parametrize("name", RANDOM)
def test_same_seed_same_output_different_seed_different(name, device):
    x = images().to(device)
    torch.manual_seed(123)
    a = RANDOM[name](x, seed=7)
    torch.rand(100)  # global state must not matter
    assert torch.equal(a, RANDOM[name](x, seed=7))
    assert not torch.equal(a, RANDOM[name](x, seed=8))
    # numpy and torch generators work too, and the same state gives the same output
    assert torch.equal(RANDOM[name](x, seed=np.random.default_rng(3)), RANDOM[name](x, seed=np.random.default_rng(3)))
    assert torch.equal(RANDOM[name](x, seed=torch.Generator().manual_seed(3)),
                       RANDOM[name](x, seed=torch.Generator().manual_seed(3)))
    # parameters drawn on the CPU: the same result on every device
    torch.testing.assert_close(a.cpu(), RANDOM[name](x.cpu(), seed=7), atol=1e-5, rtol=0)


@settings(max_examples=50)
@given(seed=st.integers(0, 2**64 - 1))
def test_seeds_are_stateless_over_the_whole_range(seed):
    x = images(n=3, h=5, w=5)
    for name in ("brightness", "rotation", "crop"):
        assert torch.equal(RANDOM[name](x, seed=seed), RANDOM[name](x, seed=seed))


# --- deterministic cores against independent implementations -------------------------------------------

@given(seed=st.integers(0, 2**16), factor=st.floats(0.0, 2.0), rgb=st.booleans())
def test_adjust_contrast_matches_pillow(seed, factor, rgb):
    array = uint8_image(seed, c=3 if rgb else 1)
    expected = np.asarray(ImageEnhance.Contrast(Image.fromarray(array)).enhance(factor))
    # Pillow rounds the grey mean and truncates to uint8: within 3/255
    torch.testing.assert_close(A.adjust_contrast(as_tensor(array), factor), as_tensor(expected), atol=3 / 255, rtol=0)


@given(seed=st.integers(0, 2**16), factor=st.floats(0.0, 2.0))
def test_adjust_saturation_matches_pillow_color(seed, factor):
    array = uint8_image(seed)
    expected = np.asarray(ImageEnhance.Color(Image.fromarray(array)).enhance(factor))
    torch.testing.assert_close(A.adjust_saturation(as_tensor(array), factor), as_tensor(expected), atol=3 / 255, rtol=0)


@settings(max_examples=50)  # skimage's colour conversions are slow per call
@given(seed=st.integers(0, 2**16), delta=st.floats(-0.5, 0.5))
def test_adjust_hue_matches_skimage_hsv(seed, delta):
    array = uint8_image(seed)
    array[0, 0] = (40, 40, 40)  # a grey pixel: hue undefined, kept
    hsv = color.rgb2hsv(array)
    torch.testing.assert_close(A.rgb_to_hsv(as_tensor(array))[0].permute(1, 2, 0), torch.from_numpy(hsv))
    hsv[..., 0] = (hsv[..., 0] + delta) % 1
    expected = torch.from_numpy(color.hsv2rgb(hsv)).permute(2, 0, 1)[None]
    torch.testing.assert_close(A.adjust_hue(as_tensor(array), delta), expected, atol=1e-9, rtol=0)


def test_hue_turns_primaries():
    rgb = torch.eye(3, dtype=torch.float64).reshape(3, 3, 1, 1)  # red, green, blue images
    torch.testing.assert_close(A.adjust_hue(rgb, 1 / 3), rgb.roll(-1, dims=0))  # red -> green -> blue
    torch.testing.assert_close(A.adjust_hue(rgb, 0.0), rgb)


@pytest.mark.parametrize("quality", [1, 10, 50, 95, 100])
@pytest.mark.parametrize("rgb", [True, False])
def test_adjust_jpeg_quality_matches_pillow(quality, rgb):
    import io

    array = uint8_image(quality, c=3 if rgb else 1, h=16, w=16)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=quality)
    expected = as_tensor(np.asarray(Image.open(buffer)))
    torch.testing.assert_close(A.adjust_jpeg_quality(as_tensor(array), quality), expected, atol=0, rtol=0)


def test_adjust_brightness_adds_and_clamps():
    x = torch.tensor([0.0, 0.5, 0.9]).reshape(1, 1, 1, 3)
    torch.testing.assert_close(A.adjust_brightness(x, 0.2), torch.tensor([0.2, 0.7, 1.0]).reshape(1, 1, 1, 3))
    torch.testing.assert_close(A.adjust_brightness(x.expand(2, 1, 1, 3), torch.tensor([0.0, -0.5]))[1],
                               torch.tensor([0.0, 0.0, 0.4]).reshape(1, 1, 3))


def _interior(shape, margin):
    h, w = shape
    rows, cols = np.mgrid[:h, :w]
    return np.hypot(rows - (h - 1) / 2, cols - (w - 1) / 2) < min(h, w) / 2 - margin


@settings(max_examples=60)  # skimage.transform is slow per call
@given(angle=st.floats(-180, 180), seed=st.integers(0, 2**16))
def test_rotation_matches_skimage_rotate_on_the_interior(angle, seed):
    image = np.random.default_rng(seed).random((12, 15))
    expected = transform.rotate(image, angle, order=1, mode="constant", cval=0.0)
    out = A.affine(torch.from_numpy(image)[None, None], angle=angle)[0, 0].numpy()
    inside = _interior(image.shape, 1.5)  # bilinear away from the border: same up to rounding
    np.testing.assert_allclose(out[inside], expected[inside], atol=1e-9)


@settings(max_examples=60)
@given(angle=st.floats(-45, 45), scale=st.floats(0.6, 1.6), shear=st.floats(-30, 30),
       tx=st.floats(-2, 2), ty=st.floats(-2, 2))
def test_affine_matches_skimage_warp(angle, scale, shear, tx, ty):
    image = np.random.default_rng(0).random((10, 13))
    h, w = image.shape
    forward = A.affine_matrix(angle, scale, shear, (tx, ty))[0].numpy()
    centre = np.array([(w - 1) / 2, (h - 1) / 2])  # (x, y) = (col, row)
    inverse = np.linalg.inv(forward[:, :2])
    matrix = np.eye(3)  # output (col, row) -> input (col, row), as skimage.transform.warp wants
    matrix[:2, :2], matrix[:2, 2] = inverse, centre - inverse @ (centre + forward[:, 2])
    expected = transform.warp(image, transform.AffineTransform(matrix=matrix), order=1, mode="constant", cval=0.0)
    out = A.affine(torch.from_numpy(image)[None, None], angle, scale, shear, (tx, ty))[0, 0].numpy()
    rows, cols = np.mgrid[:h, :w]
    src = np.einsum("ij,jhw->ihw", matrix[:2], np.stack([cols, rows, np.ones_like(rows)]))
    inside = (src[0] >= 1) & (src[0] <= w - 2) & (src[1] >= 1) & (src[1] <= h - 2)  # samples away from the border
    np.testing.assert_allclose(out[inside], expected[inside], atol=1e-9)


def test_affine_conventions():
    x = images(n=2, c=1, h=6, w=6, dtype=torch.float64)
    torch.testing.assert_close(A.affine(x, angle=90.0), torch.rot90(x, 1, (-2, -1)))  # counter-clockwise
    torch.testing.assert_close(A.affine(x), x)
    torch.testing.assert_close(A.affine(x, translate=(1.0, 0.0))[..., 1:], x[..., :-1])  # right by one pixel
    shear = A.affine_matrix(shear=45.0)[0]
    torch.testing.assert_close(shear[:, :2], torch.tensor([[1.0, 1.0], [0.0, 1.0]], dtype=torch.float64))
    assert float(A.affine(torch.zeros(1, 1, 4, 4), angle=45.0, fill=1.0)[0, 0, 0, 0]) > 0.5  # corners filled


def test_elastic_alpha_zero_is_identity_and_blur_matches_scipy():
    x = images(n=2, c=2, h=9, w=7, dtype=torch.float64)
    torch.testing.assert_close(A.random_elastic(x, alpha=0.0, sigma=2.0, seed=0), x)
    for sigma in (0.0, 0.4, 1.0, 2.5, 6.0):
        expected = ndimage.gaussian_filter(x.numpy(), sigma=(0, 0, sigma, sigma), mode="reflect")
        torch.testing.assert_close(A.gaussian_blur(x, sigma), torch.from_numpy(expected))


def test_crop_takes_windows_and_flips_mirror():
    x = images(n=20, c=2, h=6, w=6)
    crops = A.random_crop(x, 3, seed=0)
    for image, crop in zip(x, crops):
        windows = image.unfold(1, 3, 1).unfold(2, 3, 1).permute(1, 2, 0, 3, 4)  # (4, 4, C, 3, 3)
        assert (windows == crop).flatten(2).all(-1).any()
    assert torch.equal(A.random_crop(x, (6, 6), seed=0), x)
    lr, ud = A.random_flip_left_right(x, seed=0), A.random_flip_up_down(x, seed=0)
    flipped = [not torch.equal(a, b) for a, b in zip(lr, x)]
    assert all(torch.equal(a, b.flip(-1) if f else b) for a, b, f in zip(lr, x, flipped))
    assert 0 < sum(flipped) < 20
    assert all(torch.equal(a, b) or torch.equal(a, b.flip(-2)) for a, b in zip(ud, x))


def test_compose_derives_one_seed_per_transform():
    steps = [partial(A.random_rotation, max_degrees=20.0), partial(A.random_brightness, max_delta=0.2)]
    x = images()
    expected = steps[1](steps[0](x, seed=A.derive_seed(5, 0)), seed=A.derive_seed(5, 1))
    torch.testing.assert_close(A.Compose(steps)(x, seed=5), expected)


def test_augmented_dataset_is_deterministic_per_seed_epoch_index():
    x, y = images(n=10), torch.arange(10)
    data = A.AugmentedDataset((x, y), partial(A.random_rotation, max_degrees=30.0), seed=1)
    first = [data[i][0] for i in range(10)]
    assert [int(data[i][1]) for i in range(10)] == list(range(10))
    assert all(torch.equal(data[i][0], first[i]) for i in reversed(range(10)))  # order does not matter
    torch.testing.assert_close(first[4], A.random_rotation(x[4:5], 30.0, seed=A.derive_seed(1, 0, 4))[0])
    data.set_epoch(1)
    assert not torch.equal(data[4][0], first[4])
    data.set_epoch(0)
    assert torch.equal(data[4][0], first[4])
    loader = torch.utils.data.DataLoader(data, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))
    batch_x, batch_y = next(iter(loader))
    torch.testing.assert_close(batch_x, torch.stack([first[int(i)] for i in batch_y]))
    only_images = A.AugmentedDataset(x, A.random_flip_left_right)
    assert only_images[0].shape == (3, 7, 8)


def test_augmented_dataset_trains_with_fit():
    from cnnlab.training import fit

    x, y = images(n=16, c=1, h=4, w=4), torch.arange(16) % 2
    data = A.AugmentedDataset((x, y), A.random_flip_left_right, seed=0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for epoch in range(2):
        data.set_epoch(epoch)
        history = fit(model, data, epochs=1, optimizer=optimizer, seed=epoch, device="cpu", progress=False)
        assert history.epochs == 1


# --- bad arguments ------------------------------------------------------------------------------------

BAD = [
    (lambda x: A.random_brightness(x, -0.1, 0), ValueError, "`max_delta`"),
    (lambda x: A.random_contrast(x, -1.0, 1.0, 0), ValueError, "`lower`"),
    (lambda x: A.random_contrast(x, 1.5, 0.5, 0), ValueError, "`lower` must be <= `upper`"),
    (lambda x: A.random_saturation(x, 2.0, 1.0, 0), ValueError, "`lower` must be <= `upper`"),
    (lambda x: A.random_hue(x, 0.6, 0), ValueError, "`max_delta`"),
    (lambda x: A.random_crop(x, 9, 0), ValueError, "`size`"),
    (lambda x: A.random_crop(x, (2, 3, 4), 0), ValueError, "`size`"),
    (lambda x: A.adjust_jpeg_quality(x, 0), ValueError, "`quality`"),
    (lambda x: A.adjust_jpeg_quality(x, 101), ValueError, "`quality`"),
    (lambda x: A.random_jpeg_quality(x, 50, 101, 0), ValueError, "`max_quality`"),
    (lambda x: A.random_jpeg_quality(x, 90, 50, 0), ValueError, "`min_quality`"),
    (lambda x: A.random_scale(x, 0.0, 1.0, 0), ValueError, "`lower`"),
    (lambda x: A.affine(x, scale=-1.0), ValueError, "`scale`"),
    (lambda x: A.random_shear(x, 90.0, 0), ValueError, "`max_degrees`"),
    (lambda x: A.random_elastic(x, -1.0, 1.0, 0), ValueError, "`alpha`"),
    (lambda x: A.random_flip_left_right(x, 0, p=1.5), ValueError, "`p`"),
    (lambda x: A.random_brightness(x, 0.1, -1), ValueError, "`seed`"),
    (lambda x: A.random_brightness(x, 0.1, "a"), TypeError, "`seed`"),
    (lambda x: A.random_brightness(x, "0.1", 0), TypeError, "`max_delta`"),
    (lambda x: A.random_brightness(x[0, 0], 0.1, 0), ValueError, "`images`"),
    (lambda x: A.random_brightness((x * 255).to(torch.uint8), 0.1, 0), TypeError, "`images`"),
    (lambda x: A.random_brightness(x.numpy(), 0.1, 0), TypeError, "`images`"),
    (lambda x: A.random_hue(x[:, :1], 0.1, 0), ValueError, "`images`"),
    (lambda x: A.Compose([1]), TypeError, "`transforms`"),
    (lambda x: A.AugmentedDataset(x, "flip"), TypeError, "`transform`"),
    (lambda x: A.AugmentedDataset(x, A.random_flip_up_down).set_epoch(-1), ValueError, "`epoch`"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call(images(n=2, h=8, w=8))
