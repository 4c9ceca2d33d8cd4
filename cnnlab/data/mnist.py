"""Fashion-MNIST and MNIST with a fixed, stratified train / validation / test split.

The images come from :mod:`cnnlab.data.fetch` (run once at set-up: ``python -m cnnlab.data.fetch``);
these loaders only read the converted file and never download. The split is part of the course:

- exact duplicate images are stored once (54 of Fashion-MNIST's 70,000 are copies), so no image
  is in two splits;
- within each class the images are shuffled with the fixed seed :data:`SPLIT_SEED`; the first
  ``test`` of the class go to the test split, the next ``val`` to validation, the rest to training
  (:data:`SPLITS` gives the numbers per class);
- each split is returned in one fixed shuffled order, and ``per_class=k`` takes the first k images
  of every class in it: a stratified sample that is the same on every machine.

Choices are made on the validation split; the test split is for the final, once-per-model number.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from cnnlab._checks import check_choice, check_int
from cnnlab.data.sources import SOURCES, data_dir

#: The ten Fashion-MNIST classes, by label.
FASHION_CLASSES = ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                   "ankle boot")
#: Seed of the fixed shuffle that assigns images to splits and orders each split.
SPLIT_SEED = 2017
#: Images per class in the test and validation splits of each data set; training gets the rest.
SPLITS = {"fashion-mnist": {"test": 1000, "val": 500}, "mnist": {"test": 200, "val": 100}}


@functools.lru_cache(maxsize=None)
def _arrays(name):
    """Images (N, 28, 28) uint8 and labels of data set `name` (each distinct image once)."""
    source = SOURCES[name]
    path = data_dir() / source.file_name
    if not path.is_file():
        raise FileNotFoundError(
            f"{name} {source.version} is not on this machine (looked for {path}). Fetch it once with "
            f"`python -m cnnlab.data.fetch {name}` (downloads {source.url} and checks its sha512); "
            "`make book` and `make test` do this during set-up. Set CNNLAB_DATA to keep it elsewhere."
        )
    with np.load(path) as data:
        return data["images"], data["labels"]


@functools.lru_cache(maxsize=None)
def _split_indices(name):
    """{split: indices into the de-duplicated arrays}, each split in its fixed shuffled order."""
    _, labels = _arrays(name)
    rng = np.random.default_rng(SPLIT_SEED)
    parts = {"train": [], "val": [], "test": []}
    sizes = SPLITS[name]
    for k in range(10):
        members = rng.permutation(np.flatnonzero(labels == k))
        parts["test"].append(members[: sizes["test"]])
        parts["val"].append(members[sizes["test"] : sizes["test"] + sizes["val"]])
        parts["train"].append(members[sizes["test"] + sizes["val"]:])
    return {split: rng.permutation(np.concatenate(chunks)) for split, chunks in parts.items()}


def load_split(name, split="train", *, per_class=None):
    """Images and labels of one split of data set `name` ('fashion-mnist' or 'mnist').

    Parameters
    ----------
    name : {'fashion-mnist', 'mnist'}
    split : {'train', 'val', 'test'}, default 'train'
    per_class : int, optional
        Take only the first `per_class` images of each class (all of them when a class has fewer).

    Returns
    -------
    x : Tensor of float32, shape (N, 1, 28, 28)
        Grey values in [0, 1] (0 is black).
    y : Tensor of int64, shape (N,)

    Raises
    ------
    FileNotFoundError
        When the data set has not been fetched; the message gives the command that fetches it.
    """
    check_choice("name", name, tuple(SOURCES))
    check_choice("split", split, ("train", "val", "test"))
    index = _split_indices(name)[split]
    images, labels = _arrays(name)
    if per_class is not None:
        per_class = check_int("per_class", per_class, minimum=1)
        rank = np.zeros(len(index), np.int64)
        for k in range(10):  # position of each image among those of its class, in the split's order
            mine = labels[index] == k
            rank[mine] = np.arange(int(mine.sum()))
        index = index[rank < per_class]
    x = torch.from_numpy(images[index].astype(np.float32) / 255).unsqueeze(1)
    return x, torch.from_numpy(labels[index].astype(np.int64))


def fashion_mnist(split="train", *, per_class=None):
    """Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017; MIT licence): 28×28 grey clothes, 10 classes.

    69,946 distinct images: per class 1,000 for testing, 500 for validation, about 5,500 for
    training (see :func:`load_split` and :data:`FASHION_CLASSES`).

    Examples
    --------
    >>> x, y = fashion_mnist("val")
    >>> tuple(x.shape), y.bincount().tolist()
    ((5000, 1, 28, 28), [500, 500, 500, 500, 500, 500, 500, 500, 500, 500])
    """
    return load_split("fashion-mnist", split, per_class=per_class)


def mnist(split="train", *, per_class=None):
    """A 10,000-image copy of the MNIST digits (LeCun et al., 1998): 28×28 grey, 10 classes.

    Per class 200 for testing, 100 for validation and the rest (about 700) for training.
    """
    return load_split("mnist", split, per_class=per_class)
