"""cnnlab.data.datasets: the bundled photos and digits, their splits and errors."""

import numpy as np
import pytest
import torch

from cnnlab.data.augment.colour import LUMA
from cnnlab.data.datasets import SAMPLE_IMAGES, digits_splits, load_digits, sample_image


@pytest.mark.parametrize("name", SAMPLE_IMAGES)
def test_every_sample_image_loads_offline(name):
    image = sample_image(name)
    assert image.dtype == np.float32 and image.ndim in (2, 3)
    assert 0.0 <= image.min() and image.max() <= 1.0 and image.max() > image.min()


def test_gray_and_size():
    rgb = sample_image("astronaut")
    gray = sample_image("astronaut", gray=True)
    assert rgb.shape == (512, 512, 3) and gray.shape == (512, 512)
    np.testing.assert_allclose(gray, rgb @ np.array(LUMA), atol=1e-6)  # the one grey of cnnlab
    small = sample_image("coffee", short_side=100)
    assert small.shape == (100, 150, 3)
    # area averaging keeps the mean brightness
    assert abs(small.mean() - sample_image("coffee").mean()) < 1e-3


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"name": "lena"}, ValueError, "`name`"),
    ({"name": "camera", "short_side": 0}, ValueError, "`short_side`"),
    ({"name": "camera", "gray": "yes"}, TypeError, "`gray`"),
])
def test_sample_image_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        sample_image(**kwargs)


def test_digit_splits_are_stratified_disjoint_and_seeded():
    splits = digits_splits(3, seed=0)
    assert len(splits) == 3
    for s in splits:
        assert s.x_train.shape == (1437, 1, 8, 8) and s.x_test.shape == (360, 1, 8, 8)
        assert s.x_train.dtype == torch.float32 and float(s.x_train.max()) == pytest.approx(1.0)
        counts = s.y_test.bincount(minlength=10)
        assert int(counts.min()) >= 35 and int(counts.max()) <= 37
        # no test image also in the training part
        train = {tuple(r) for r in s.x_train.reshape(len(s.x_train), -1).tolist()}
        overlap = sum(tuple(r) in train for r in s.x_test.reshape(len(s.x_test), -1).tolist())
        assert overlap <= 5  # the data set has a handful of exact duplicate images
    assert not torch.equal(splits[0].y_test, splits[1].y_test)
    again = load_digits(seed=0)
    assert torch.equal(again.y_test, splits[0].y_test) and torch.equal(again.x_train, splits[0].x_train)
    assert again.train[0] is again.x_train


@pytest.mark.parametrize(("kwargs", "error"), [({"test_size": 1.5}, ValueError), ({"n_splits": 0}, ValueError),
                                              ({"test_size": "0.2"}, TypeError), ({"seed": -1}, ValueError)])
def test_digit_split_errors(kwargs, error):
    with pytest.raises(error):
        digits_splits(**kwargs)
