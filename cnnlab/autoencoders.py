"""Image autoencoders and denoising: encoder -> embedding -> decoder, noise, PSNR/SSIM, baselines.

:class:`ConvAutoencoder` squeezes an image through a small embedding (for
exploring the data and reconstructing it); :class:`DenoisingNet` keeps the
full resolution and predicts the noise to subtract, which removes far more
noise than a bottleneck that must also forget detail. :func:`fit_denoiser`
trains either on clean images with fresh Gaussian noise every epoch.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from cnnlab._checks import check_bool, check_choice, check_int, check_tuple
from cnnlab.augment import _check_float, _check_images, _pad_symmetric, derive_seed, gaussian_blur, seed_int
from cnnlab.shapes import conv_transpose_output_size


class ConvAutoencoder(nn.Module):
    """A convolutional autoencoder: strided convs -> a `latent_dim` embedding -> upsampling convs.

    Each encoder stage is a 3×3 convolution with stride 2 and ReLU (sizes
    ceil-halve: 8 -> 4 -> 2, 28 -> 14 -> 7, 32 -> 16 -> 8); a linear layer maps
    the last feature map to the embedding. The decoder mirrors it with
    transposed convolutions (``decoder='transpose'``) or nearest upsampling
    followed by a 3×3 convolution (``'upsample'``, free of checkerboard
    artefacts), and ends in a sigmoid so outputs lie in [0, 1].

    Parameters
    ----------
    in_channels : int, default 1
    latent_dim : int, default 16
        Size of the embedding.
    widths : tuple of ints, default (16, 32)
        Channels of the encoder stages (one downsampling per entry).
    image_size : int or (int, int), default 8
        Height and width of the images.
    decoder : {'transpose', 'upsample'}, default 'transpose'
    device, dtype : optional
        Where and in which float type to create the parameters.

    Examples
    --------
    >>> model = ConvAutoencoder(latent_dim=10, image_size=8)
    >>> x = torch.rand(5, 1, 8, 8)
    >>> model.encode(x).shape, model(x).shape
    (torch.Size([5, 10]), torch.Size([5, 1, 8, 8]))
    """

    def __init__(self, in_channels=1, latent_dim=16, widths=(16, 32), image_size=8, decoder="transpose",
                 device=None, dtype=None):
        super().__init__()
        in_channels = check_int("in_channels", in_channels, minimum=1)
        self.latent_dim = check_int("latent_dim", latent_dim, minimum=1)
        if not isinstance(widths, (tuple, list)) or not widths:
            raise ValueError(f"`widths` must be a non-empty tuple of ints, got {widths!r}")
        widths = check_tuple("widths", tuple(widths), len(widths), minimum=1)
        self.image_size = check_tuple("image_size", image_size, 2, minimum=1)
        self.decoder_kind = check_choice("decoder", decoder, ("transpose", "upsample"))
        sizes = [self.image_size]  # spatial size before each stage, then after the last
        for _ in widths:
            sizes.append(tuple((s + 1) // 2 for s in sizes[-1]))
        kw = {"device": device, "dtype": dtype}
        channels = (in_channels, *widths)
        self.encoder = nn.Sequential(*[
            layer for c_in, c_out in zip(channels, widths)
            for layer in (nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, **kw), nn.ReLU())
        ], nn.Flatten())
        self._bottom = (widths[-1], *sizes[-1])  # (C, h, w) of the last feature map
        self.to_latent = nn.Linear(math.prod(self._bottom), self.latent_dim, **kw)
        self.from_latent = nn.Sequential(nn.Linear(self.latent_dim, math.prod(self._bottom), **kw), nn.ReLU())
        stages = []
        for i in reversed(range(len(widths))):  # widths[i] at sizes[i + 1] -> widths[i - 1] at sizes[i]
            c_in, c_out, target = widths[i], widths[max(i - 1, 0)], sizes[i]
            if decoder == "transpose":
                # output_padding picks the exact size: (n - 1) * 2 - 2 + 3 + op
                pad = tuple(t - conv_transpose_output_size(n, 3, 2, 1) for t, n in zip(target, sizes[i + 1]))
                stages += [nn.ConvTranspose2d(c_in, c_out, 3, stride=2, padding=1, output_padding=pad, **kw)]
            else:
                stages += [nn.Upsample(size=target, mode="nearest"), nn.Conv2d(c_in, c_out, 3, padding=1, **kw)]
            stages.append(nn.ReLU())
        self.decoder = nn.Sequential(*stages, nn.Conv2d(widths[0], in_channels, 3, padding=1, **kw), nn.Sigmoid())
        self.in_channels = in_channels

    def encode(self, x):
        """Embeddings of images `x`, shape (N, C, H, W) -> (N, latent_dim)."""
        if x.dim() != 4 or tuple(x.shape[1:]) != (self.in_channels, *self.image_size):
            raise ValueError(f"`x` must have shape (N, {self.in_channels}, {self.image_size[0]}, "
                             f"{self.image_size[1]}), got {tuple(x.shape)}")
        return self.to_latent(self.encoder(x))

    def decode(self, z):
        """Images from embeddings `z`, shape (N, latent_dim) -> (N, C, H, W) in [0, 1]."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"`z` must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        return self.decoder(self.from_latent(z).reshape(len(z), *self._bottom))

    def forward(self, x):
        return self.decode(self.encode(x))


