"""How every random augmentation draws: one private generator per call, parameters per image.

Every ``random_<what>(images, ..., seed=...)`` draws one set of parameters per image from a
private ``torch.Generator`` seeded by `seed` (drawn on the CPU, then moved to the images'
device), so the same seed gives the same output whatever ran before and on every device, as
TensorFlow's ``tf.image.stateless_random_*``.
"""

from __future__ import annotations

import torch

from cnnlab._checks import generator


def uniform(seed, n, low, high, like):
    """`n` draws from U[low, high) from a private CPU generator, on the device and dtype of `like`.

    Examples
    --------
    >>> u = uniform(0, 3, -1.0, 1.0, torch.zeros(1))
    >>> u.shape, bool((u >= -1).all() and (u < 1).all())
    (torch.Size([3]), True)
    """
    u = torch.rand(n, generator=generator(seed), dtype=torch.float64)
    return (low + (high - low) * u).to(device=like.device, dtype=like.dtype)


def per_image(value, batch):
    """A float or a (N,) tensor as a (N, 1, 1, 1) tensor matching `batch` (a float stays 0-d)."""
    value = torch.as_tensor(value, dtype=batch.dtype, device=batch.device)
    return value.reshape(-1, 1, 1, 1) if value.dim() else value


def unbatch(out, added):
    """Drop the batch dimension that a check added to a single (C, H, W) image."""
    return out[0] if added else out
