"""Pick the fastest available device and seed every random generator."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from cnnlab._checks import check_int


def best() -> torch.device:
    """The best device on this machine: CUDA, then Apple's MPS, then the CPU.

    Returns
    -------
    torch.device

    Examples
    --------
    >>> best().type in {"cuda", "mps", "cpu"}
    True
    """
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> int:
    """Seed Python's, NumPy's and torch's global generators (all devices).

    Call it once at the top of a notebook so that running it twice gives the
    same numbers. Library functions that draw random numbers take their own
    `seed` or generator instead of relying on this global state.

    Parameters
    ----------
    seed : int
        A non-negative int below 2**32.

    Returns
    -------
    int
        The seed, for logging.

    Raises
    ------
    TypeError, ValueError
        If `seed` is not an int in [0, 2**32).

    Examples
    --------
    >>> _ = seed_everything(0); a = torch.rand(2)
    >>> _ = seed_everything(0); b = torch.rand(2)
    >>> torch.equal(a, b)
    True
    """
    seed = check_int("seed", seed, minimum=0)
    if seed >= 2**32:
        raise ValueError(f"`seed` must be below 2**32, got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    os.environ["PYTHONHASHSEED"] = str(seed)
    return seed