class DenoisingNet(nn.Module):
    """A residual denoiser: it predicts the noise and subtracts it, ``clamp(x - f(x), 0, 1)``.

    ``f`` adds two paths over shared 3×3 conv features (`depth` layers of
    `width` channels, full resolution): a 3×3 convolution (local detail) and,
    when `image_size` is given, a small fully connected network over the whole
    feature map (global context: which digit this is). No bottleneck has to
    hold the whole image, so it keeps detail a :class:`ConvAutoencoder` loses;
    predicting the residual makes the identity easy (DnCNN, Zhang et al. 2017).
    On the 8×8 digits with clipped noise of σ = 0.3, the defaults trained by
    :func:`fit_denoiser` for 30 epochs take the test PSNR from 13.0 to 18.3 dB
    (best Gaussian blur 14.0 dB, 3×3 median 12.2 dB, a 32-d ConvAutoencoder 17.1 dB).

    Parameters
    ----------
    in_channels : int, default 1
    width : int, default 16
    depth : int, default 2
        Number of conv + ReLU feature layers.
    image_size : int or (int, int), optional
        Enables the global path (needs this size); ``None``: fully convolutional, any size.
    hidden : int, default 512
        Hidden units of the global path.
    device, dtype : optional

    Examples
    --------
    >>> net = DenoisingNet(image_size=8)
    >>> net(torch.rand(3, 1, 8, 8)).shape
    torch.Size([3, 1, 8, 8])

    References
    ----------
    K. Zhang, W. Zuo, Y. Chen, D. Meng, L. Zhang, "Beyond a Gaussian denoiser:
    residual learning of deep CNN for image denoising", IEEE TIP 2017.
    """

    def __init__(self, in_channels=1, width=16, depth=2, image_size=None, hidden=512, device=None, dtype=None):
        super().__init__()
        in_channels, width = check_int("in_channels", in_channels, minimum=1), check_int("width", width, minimum=1)
        depth, hidden = check_int("depth", depth, minimum=1), check_int("hidden", hidden, minimum=1)
        kw = {"device": device, "dtype": dtype}
        layers = []
        for i in range(depth):
            layers += [nn.Conv2d(in_channels if i == 0 else width, width, 3, padding=1, **kw), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.local = nn.Conv2d(width, in_channels, 3, padding=1, **kw)
        self.image_size = None if image_size is None else check_tuple("image_size", image_size, 2, minimum=1)
        self.global_path = None
        if self.image_size is not None:
            pixels = math.prod(self.image_size)
            self.global_path = nn.Sequential(nn.Flatten(), nn.Linear(width * pixels, hidden, **kw), nn.ReLU(),
                                             nn.Linear(hidden, in_channels * pixels, **kw))

    def forward(self, x):
        if self.image_size is not None and tuple(x.shape[-2:]) != self.image_size:
            raise ValueError(f"`x` must be {self.image_size[0]}×{self.image_size[1]} images (the `image_size` "
                             f"of the global path), got shape {tuple(x.shape)}")
        features = self.features(x)  # (N, width, H, W)
        noise = self.local(features)
        if self.global_path is not None:
            noise = noise + self.global_path(features).view_as(noise)
        return (x - noise).clamp(0, 1)


def add_gaussian_noise(images, sigma, seed, clip=True):
    """Add Gaussian noise of standard deviation `sigma`, drawn on the CPU from `seed` (same on every device).

    Examples
    --------
    >>> x = torch.full((2, 1, 4, 4), 0.5)
    >>> noisy = add_gaussian_noise(x, 0.3, seed=0)
    >>> torch.equal(noisy, add_gaussian_noise(x, 0.3, seed=0)), bool(noisy.min() >= 0 and noisy.max() <= 1)
    (True, True)
    """
    batch, _ = _check_images(images)
    sigma, clip = _check_float("sigma", sigma, low=0.0), check_bool("clip", clip)
    gen = torch.Generator().manual_seed(seed_int(seed))
    noise = torch.randn(images.shape, generator=gen, dtype=images.dtype).to(images.device)
    noisy = images + sigma * noise
    return noisy.clamp(0, 1) if clip else noisy


def _check_pair(prediction, target, data_range):
    for name, t in (("prediction", prediction), ("target", target)):
        if not torch.is_tensor(t) or not t.is_floating_point():
            raise TypeError(f"`{name}` must be a float tensor, got {getattr(t, 'dtype', type(t).__name__)}")
    if prediction.shape != target.shape or prediction.dim() not in (2, 3, 4):
        raise ValueError(f"`prediction` and `target` must have the same shape (N, C, H, W), (C, H, W) or (H, W), "
                         f"got {tuple(prediction.shape)} and {tuple(target.shape)}")
    data_range = _check_float("data_range", data_range, low=0.0)
    if data_range == 0:
        raise ValueError("`data_range` must be positive, got 0.0")
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
    from skimage.metrics import structural_similarity

    prediction, target, data_range = _check_pair(prediction, target, data_range)
    side = min(prediction.shape[-2:])
    if side < 3:
        raise ValueError(f"`prediction` must be at least 3×3 pixels for SSIM, got shape {tuple(prediction.shape)}")
    win = min(7, side if side % 2 else side - 1)
    pairs = zip(prediction.detach().cpu().double().numpy(), target.detach().cpu().double().numpy())
    values = [structural_similarity(p, t, data_range=data_range, channel_axis=0, win_size=win) for p, t in pairs]
    return _reduce(torch.tensor(values, dtype=torch.float64), reduction)


def gaussian_blur_denoise(images, sigma):
    """Classical baseline: a Gaussian blur of `sigma` pixels (as ``scipy.ndimage.gaussian_filter``).

    Examples
    --------
    >>> gaussian_blur_denoise(torch.rand(2, 1, 8, 8), 0.8).shape
    torch.Size([2, 1, 8, 8])
    """
    return gaussian_blur(images, sigma).clamp(0, 1)


def median_denoise(images, size=3):
    """Classical baseline: the median of each `size`×`size` window (odd), edges mirrored as scipy's 'reflect'.

    Examples
    --------
    >>> x = torch.zeros(1, 1, 5, 5); x[0, 0, 2, 2] = 1.0  # salt noise
    >>> float(median_denoise(x).max())
    0.0
    """
    batch, added = _check_images(images)
    size = check_int("size", size, minimum=1)
    if size % 2 == 0:
        raise ValueError(f"`size` must be an odd int, got {size}")
    n, c, h, w = batch.shape
    r = size // 2
    padded = _pad_symmetric(batch.reshape(n * c, 1, h, w), (r, r, r, r))
    windows = F.unfold(padded, size)  # (N*C, size², H*W)
    out = windows.median(dim=1).values.reshape(n, c, h, w)
    return out[0] if added else out


@dataclass
class DenoiserHistory:
    """What :func:`fit_denoiser` measured, one entry per epoch.

    Attributes
    ----------
    train_loss : list of float
        Mean training loss of each epoch.
    val_loss, val_psnr : list of float
        Loss and mean PSNR (dB) of the denoised validation images (empty without `val`).
    noisy_psnr : float or None
        PSNR of the noisy validation images themselves, the bar to beat.
    seconds : float
        Wall-clock training time.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_psnr: list[float] = field(default_factory=list)
    noisy_psnr: float | None = None
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs trained."""
        return len(self.train_loss)


_LOSSES = {
    "mse": lambda out, clean: F.mse_loss(out, clean),
    "l1": lambda out, clean: F.l1_loss(out, clean),
    # mean over images of log10 MSE: -PSNR / 10, so it maximises the mean PSNR directly
    "log_mse": lambda out, clean: torch.log10(((out - clean) ** 2).flatten(1).mean(1) + 1e-5).mean(),
}


def fit_denoiser(model, clean_images, *, sigma=0.3, epochs=30, lr=2e-3, batch_size=64, seed=0, val=None,
                 loss="log_mse", weight_decay=0.05, augment=None, clip=True, device=None, progress=False,
                 leave_one_out=False):
    """Train `model` to map noisy images to clean ones, with fresh seeded Gaussian noise every epoch.

    Each batch gets noise from :func:`add_gaussian_noise` (clipped to [0, 1])
    seeded by ``(seed, epoch, batch)``, so the model never sees the same noisy
    image twice; AdamW with a one-cycle learning-rate schedule (peak `lr`).
    The validation noise is drawn once, so `val_psnr` compares across epochs.

    Parameters
    ----------
    model : nn.Module
        Maps (N, C, H, W) noisy images to denoised ones.
    clean_images : Tensor, shape (N, C, H, W)
        Clean training images in [0, 1].
    sigma : float, default 0.3
    epochs, batch_size : int
    lr, weight_decay : float
    seed : int
        Seeds the shuffling, the noise, `augment` and the global generator (dropout).
    val : Tensor, shape (M, C, H, W), optional
        Clean validation images.
    loss : {'log_mse', 'mse', 'l1'}, default 'log_mse'
        ``'log_mse'`` is the mean of each image's log10 MSE: minimising it
        maximises the mean PSNR.
    augment : callable, optional
        ``augment(images, seed=...)`` applied to the clean images each epoch (see :mod:`cnnlab.augment`).
    clip : bool, default True
        Clip the noisy images to [0, 1] (see :func:`add_gaussian_noise`).
    device : torch.device or str, optional
        Defaults to the device of the model's parameters.
    progress : bool, default False
        Show a tqdm bar over epochs.
    leave_one_out : bool, default False
        Call ``model(noisy, exclude=index)`` with each batch's indices into
        `clean_images`, for a model whose memory holds the training images and
        must not use an image's own clean copy
        (:class:`~cnnlab.denoising.PriorGuidedDenoisingNet`).

    Returns
    -------
    DenoiserHistory

    Examples
    --------
    >>> x = torch.rand(16, 1, 8, 8, generator=torch.Generator().manual_seed(0)).round()
    >>> history = fit_denoiser(DenoisingNet(width=4, image_size=8, hidden=16), x, epochs=2, val=x[:4])
    >>> history.epochs, len(history.val_psnr)
    (2, 2)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be an nn.Module, got {type(model).__name__}")
    clean_images, _ = _check_images(clean_images)
    sigma = _check_float("sigma", sigma, low=0.0)
    epochs, batch_size = check_int("epochs", epochs, minimum=1), check_int("batch_size", batch_size, minimum=1)
    lr = _check_float("lr", lr, low=0.0)
    if lr == 0:
        raise ValueError("`lr` must be positive, got 0.0")
    weight_decay = _check_float("weight_decay", weight_decay, low=0.0)
    seed, progress, clip = seed_int(seed), check_bool("progress", progress), check_bool("clip", clip)
    leave_one_out = check_bool("leave_one_out", leave_one_out)
    loss_fn = _LOSSES[check_choice("loss", loss, tuple(_LOSSES))]
    if val is not None:
        val, _ = _check_images(val)
    if augment is not None and not callable(augment):
        raise TypeError(f"`augment` must be callable, got {type(augment).__name__}")
    params = list(model.parameters())
    device = torch.device(device) if device is not None else (params[0].device if params else clean_images.device)
    model.to(device)

    torch.manual_seed(seed % 2**63)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    steps = math.ceil(len(clean_images) / batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps)
    if val is not None:
        val = val.to(device)
        noisy_val = add_gaussian_noise(val, sigma, seed=derive_seed(seed, 2**32), clip=clip)
    history = DenoiserHistory(noisy_psnr=None if val is None else psnr(noisy_val, val))
    start = time.perf_counter()
    from tqdm.auto import tqdm

    for epoch in tqdm(range(epochs), desc="epochs", disable=not progress, leave=False):
        model.train()
        images = clean_images if augment is None else augment(clean_images, seed=derive_seed(seed, epoch, 2**32))
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for b in range(steps):
            index = order[b * batch_size:(b + 1) * batch_size]
            clean = images[index].to(device)
            noisy = add_gaussian_noise(clean, sigma, seed=derive_seed(seed, epoch, b), clip=clip)
            batch_loss = loss_fn(model(noisy, exclude=index) if leave_one_out else model(noisy), clean)
            optimizer.zero_grad(set_to_none=True)
            batch_loss.backward()
            optimizer.step()
            schedule.step()
            total += float(batch_loss.detach()) * len(clean)
        history.train_loss.append(total / len(images))
        if val is not None:
            model.eval()
            with torch.no_grad():
                denoised = model(noisy_val)
            history.val_loss.append(float(loss_fn(denoised, val)))
            history.val_psnr.append(psnr(denoised, val))
    history.seconds = time.perf_counter() - start
    return history
