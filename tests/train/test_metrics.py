"""cnnlab.train.metrics: PSNR and SSIM against scikit-image, the confusion matrix by counting."""

import math
import sys

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from cnnlab.train.metrics import confusion_matrix, psnr, ssim


def rand(*shape, seed=0, dtype=torch.float32):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def test_psnr_on_known_inputs_and_against_skimage():
    target = torch.zeros(4, 1, 8, 8)
    for e in (0.5, 0.1, 0.01):
        assert math.isclose(psnr(target + e, target), 10 * math.log10(1 / e**2), rel_tol=1e-6)
    assert math.isclose(psnr(target + 0.5, target, data_range=2.0), 10 * math.log10(4 / 0.25), rel_tol=1e-6)
    assert psnr(target, target) == math.inf
    a, b = rand(5, 3, 8, 8, seed=1), rand(5, 3, 8, 8, seed=2)
    expected = [peak_signal_noise_ratio(t.numpy(), p.numpy(), data_range=1.0) for p, t in zip(a, b)]
    torch.testing.assert_close(psnr(a, b, reduction="none"), torch.tensor(expected, dtype=torch.float64))
    assert math.isclose(psnr(a, b), float(np.mean(expected)), rel_tol=1e-9)
    assert math.isclose(psnr(a[0], b[0]), expected[0], rel_tol=1e-9)
    assert math.isclose(psnr(a[0, 0], b[0, 0]), peak_signal_noise_ratio(b[0, 0].numpy(), a[0, 0].numpy(), data_range=1.0),
                        rel_tol=1e-6)


@pytest.mark.parametrize("shape", [(4, 1, 8, 8), (2, 3, 16, 12), (2, 1, 5, 6)])
def test_ssim_matches_skimage(shape):
    a, b = rand(*shape, seed=3, dtype=torch.float64), rand(*shape, seed=4, dtype=torch.float64)
    b = (a + 0.2 * b).clamp(0, 1)
    side = min(shape[-2:])
    win = min(7, side if side % 2 else side - 1)
    expected = [structural_similarity(p, t, data_range=1.0, channel_axis=0, win_size=win)
                for p, t in zip(a.numpy(), b.numpy())]
    torch.testing.assert_close(ssim(a, b, reduction="none"), torch.tensor(expected, dtype=torch.float64))
    assert ssim(a, a) == pytest.approx(1.0)
    assert ssim(a[0], b[0]) == pytest.approx(expected[0])  # one (C, H, W) image


def test_ssim_without_scikit_image_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "skimage.metrics", None)  # as if scikit-image were missing
    with pytest.raises(ImportError, match="cnnlab.ssim needs scikit-image.*pip install scikit-image"):
        ssim(rand(1, 1, 8, 8), rand(1, 1, 8, 8))


def test_confusion_matrix_counts_pairs():
    truth, pred = torch.tensor([0, 1, 1, 2, 2, 2]), torch.tensor([0, 1, 0, 2, 1, 2])
    matrix = confusion_matrix(truth, pred, 3)
    assert matrix.tolist() == [[1, 0, 0], [1, 1, 0], [0, 1, 2]]
    assert int(matrix.sum()) == 6 and int(matrix.trace()) == int((truth == pred).sum())


def test_confusion_rejects_out_of_range():
    with pytest.raises(ValueError, match="`y_pred`"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0, 5]), 3)


@pytest.mark.parametrize("call, error, message", [
    (lambda: psnr(rand(1, 1, 4, 4), rand(1, 1, 4, 5)), ValueError, "`prediction` and `target`"),
    (lambda: psnr(rand(1, 1, 4, 4), rand(1, 1, 4, 4), data_range=0), ValueError, "`data_range`"),
    (lambda: psnr(rand(1, 1, 4, 4), rand(1, 1, 4, 4), reduction="sum"), ValueError, "`reduction`"),
    (lambda: psnr(rand(4, 4).numpy(), rand(4, 4)), TypeError, "`prediction`"),
    (lambda: ssim(rand(1, 1, 2, 2), rand(1, 1, 2, 2)), ValueError, "`prediction`"),
])
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
