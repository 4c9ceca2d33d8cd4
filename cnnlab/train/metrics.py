"""How good a model is: accuracy counts, the confusion matrix, PSNR and SSIM.

The image metrics follow scikit-image (``peak_signal_noise_ratio``, ``structural_similarity``)
image by image and average over the batch, so a batch's score is the mean of its images' scores.
"""

from __future__ import annotations

import torch

from cnnlab._checks import check_choice, check_float, check_int


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Counts of (true class, predicted class) pairs: rows are true classes.

    Examples
    --------
    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), 2)
    tensor([[1, 0],
            [1, 1]])
    """
    num_classes = check_int("num_classes", num_classes, minimum=1)
    y_true, y_pred = torch.as_tensor(y_true).long().cpu(), torch.as_tensor(y_pred).long().cpu()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"`y_true` and `y_pred` must have the same shape, got {tuple(y_true.shape)} and {tuple(y_pred.shape)}")
    for name, t in (("y_true", y_true), ("y_pred", y_pred)):
        if len(t) and (int(t.min()) < 0 or int(t.max()) >= num_classes):
            raise ValueError(f"`{name}` must hold classes in [0, {num_classes}), got values in [{int(t.min())}, {int(t.max())}]")
    return torch.bincount(y_true * num_classes + y_pred, minlength=num_classes**2).reshape(num_classes, num_classes)


def _check_pair(prediction, target, data_range):
    for name, t in (("prediction", prediction), ("target", target)):
        if not torch.is_tensor(t) or not t.is_floating_point():
            raise TypeError(f"`{name}` must be a float tensor, got {getattr(t, 'dtype', type(t).__name__)}")
    if prediction.shape != target.shape or prediction.dim() not in (2, 3, 4):
        raise ValueError(f"`prediction` and `target` must have the same shape (N, C, H, W), (C, H, W) or (H, W), "
                         f"got {tuple(prediction.shape)} and {tuple(target.shape)}")
    data_range = check_float("data_range", data_range, positive=True)
    batch = lambda t: t.reshape(*([1] * (4 - t.dim())), *t.shape)  # noqa: E731  (H, W), (C, H, W) -> 4-D
    return batch(prediction), batch(target), data_range


def _reduce(values, reduction):
    check_choice("reduction", reduction, ("mean", "none"))
    return float(values.mean()) if reduction == "mean" else values


def psnr(prediction, target, data_range=1.0, reduction="mean"):
    """Peak signal-to-noise ratio ``10 log10(data_range² / MSE)`` in dB, per image.

    The MSE is taken over each image (C, H, W); ``reduction='mean'`` returns the
    mean of the images' PSNRs as a float (what ``skimage.metrics.peak_signal_noise_ratio``
    gives image by image, averaged), ``'none'`` a tensor of shape (N,). A
    perfect prediction has infinite PSNR.

    Examples
    --------
    >>> target = torch.zeros(2, 1, 4, 4)
    >>> round(psnr(target + 0.1, target), 6)  # constant error e: 10 log10(1 / e²) = 20 dB
    20.0
    """
    prediction, target, data_range = _check_pair(prediction, target, data_range)
    mse = ((prediction.double() - target.double()) ** 2).flatten(1).mean(1)
    return _reduce(10 * torch.log10(data_range**2 / mse), reduction)


def ssim(prediction, target, data_range=1.0, reduction="mean"):
    """Structural similarity per image, by ``skimage.metrics.structural_similarity`` (on the CPU).

    Uses scikit-image's defaults (7×7 uniform window, or the largest odd window
    that fits images smaller than 7 pixels, at least 3); colour images average
    their channels. ``reduction='mean'``: the mean over images as a float.

    Examples
    --------
    >>> x = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> ssim(x, x)
    1.0
    """
    prediction, target, data_range = _check_pair(prediction, target, data_range)
    try:
        from skimage.metrics import structural_similarity
    except ImportError as err:
        raise ImportError("cnnlab.ssim needs scikit-image, which is not installed: "
                          "pip install scikit-image (or pip install 'cnnlab[book]')") from err
    side = min(prediction.shape[-2:])
    if side < 3:
        raise ValueError(f"`prediction` must be at least 3×3 pixels for SSIM, got shape {tuple(prediction.shape)}")
    win = min(7, side if side % 2 else side - 1)
    pairs = zip(prediction.detach().cpu().double().numpy(), target.detach().cpu().double().numpy())
    values = [structural_similarity(p, t, data_range=data_range, channel_axis=0, win_size=win) for p, t in pairs]
    return _reduce(torch.tensor(values, dtype=torch.float64), reduction)
