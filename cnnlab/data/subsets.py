"""Labelled subsets: a few examples of every class, drawn at random and reproducibly.

Transfer learning is measured at a given number of labels per class: "10 labelled images of each
class" is a sample drawn from a larger pool, and a different seed gives a different sample, so
that the spread over seeds includes the luck of which images were labelled.
"""

from __future__ import annotations

import torch

from cnnlab._checks import check_int, generator


def sample_per_class(labels, n: int, *, seed=0) -> torch.Tensor:
    """Indices of `n` examples of every class, drawn at random: a labelled subset for few-shot runs.

    Parameters
    ----------
    labels : Tensor of int64, shape (N,)
    n : int
        Examples per class; every class present must have at least `n`.
    seed : int or torch.Generator, default 0
        The same seed gives the same indices; the global generator is not used.

    Returns
    -------
    Tensor of int64, shape (n * classes,)
        Sorted indices into `labels`.

    Raises
    ------
    TypeError
        If `labels` is not a 1-D int64 tensor, or `n` or `seed` is not an int.
    ValueError
        If `n` < 1 or a class has fewer than `n` examples.

    Examples
    --------
    >>> labels = torch.tensor([0, 1, 0, 1, 0, 1, 2, 2])
    >>> index = sample_per_class(labels, 2, seed=0)
    >>> labels[index].bincount().tolist(), torch.equal(index, sample_per_class(labels, 2, seed=0))
    ([2, 2, 2], True)
    """
    if not torch.is_tensor(labels) or labels.dim() != 1 or labels.dtype != torch.int64:
        got = (f"a tensor of shape {tuple(labels.shape)} and dtype {labels.dtype}" if torch.is_tensor(labels)
               else type(labels).__name__)
        raise TypeError(f"`labels` must be a 1-D int64 tensor, got {got}")
    n, rng = check_int("n", n, minimum=1), generator(seed)
    chosen = []
    for k in labels.unique().tolist():
        members = torch.nonzero(labels == k).flatten()
        if len(members) < n:
            raise ValueError(f"`n` must be at most the size of the smallest class, got {n} > {len(members)} "
                             f"(class {k})")
        chosen.append(members[torch.randperm(len(members), generator=rng)[:n]])
    return torch.cat(chosen).sort().values
