"""Argument validation shared by every module: clear messages, never ``assert``."""

from __future__ import annotations

import numbers


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
        raise TypeError(f"`{name}` must be True or False, got {value!r}")
    return value
