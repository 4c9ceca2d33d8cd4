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


def check_choice(name: str, value, allowed: tuple) -> str:
    """Return `value` if it is one of `allowed`, else raise a ValueError naming `name`.

    Examples
    --------
    >>> check_choice("padding_mode", "zeros", ("zeros", "reflect"))
    'zeros'
    >>> check_choice("padding_mode", "mirror", ("zeros", "reflect"))
    Traceback (most recent call last):
    ...
    ValueError: `padding_mode` must be one of 'zeros', 'reflect', got 'mirror'
    """
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"`{name}` must be one of {choices}, got {value!r}")
    return value
