"""Batch normalisation from scratch: standardise each channel over the batch, then scale and shift.

For a batch ``x`` of shape (N, C, ...) batch norm computes, channel by channel,

    y = (x - mean) / sqrt(var + eps) * weight + bias

In **training** mode ``mean`` and ``var`` are the statistics of the batch itself (over N and every
spatial position; the biased variance, dividing by the count), and the running statistics are
moved towards them in place: ``running = (1 - momentum) * running + momentum * batch``, with the
*unbiased* batch variance (dividing by count - 1), as torch does. In **evaluation** mode the
running statistics are used instead, so each image's output no longer depends on the rest of
the batch. :func:`batch_norm` has the signature and semantics of
``torch.nn.functional.batch_norm``, :class:`BatchNorm2d` those of ``torch.nn.BatchNorm2d``
(same parameters, buffers and state-dict names); gradients come from autograd.

References
----------
S. Ioffe and C. Szegedy, "Batch normalization: accelerating deep network training by reducing
internal covariate shift", ICML 2015.
"""

from __future__ import annotations

import torch
from torch import nn

from cnnlab._checks import check_bool, check_float, check_int


def _check_vector(name, value, channels):
    """`value` is None or a tensor of `channels` elements (of any shape); return it as it is."""
    if value is None:
        return None
    if not torch.is_tensor(value):
        raise TypeError(f"`{name}` must be a torch.Tensor or None, got {type(value).__name__}")
    if value.numel() != channels:
        raise ValueError(f"`{name}` must have {channels} elements (one per channel of `input`), "
                         f"got shape {tuple(value.shape)}")
    return value


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Batch normalisation, as ``torch.nn.functional.batch_norm``.

    Parameters
    ----------
    input : Tensor, shape (N, C) or (N, C, *)
        Floats; each channel (dimension 1) is normalised over every other dimension.
    running_mean, running_var : Tensor of C elements, or None
        The running statistics. In evaluation mode they normalise `input` (both required); in
        training mode they are updated in place when given.
    weight, bias : Tensor of C elements, optional
        The scale (gamma) and shift (beta); None means 1 and 0.
    training : bool, default False
        Normalise with the batch's statistics (True) or the running ones (False).
    momentum : float in [0, 1], default 0.1
        Weight of the batch statistics in the update of the running ones.
    eps : float, default 1e-5
        Added to the variance before the square root (> 0 in training, >= 0 otherwise).

    Returns
    -------
    Tensor, the shape and dtype of `input`.

    Raises
    ------
    TypeError
        `input` not a float tensor, a statistic or parameter not a tensor, `training` not a bool.
    ValueError
        `input` with fewer than 2 dimensions, a statistic or parameter without C elements, only
        one value per channel in training, running statistics missing in evaluation mode, or
        `momentum` or `eps` out of range.

    Examples
    --------
    >>> x = torch.tensor([[1.0], [3.0]])                      # (N=2, C=1)
    >>> mean, var = torch.zeros(1), torch.ones(1)
    >>> batch_norm(x, mean, var, training=True, eps=0.0001).flatten()
    tensor([-1.0000,  1.0000])
    >>> mean, var                                             # moved 10 % towards 2 and 2 (unbiased)
    (tensor([0.2000]), tensor([1.1000]))
    >>> batch_norm(x, mean, var).flatten()                    # evaluation: the running statistics
    tensor([0.7628, 2.6697])
    """
    if not torch.is_tensor(input):
        raise TypeError(f"`input` must be a torch.Tensor, got {type(input).__name__}")
    if not input.is_floating_point():
        raise TypeError(f"`input` must have a floating-point dtype, got {input.dtype}")
    if input.dim() < 2:
        raise ValueError(f"`input` must have shape (N, C) or (N, C, *), got shape {tuple(input.shape)}")
    training = check_bool("training", training)
    momentum = check_float("momentum", momentum, low=0, high=1)
    eps = check_float("eps", eps, positive=True) if training else check_float("eps", eps, low=0)
    channels = input.shape[1]
    running_mean = _check_vector("running_mean", running_mean, channels)
    running_var = _check_vector("running_var", running_var, channels)
    weight, bias = _check_vector("weight", weight, channels), _check_vector("bias", bias, channels)
    dims = [d for d in range(input.dim()) if d != 1]             # all but the channels
    shape = [1, channels] + [1] * (input.dim() - 2)              # broadcast a (C,) vector

    if training:
        count = input.numel() // max(channels, 1)                # values per channel
        if count == 0:                                           # an empty batch: nothing to learn from
            return input.clone()
        if count == 1:
            raise ValueError(f"batch norm in training needs more than 1 value per channel, got input "
                             f"of shape {tuple(input.shape)}")
        mean = input.mean(dim=dims)                              # (C,)
        var = input.var(dim=dims, correction=0)                  # (C,), biased: divides by count
        with torch.no_grad():                                    # the update is not part of the graph
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_((momentum * mean).reshape(running_mean.shape))
            if running_var is not None:
                unbiased = var * (count / (count - 1))
                running_var.mul_(1 - momentum).add_((momentum * unbiased).reshape(running_var.shape))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("`running_mean` and `running_var` must be given in evaluation mode "
                             "(training=False), got None")
        mean, var = running_mean.to(input.dtype), running_var.to(input.dtype)

    out = (input - mean.reshape(shape)) * torch.rsqrt(var.reshape(shape) + eps)
    if weight is not None:
        out = out * weight.to(input.dtype).reshape(shape)
    if bias is not None:
        out = out + bias.to(input.dtype).reshape(shape)
    return out


class BatchNorm2d(nn.Module):
    """Batch norm over (N, C, H, W) feature maps, as ``torch.nn.BatchNorm2d`` (built on :func:`batch_norm`).

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps : float, default 1e-5
    momentum : float in [0, 1] or None, default 0.1
        Weight of each batch in the running statistics; None averages all batches seen so far
        equally (the cumulative average, counted by ``num_batches_tracked``).
    affine : bool, default True
        Learn a scale ``weight`` (initialised to 1) and a shift ``bias`` (initialised to 0).
    track_running_stats : bool, default True
        Keep ``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked`` as
        buffers; without them, evaluation mode normalises with the batch's statistics too.
    device, dtype : optional
        Of the parameters and the running statistics.

    Examples
    --------
    >>> bn = BatchNorm2d(3)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    >>> y = bn(torch.randn(8, 3, 4, 4, generator=torch.Generator().manual_seed(0)))
    >>> y.shape, int(bn.num_batches_tracked)
    (torch.Size([8, 3, 4, 4]), 1)
    """

    def __init__(self, num_features, *, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None):
        super().__init__()
        self.num_features = check_int("num_features", num_features, minimum=1)
        self.eps = check_float("eps", eps, positive=True)
        self.momentum = None if momentum is None else check_float("momentum", momentum, low=0, high=1)
        self.affine = check_bool("affine", affine)
        self.track_running_stats = check_bool("track_running_stats", track_running_stats)
        factory = {"device": device, "dtype": dtype}
        if self.affine:
            self.weight = nn.Parameter(torch.empty(self.num_features, **factory))
            self.bias = nn.Parameter(torch.empty(self.num_features, **factory))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", torch.zeros(self.num_features, **factory))
            self.register_buffer("running_var", torch.ones(self.num_features, **factory))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """Running mean 0, running variance 1, no batch seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Reset the running statistics, and the scale to 1 and the shift to 0."""
        self.reset_running_stats()
        if self.affine:
            nn.init.ones_(self.weight)
            nn.init.zeros_(self.bias)

    def forward(self, input):
        """Normalise `input`, shape (N, C, H, W): batch statistics in training, running ones in eval."""
        if not torch.is_tensor(input) or input.dim() != 4:
            shape = tuple(input.shape) if torch.is_tensor(input) else type(input).__name__
            raise ValueError(f"`input` must have shape (N, C, H, W), got {shape}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:                            # the cumulative average
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or self.running_mean is None   # no running statistics: batch ones
        update = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if update else None, self.running_var if update else None,
                          self.weight, self.bias, use_batch, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")
