"""Augmentation pipelines: chain transforms under one seed, and augment a dataset per epoch.

Item i at epoch e is transformed with a seed derived from (seed, e, i) (or, batched, all items
with one seed derived from (seed, e)), so a run repeats exactly whatever the shuffling, batch size
or number of workers.
"""

from __future__ import annotations

import torch
from torch.utils.data import Dataset

from cnnlab._checks import check_bool, check_callable, check_int, check_seed, derive_seed


class Compose:
    """Chain transforms ``t(images, seed=...)``, each with its own seed derived from one seed.

    Transform i gets ``derive_seed(seed, i)``, so adding a transform at the
    end leaves the draws of the others unchanged. Bind parameters with
    ``functools.partial``.

    Examples
    --------
    >>> from functools import partial
    >>> from cnnlab.data.augment.geometry import random_flip_left_right, random_rotation
    >>> augment = Compose([partial(random_rotation, max_degrees=10.0), random_flip_left_right])
    >>> x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    >>> torch.equal(augment(x, seed=3), augment(x, seed=3))
    True
    """

    def __init__(self, transforms):
        self.transforms = [check_callable(f"transforms[{i}]", t) for i, t in enumerate(transforms)]

    def __call__(self, images, seed):
        seed = check_seed(seed)
        for i, transform in enumerate(self.transforms):
            images = transform(images, seed=derive_seed(seed, i))
        return images

    def __repr__(self):
        return f"Compose({self.transforms!r})"


class AugmentedDataset(Dataset):
    """A Dataset that augments its images deterministically from (seed, epoch): a fresh draw per epoch.

    `data` is a tensor of images, a tuple of tensors (images first, e.g.
    ``(x, y)``) or a Dataset whose items are an image or a tuple with the image
    first; only the image is transformed. Call :meth:`set_epoch` before each
    epoch for a fresh draw; the same (seed, epoch) gives the same data whatever
    the shuffling or worker count.

    Two ways to draw, the same contract:

    - item by item (the default): item i at epoch e is ``transform(image[None],
      seed=derive_seed(seed, e, i))``, computed when it is read. This is what a
      ``DataLoader`` with workers wants: each worker transforms its own items, and
      which worker took which item changes nothing.
    - ``batched=True`` (tensors only): at the first read of epoch e, all images go
      through ``transform(images, seed=derive_seed(seed, e))`` in one call, and the
      items are served from that tensor. For a small data set held in memory this
      is many times faster (one call instead of one per image); image i's draw
      then depends on (seed, e) and its place in the tensor.

    With a DataLoader::

        loader = DataLoader(dataset, batch_size=64, shuffle=True)
        for epoch in range(epochs):
            dataset.set_epoch(epoch)
            for x, y in loader: ...

    :func:`cnnlab.fit` calls :meth:`set_epoch` itself before each epoch (counting from its
    ``first_epoch``), so ``fit(model, dataset, epochs=10)`` draws ten different augmentations.

    Examples
    --------
    >>> from cnnlab.data.augment.geometry import random_flip_left_right
    >>> x, y = torch.rand(10, 1, 8, 8), torch.arange(10)
    >>> data = AugmentedDataset((x, y), random_flip_left_right, seed=0)
    >>> image, label = data[3]
    >>> image.shape, int(label), len(data)
    (torch.Size([1, 8, 8]), 3, 10)
    >>> torch.equal(data[3][0], image)
    True
    >>> fast = AugmentedDataset((x, y), random_flip_left_right, seed=0, batched=True)
    >>> torch.equal(fast[3][0], random_flip_left_right(x, seed=derive_seed(0, 0))[3])
    True
    """

    def __init__(self, data, transform, seed=0, *, batched=False):
        if torch.is_tensor(data):
            data = (data,)
            self._single = True
        else:
            self._single = False
        self.batched = check_bool("batched", batched)
        if isinstance(data, (tuple, list)):
            if not data or not all(torch.is_tensor(t) and len(t) == len(data[0]) for t in data):
                raise ValueError("`data` must be a tensor, tuple of tensors of equal length, or a Dataset")
            self._tensors = tuple(data)
            data = torch.utils.data.TensorDataset(*data)
        elif self.batched:
            raise TypeError(f"`batched=True` needs `data` as a tensor or a tuple of tensors, got {type(data).__name__}")
        if not isinstance(data, Dataset):
            raise TypeError(f"`data` must be a tensor, a tuple of tensors or a Dataset, got {type(data).__name__}")
        check_callable("transform", transform)
        self.data, self.transform, self.seed, self.epoch = data, transform, check_seed(seed), 0
        self._drawn = None  # (epoch, transformed images) in batched mode

    def set_epoch(self, epoch):
        """Use the draw of epoch `epoch` (an int >= 0) from now on."""
        self.epoch = check_int("epoch", epoch, minimum=0)

    def __len__(self):
        return len(self.data)

    def _batch_draw(self):
        if self._drawn is None or self._drawn[0] != self.epoch:
            images = self.transform(self._tensors[0], seed=derive_seed(self.seed, self.epoch))
            if not torch.is_tensor(images) or len(images) != len(self._tensors[0]):
                raise ValueError(f"`transform` must return one image per input image, got "
                                 f"{getattr(images, 'shape', type(images).__name__)}")
            self._drawn = (self.epoch, images)
        return self._drawn[1]

    def __getitem__(self, index):
        if self.batched:
            image, rest = self._batch_draw()[index], tuple(t[index] for t in self._tensors[1:])
            return image if self._single else (image, *rest)
        item = self.data[index]
        image, rest = (item[0], tuple(item[1:])) if isinstance(item, (tuple, list)) else (item, None)
        image = self.transform(image[None], seed=derive_seed(self.seed, self.epoch, int(index)))[0]
        if rest is None or (self._single and not rest):
            return image
        return (image, *rest)
