"""cnnlab.data.mnist: the fixed split is stratified, disjoint and the same on every run.

These tests read the data fetched at set-up (``python -m cnnlab.data.fetch``)."""

import numpy as np
import pytest
import torch

from cnnlab.data import mnist as M


@pytest.mark.parametrize("name, test, val", [("fashion-mnist", 1000, 500), ("mnist", 200, 100)])
def test_splits_are_stratified_disjoint_and_cover_the_data(name, test, val):
    parts = {split: M.load_split(name, split) for split in ("train", "val", "test")}
    assert parts["test"][1].bincount().tolist() == [test] * 10
    assert parts["val"][1].bincount().tolist() == [val] * 10
    images, _ = M._arrays(name)
    assert sum(len(y) for _, y in parts.values()) == len(images)
    keys = {split: {bytes(x.mul(255).round().byte().numpy().tobytes()) for x in xs} for split, (xs, _) in parts.items()}
    assert not keys["train"] & keys["test"] and not keys["val"] & keys["test"] and not keys["train"] & keys["val"]
    x, y = parts["val"]
    assert x.shape == (10 * val, 1, 28, 28) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    assert len(set(y[:50].tolist())) > 5  # a shuffled order, not class after class


def test_the_split_is_the_same_every_time_and_per_class_takes_a_stratified_prefix():
    a, ya = M.fashion_mnist("train", per_class=20)
    M._split_indices.cache_clear()
    b, yb = M.fashion_mnist("train", per_class=20)
    assert torch.equal(a, b) and torch.equal(ya, yb)
    assert ya.bincount().tolist() == [20] * 10
    full, yfull = M.fashion_mnist("train")
    first = {k: full[yfull == k][:20] for k in range(10)}
    assert all(torch.equal(a[ya == k], first[k]) for k in range(10))


def test_the_classes_are_the_published_ones():
    x, y = M.fashion_mnist("val")
    mean = [float(x[y == k].mean()) for k in range(10)]
    # trousers, sandals and sneakers cover few pixels; pullovers, coats and bags many
    assert max(mean[1], mean[5], mean[7]) < min(mean[2], mean[4], mean[8])
    assert M.FASHION_CLASSES[0] == "T-shirt/top" and len(M.FASHION_CLASSES) == 10


def test_a_missing_data_set_names_the_command_that_fetches_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_DATA", str(tmp_path))
    M._arrays.cache_clear()
    M._split_indices.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match=r"python -m cnnlab.data.fetch mnist"):
            M.mnist("test")
    finally:
        M._arrays.cache_clear()
        M._split_indices.cache_clear()


@pytest.mark.parametrize("call, error, match", [
    (lambda: M.load_split("cifar"), ValueError, "`name` must be one of"),
    (lambda: M.fashion_mnist("dev"), ValueError, "`split` must be one of 'train', 'val', 'test'"),
    (lambda: M.fashion_mnist(per_class=0), ValueError, "`per_class` must be an int >= 1"),
    (lambda: M.mnist(per_class=2.5), TypeError, "`per_class`"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
