"""Every argument check of cnnlab, and the seeds: clear messages, never ``assert``.

Each check names the argument in backticks, shows the value received and says what is allowed.
A value of the wrong type raises ``TypeError``; a value of the right type outside what is allowed
raises ``ValueError``. The rest of the package validates through these functions only.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch


def check_int(name: str, value, *, minimum: int | None = None) -> int:
    """Return `value` as an int, or raise naming `name`, the value and what is allowed.

    Examples
    --------
    >>> check_int("stride", 2, minimum=1)
    2
    >>> check_int("stride", 0, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: `stride` must be an int >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        allowed = "an int" if minimum is None else f"an int >= {minimum}"
        raise TypeError(f"`{name}` must be {allowed}, got {value!r} of type {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_bool(name: str, value) -> bool:
    """Return `value` if it is a bool, else raise a TypeError naming `name`.

    Examples
    --------
    >>> check_bool("bias", True)
    True
    """
    if not isinstance(value, bool):
        raise TypeError(f"`{name}` must be True or False, got {value!r} of type {type(value).__name__}")
    return value


def check_float(name: str, value, *, low=None, high=None, positive: bool = False) -> float:
    """Return `value` as a finite float in ``[low, high]`` (``> 0`` with `positive`), else raise.

    Examples
    --------
    >>> check_float("sigma", 1)
    1.0
    >>> check_float("p", 1.5, low=0, high=1)
    Traceback (most recent call last):
    ...
    ValueError: `p` must be a finite number in [0, 1], got 1.5
    >>> check_float("lr", "0.1")
    Traceback (most recent call last):
    ...
    TypeError: `lr` must be a real number, got '0.1' of type str
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    bad = not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high)
    if bad or (positive and value <= 0):
        if low is not None and high is not None:
            allowed = f"in [{low}, {high}]"
        elif positive:
            allowed = "> 0"
        else:
            allowed = f">= {low}" if low is not None else (f"<= {high}" if high is not None else "")
        raise ValueError(f"`{name}` must be a finite number{' ' + allowed if allowed else ''}, got {value!r}")
    return value


def check_range(lower_name: str, lower, upper_name: str, upper, *, low=None, high=None):
    """Return ``(lower, upper)`` as floats in ``[low, high]`` with ``lower <= upper``.

    Examples
    --------
    >>> check_range("lower", 0.5, "upper", 1.5, low=0)
    (0.5, 1.5)
    """
    lower = check_float(lower_name, lower, low=low, high=high)
    upper = check_float(upper_name, upper, low=low, high=high)
    if lower > upper:
        raise ValueError(f"`{lower_name}` must be <= `{upper_name}`, got {lower!r} > {upper!r}")
    return lower, upper


def check_tuple(name: str, value, n: int, *, minimum: int | None = None) -> tuple[int, ...]:
    """Return `value` as a tuple of `n` ints: an int is repeated, a sequence must have length `n`.

    Examples
    --------
    >>> check_tuple("kernel_size", 3, 2, minimum=1)
    (3, 3)
    >>> check_tuple("stride", (1, 2), 2, minimum=1)
    (1, 2)
    >>> check_tuple("stride", (1, 2, 3), 2, minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: `stride` must be an int or a tuple of 2 ints, got (1, 2, 3)
    """
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(f"`{name}` must be an int or a tuple of {n} ints, got {value!r}")
        return tuple(check_int(name, v, minimum=minimum) for v in value)
    return (check_int(name, value, minimum=minimum),) * n


def check_ints(name: str, value, *, minimum: int | None = None, length: int | None = None) -> tuple[int, ...]:
    """Return a non-empty sequence of ints (of `length` ints when given) as a tuple.

    Examples
    --------
    >>> check_ints("widths", [16, 32], minimum=1)
    (16, 32)
    >>> check_ints("widths", 16)
    Traceback (most recent call last):
    ...
    TypeError: `widths` must be a tuple of ints, got 16 of type int
    """
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"`{name}` must be a tuple of ints, got {value!r} of type {type(value).__name__}")
    if not value or (length is not None and len(value) != length):
        allowed = f"{length} ints" if length is not None else "at least one int"
        raise ValueError(f"`{name}` must be a tuple of {allowed}, got {value!r}")
    return tuple(check_int(name, v, minimum=minimum) for v in value)


def check_sizes(name: str, value, *, minimum: int = 1) -> tuple[tuple[int, ...], bool]:
    """Return (`value` as a non-empty tuple of ints, whether it was a single int).

    Examples
    --------
    >>> check_sizes("size", 5), check_sizes("size", (5, 6))
    (((5,), True), ((5, 6), False))
    """
    if isinstance(value, (tuple, list)):
        if not value:
            raise ValueError(f"`{name}` must be an int or a non-empty tuple of ints, got {value!r}")
        return tuple(check_int(name, v, minimum=minimum) for v in value), False
    return (check_int(name, value, minimum=minimum),), True


def check_choice(name: str, value, allowed: tuple) -> str:
    """Return `value` if it is one of `allowed`, else raise naming `name` and the choices.

    Examples
    --------
    >>> check_choice("padding_mode", "zeros", ("zeros", "reflect"))
    'zeros'
    >>> check_choice("padding_mode", "mirror", ("zeros", "reflect"))
    Traceback (most recent call last):
    ...
    ValueError: `padding_mode` must be one of 'zeros', 'reflect', got 'mirror'
    """
    choices = ", ".join(repr(a) for a in allowed)
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be one of {choices}, got {value!r} of type {type(value).__name__}")
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {choices}, got {value!r}")
    return value


def check_callable(name: str, value):
    """Return `value` if it can be called, else raise a TypeError naming `name`."""
    if not callable(value):
        raise TypeError(f"`{name}` must be callable, got {value!r} of type {type(value).__name__}")
    return value


def as_tensor(name: str, value) -> torch.Tensor:
    """Return `value` as a tensor (a NumPy array is wrapped without copying when possible).

    Examples
    --------
    >>> as_tensor("input", np.zeros(2)).dtype
    torch.float64
    """
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, torch.Tensor):
        return value
    raise TypeError(f"`{name}` must be a torch.Tensor or a numpy.ndarray, got {type(value).__name__}")


def check_images(name: str, images, *, channels=None) -> tuple[torch.Tensor, bool]:
    """Return float `images` as (N, C, H, W), and whether a batch dimension was added.

    Examples
    --------
    >>> batch, added = check_images("images", torch.zeros(3, 4, 4))
    >>> tuple(batch.shape), added
    ((1, 3, 4, 4), True)
    """
    if not torch.is_tensor(images):
        raise TypeError(f"`{name}` must be a torch.Tensor, got {type(images).__name__}")
    if not images.is_floating_point():
        raise TypeError(f"`{name}` must be a float tensor with values in [0, 1], got dtype {images.dtype}")
    if images.dim() not in (3, 4):
        raise ValueError(f"`{name}` must have shape (N, C, H, W) or (C, H, W), got {tuple(images.shape)}")
    batch = images if images.dim() == 4 else images[None]
    if channels is not None and batch.shape[1] not in channels:
        raise ValueError(f"`{name}` must have {' or '.join(map(str, channels))} channels, "
                         f"got shape {tuple(images.shape)}")
    return batch, images.dim() == 3


def as_image(name: str, image) -> np.ndarray:
    """Return one image as a NumPy array of shape (H, W) or (H, W, 3|4), for drawing.

    Accepts tensors on any device, a (1, H, W) map and a (1, C, H, W) batch of one (C = 1 or 3).

    Examples
    --------
    >>> as_image("image", torch.zeros(1, 3, 4, 5)).shape
    (4, 5, 3)
    """
    if hasattr(image, "detach"):  # a torch.Tensor, on any device
        image = image.detach().cpu().numpy()
    array = np.asarray(image)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(f"`{name}` must be an array or tensor of numbers, got dtype {array.dtype}")
    if array.ndim == 4 and array.shape[0] == 1 and array.shape[1] in (1, 3):
        array = array[0, 0] if array.shape[1] == 1 else np.moveaxis(array[0], 0, -1)
    elif array.ndim == 3 and array.shape[-1] not in (3, 4) and array.shape[0] == 1:
        array = array[0]  # a (1, H, W) single-channel map
    if array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (3, 4)):
        return array
    raise ValueError(
        f"`{name}` must have shape (H, W), (H, W, 3), (1, H, W) or (1, C, H, W) with C "
        f"1 or 3, got {tuple(np.shape(image))}; for a (3, H, W) tensor use image.permute(1, 2, 0)"
    )


# --------------------------------------------------------------------------- seeds
def check_seed(seed, name: str = "seed") -> int:
    """An int seed from an int, a ``numpy.random.Generator`` or a ``torch.Generator`` (which advance).

    Examples
    --------
    >>> check_seed(7)
    7
    >>> check_seed(np.random.default_rng(0)) == check_seed(np.random.default_rng(0))
    True
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: `seed` must be an int >= 0, got -1
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    if isinstance(seed, torch.Generator):
        return int(torch.randint(2**62, (1,), generator=seed, device=seed.device))
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"`{name}` must be an int >= 0, a numpy.random.Generator or a torch.Generator, "
                        f"got {seed!r} of type {type(seed).__name__}")
    seed = check_int(name, seed, minimum=0)
    if seed >= 2**64:
        raise ValueError(f"`{name}` must be below 2**64, got {seed}")
    return seed


def derive_seed(*keys: int) -> int:
    """A well-mixed 63-bit seed from several non-negative ints (``numpy.random.SeedSequence``).

    Examples
    --------
    >>> derive_seed(0, 1) == derive_seed(0, 1) != derive_seed(1, 0)
    True
    """
    return int(np.random.SeedSequence([int(k) for k in keys]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def generator(seed) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded from `seed` (int, NumPy or torch generator).

    Examples
    --------
    >>> torch.equal(torch.rand(2, generator=generator(3)), torch.rand(2, generator=generator(3)))
    True
    """
    return torch.Generator().manual_seed(check_seed(seed) % 2**63)
