"""Train denoisers: noisy images in, clean images out, fresh noise every batch.

:func:`fit_denoiser` trains any image-to-image model on clean images with seeded Gaussian noise
(the loop is :func:`cnnlab.train.loop.run_epoch`); :func:`fit_prior_guided_denoiser` trains the
prior-guided network on its own memory, each image left out of its own estimate.
"""

from __future__ import annotations

import math
import time

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab._checks import (check_bool, check_callable, check_choice, check_float, check_images, check_int,
                            check_seed, derive_seed, generator)
from cnnlab.data.noise import add_gaussian_noise
from cnnlab.nets.denoisers import PriorGuidedDenoisingNet
from cnnlab.train.evaluate import keep_mode, model_device
from cnnlab.train.loop import History, private_rng, run_epoch
from cnnlab.train.metrics import psnr

LOSSES = {
    "mse": lambda out, clean: F.mse_loss(out, clean),
    "l1": lambda out, clean: F.l1_loss(out, clean),
    # mean over images of log10 MSE: -PSNR / 10, so it maximises the mean PSNR directly
    "log_mse": lambda out, clean: torch.log10(((out - clean) ** 2).flatten(1).mean(1) + 1e-5).mean(),
}


def fit_denoiser(model, clean_images, *, sigma=0.3, epochs=30, lr=2e-3, batch_size=64, seed=0, val=None,
                 loss="log_mse", weight_decay=0.05, augment=None, clip=True, device=None, progress=False,
                 leave_one_out=False) -> History:
    """Train `model` to map noisy images to clean ones, with fresh seeded Gaussian noise every epoch.

    Each batch gets noise from :func:`cnnlab.add_gaussian_noise` seeded by ``(seed, epoch,
    batch)``, so the model never sees the same noisy image twice; AdamW with a one-cycle
    learning-rate schedule (peak `lr`), in :func:`cnnlab.train.loop.run_epoch`. The validation
    noise is drawn once, so `val_psnr` compares across epochs.

    Parameters
    ----------
    model : nn.Module
        Maps (N, C, H, W) noisy images to denoised ones.
    clean_images : Tensor, shape (N, C, H, W)
        Clean training images in [0, 1].
    sigma : float, default 0.3
    epochs, batch_size : int
    lr, weight_decay : float
    seed : int or torch.Generator
        Seeds the shuffling, the noise, `augment` and dropout; the global generators are left
        as they were.
    val : Tensor, shape (M, C, H, W), optional
        Clean validation images.
    loss : {'log_mse', 'mse', 'l1'}, default 'log_mse'
        ``'log_mse'`` is the mean of each image's log10 MSE: minimising it
        maximises the mean PSNR.
    augment : callable, optional
        ``augment(images, seed=...)`` applied to the clean images each epoch (:mod:`cnnlab.data.augment`).
    clip : bool, default True
        Clip the noisy images to [0, 1] (see :func:`cnnlab.add_gaussian_noise`).
    device : torch.device or str, optional
        Defaults to the device of the model's parameters.
    progress : bool, default False
        Show a tqdm bar over epochs.
    leave_one_out : bool, default False
        Call ``model(noisy, exclude=index)`` with each batch's indices into
        `clean_images`, for a model whose memory holds the training images and
        must not use an image's own clean copy
        (:class:`~cnnlab.PriorGuidedDenoisingNet`).

    Returns
    -------
    History
        `train_loss`, and with `val` also `val_loss`, `val_psnr` and `noisy_psnr`. The model
        ends in the train/eval mode it started in.

    Examples
    --------
    >>> x = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(0)).round()
    >>> from cnnlab.nets.autoencoders import DenoisingNet
    >>> history = fit_denoiser(DenoisingNet(width=4, image_size=8, hidden=16), x, epochs=2, val=x[:4])
    >>> history.epochs, len(history.val_psnr)
    (2, 2)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be an nn.Module, got {type(model).__name__}")
    clean_images, _ = check_images("clean_images", clean_images)
    sigma = check_float("sigma", sigma, low=0.0)
    epochs, batch_size = check_int("epochs", epochs, minimum=1), check_int("batch_size", batch_size, minimum=1)
    lr, weight_decay = check_float("lr", lr, positive=True), check_float("weight_decay", weight_decay, low=0.0)
    seed, progress, clip = check_seed(seed), check_bool("progress", progress), check_bool("clip", clip)
    leave_one_out = check_bool("leave_one_out", leave_one_out)
    loss_fn = LOSSES[check_choice("loss", loss, tuple(LOSSES))]
    augment = None if augment is None else check_callable("augment", augment)
    device = model_device(model) if device is None else torch.device(device)
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = math.ceil(len(clean_images) / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps)
    history = History()
    if val is not None:
        val = check_images("val", val)[0].to(device)
        noisy_val = add_gaussian_noise(val, sigma, seed=derive_seed(seed, 2**32), clip=clip)
        history.noisy_psnr = psnr(noisy_val, val)

    shuffle = generator(seed)  # one stream over the epochs of this call

    def batches(epoch):
        images = clean_images if augment is None else augment(clean_images, seed=derive_seed(seed, epoch, 2**32))
        order = torch.randperm(len(images), generator=shuffle)
        for b in range(steps):
            index = order[b * batch_size:(b + 1) * batch_size]
            clean = images[index].to(device)
            yield index, clean, add_gaussian_noise(clean, sigma, seed=derive_seed(seed, epoch, b), clip=clip)

    def loss_of(batch):
        index, clean, noisy = batch
        return loss_fn(model(noisy, exclude=index) if leave_one_out else model(noisy), clean), len(clean), 0

    from tqdm.auto import tqdm

    start = time.perf_counter()
    with keep_mode(model):
        for epoch in tqdm(range(epochs), desc="epochs", disable=not progress, leave=False):
            with private_rng(derive_seed(seed, epoch, 1), device):
                history.train_loss.append(run_epoch(model, batches(epoch), loss_of, optimizer, schedule=schedule)[0])
            if val is not None:
                model.eval()
                with torch.no_grad():
                    denoised = model(noisy_val)
                history.val_loss.append(float(loss_fn(denoised, val)))
                history.val_psnr.append(psnr(denoised, val))
    history.seconds = time.perf_counter() - start
    return history


def fit_prior_guided_denoiser(model, *, epochs=60, lr=3e-3, batch_size=64, seed=0, weight_decay=0.05,
                              sigma=None, loss="log_mse", clip=None) -> History:
    """Train a :class:`PriorGuidedDenoisingNet` on its own memory, each image left out of its own estimate.

    :func:`fit_denoiser` with ``leave_one_out=True``: fresh seeded noise every batch, AdamW
    with a one-cycle schedule (peak `lr`), the ``'log_mse'`` loss by default. The clean images are
    ``model.prior.memory``; each batch passes their indices as ``exclude``, so
    the posterior mean of an image is built from the other stored images only,
    as it will be for new images.

    Parameters
    ----------
    model : PriorGuidedDenoisingNet
    epochs, batch_size : int
    lr, weight_decay : float
    seed : int or torch.Generator
        Seeds the shuffling and the noise.
    sigma : float, optional
        Training noise; defaults to ``model.prior.sigma``.
    loss : {'log_mse', 'mse', 'l1'}, default 'log_mse'
    clip : bool, optional
        Clip the training noise to [0, 1]; defaults to ``model.prior.clip``, the noise the prior
        assumes.

    Returns
    -------
    History
        `train_loss` per epoch and `seconds`.

    Examples
    --------
    >>> memory = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(0)).round()
    >>> net = PriorGuidedDenoisingNet(memory, sigma=0.3, width=4, hidden=16)
    >>> fit_prior_guided_denoiser(net, epochs=2, batch_size=8).epochs
    2
    """
    if not isinstance(model, PriorGuidedDenoisingNet):
        raise TypeError(f"`model` must be a PriorGuidedDenoisingNet, got {type(model).__name__}")
    return fit_denoiser(model, model.prior.memory, sigma=model.prior.sigma if sigma is None else sigma,
                        epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, loss=loss,
                        weight_decay=weight_decay, clip=model.prior.clip if clip is None else clip,
                        leave_one_out=True)
