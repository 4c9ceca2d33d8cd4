"""The training loop: one epoch loop under every trainer, and :func:`fit` for classifiers.

:func:`run_epoch` is the loop the book describes (forward, loss, backward, step, for each
mini-batch); :func:`fit` (classifiers) and :func:`cnnlab.fit_denoiser` (denoisers) only say what
a batch is and what its loss is. Every random choice (the shuffling, dropout) comes from seeds
derived from ``(seed, epoch)``: the same seed gives the same run whatever ran before, the global
generators are left as they were, and ``fit(epochs=2)`` equals two calls of ``fit(epochs=1)``
with ``first_epoch`` 0 and 1 and the same optimizer.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from cnnlab._checks import check_bool, check_callable, check_float, check_int, check_seed, derive_seed
from cnnlab.train.evaluate import as_loader, evaluate, keep_mode, model_device, weight_grad_norms

OPTIMIZERS = {
    "sgd": lambda params, lr, wd: torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=wd),
    "adam": lambda params, lr, wd: torch.optim.Adam(params, lr=lr, weight_decay=wd),
    "adamw": lambda params, lr, wd: torch.optim.AdamW(params, lr=lr, weight_decay=wd),
    "rmsprop": lambda params, lr, wd: torch.optim.RMSprop(params, lr=lr, weight_decay=wd),
}


@dataclass
class History:
    """What a trainer measured, one entry per epoch (lists stay empty when not measured).

    Attributes
    ----------
    train_loss, train_acc : list of float
        Mean loss and accuracy over each epoch's training batches (accuracy: classifiers only).
    val_loss, val_acc, val_psnr : list of float
        On the validation data after each epoch: loss, and accuracy (classifiers) or mean PSNR
        in dB (denoisers).
    noisy_psnr : float or None
        Denoisers: the PSNR of the noisy validation images themselves, the bar to beat.
    grad_norms : dict of str to list of float
        For each layer's weight, the mean gradient norm over each epoch's batches.
    seconds : float
        Wall-clock training time.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    val_psnr: list[float] = field(default_factory=list)
    noisy_psnr: float | None = None
    grad_norms: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs trained."""
        return len(self.train_loss)


@contextlib.contextmanager
def private_rng(seed: int, device: torch.device):
    """Run the block with torch's global generator (and the device's) seeded by `seed`, then restore it."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed % 2**63)
        yield


def run_epoch(model, batches, loss_of, optimizer, *, schedule=None, grad_norms=None):
    """One epoch of mini-batch training: for each batch, forward, loss, backward, step.

    Parameters
    ----------
    model : nn.Module
        Put in training mode.
    batches : iterable
        The epoch's mini-batches, in order.
    loss_of : callable
        ``loss_of(batch) -> (loss, size, hits)``: the batch's mean loss (a scalar tensor), its
        number of examples, and the number classified correctly (0 when it means nothing).
    optimizer : torch.optim.Optimizer
    schedule : LRScheduler, optional
        Stepped after every batch (per-epoch schedules are the caller's).
    grad_norms : dict, optional
        Summed per-batch weight-gradient norms are added here, by parameter name.

    Returns
    -------
    (float, float, int)
        Mean loss and accuracy over the epoch's examples, and the number of batches.
    """
    model.train()
    total, hits, count, steps = 0.0, 0, 0, 0
    for batch in batches:
        loss, size, correct = loss_of(batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_norms is not None:
            for name, value in weight_grad_norms(model).items():
                grad_norms[name] = grad_norms.get(name, 0.0) + value
        optimizer.step()
        if schedule is not None:
            schedule.step()
        total, hits, count, steps = total + float(loss.detach()) * size, hits + correct, count + size, steps + 1
    if count == 0:
        raise ValueError("the training data holds no examples")
    return total / count, hits / count, steps


def make_optimizer(optimizer, model, lr, weight_decay):
    """An optimizer from a name of :data:`OPTIMIZERS` (SGD with momentum 0.9), or the one given."""
    if isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    if not isinstance(optimizer, str):
        raise TypeError(f"`optimizer` must be a name or a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"`optimizer` must be one of {sorted(OPTIMIZERS)} or an Optimizer, got {optimizer!r}")
    lr = check_float("lr", lr, positive=True)
    return OPTIMIZERS[optimizer](model.parameters(), lr, check_float("weight_decay", weight_decay, low=0.0))


def fit(model, train, val=None, *, epochs=10, lr=1e-3, optimizer="adam", weight_decay=0.0, batch_size=64,
        loss_fn=None, scheduler=None, device=None, seed=0, first_epoch=0, record_grad_norms=False,
        progress=True) -> History:
    """Train a classifier with mini-batch gradient descent.

    Parameters
    ----------
    model : nn.Module
        Maps a batch of inputs to class scores (logits), shape (N, classes).
    train, val : pair of tensors (x, y), Dataset or DataLoader
        Training data (shuffled each epoch) and optional validation data. A training dataset with
        a ``set_epoch(epoch)`` method (:class:`cnnlab.AugmentedDataset`) is told the epoch,
        counted from `first_epoch`, before each one.
    epochs : int, default 10
    lr : float, default 1e-3
        Learning rate of an optimizer built from a name.
    optimizer : {'adam', 'adamw', 'sgd', 'rmsprop'} or torch.optim.Optimizer, default 'adam'
        A name (SGD uses momentum 0.9) or a ready optimizer over `model`'s parameters.
    weight_decay : float, default 0
        L2 penalty of an optimizer built from a name.
    batch_size : int, default 64
    loss_fn : callable, optional
        ``loss_fn(scores, y)``, mean over the batch; defaults to cross-entropy. Also the
        validation loss.
    scheduler : callable, optional
        ``scheduler(optimizer) -> LRScheduler``, stepped once per epoch.
    device : torch.device or str, optional
        Where to train; the model is moved there. Default: where the model is.
    seed : int or torch.Generator, default 0
        Seeds the shuffling and dropout of each epoch, from ``(seed, epoch)``; the global
        generators are left as they were.
    first_epoch : int, default 0
        Number of the first epoch, to continue a run one call at a time.
    record_grad_norms : bool, default False
        Record each layer's mean weight-gradient norm per epoch.
    progress : bool, default True
        Show a tqdm progress bar over epochs.

    Returns
    -------
    History
        The model ends in the train/eval mode it started in.

    Examples
    --------
    >>> x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    >>> y = (x[:, 0] > 0).long()
    >>> history = fit(nn.Linear(2, 2), (x, y), (x, y), epochs=20, lr=0.1, progress=False)
    >>> history.epochs, history.val_acc[-1] > 0.9
    (20, True)
    """
    epochs, batch_size = check_int("epochs", epochs, minimum=1), check_int("batch_size", batch_size, minimum=1)
    seed, first_epoch = check_seed(seed), check_int("first_epoch", first_epoch, minimum=0)
    check_bool("progress", progress), check_bool("record_grad_norms", record_grad_norms)
    device = model_device(model) if device is None else torch.device(device)
    optimizer = make_optimizer(optimizer, model.to(device), lr, weight_decay)
    schedule = None if scheduler is None else check_callable("scheduler", scheduler)(optimizer)
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else check_callable("loss_fn", loss_fn)
    loader = as_loader(train, batch_size, shuffle=True, name="train")
    set_epoch = getattr(loader.dataset, "set_epoch", None)  # e.g. AugmentedDataset

    def loss_of(batch):
        x, y = (t.to(device) for t in batch)
        scores = model(x)
        return loss_fn(scores, y), len(y), int((scores.argmax(dim=1) == y).sum())

    from tqdm.auto import tqdm

    history, start = History(), time.perf_counter()
    with keep_mode(model):
        for epoch in tqdm(range(first_epoch, first_epoch + epochs), desc="epochs", disable=not progress, leave=False):
            if callable(set_epoch):
                set_epoch(epoch)  # a new, seeded draw of augmentations every epoch
            if loader.generator is not None:  # None only in a DataLoader passed in
                loader.generator.manual_seed(derive_seed(seed, epoch, 0))
            norms = {} if record_grad_norms else None
            with private_rng(derive_seed(seed, epoch, 1), device):
                loss, acc, steps = run_epoch(model, loader, loss_of, optimizer, grad_norms=norms)
            if schedule is not None:
                schedule.step()
            history.train_loss.append(loss)
            history.train_acc.append(acc)
            for name, value in (norms or {}).items():
                history.grad_norms.setdefault(name, []).append(value / steps)
            if val is not None:
                val_loss, val_acc = evaluate(model, val, loss_fn=loss_fn, device=device)
                history.val_loss.append(val_loss)
                history.val_acc.append(val_acc)
    history.seconds = time.perf_counter() - start
    return history


def fit_seeds(make_model, train, val=None, *, seeds=(0, 1, 2), progress=False, **fit_kwargs) -> list[History]:
    """Train a fresh model once per seed and return every run's :class:`History`.

    One training run can be lucky or unlucky; repeating it with several seeds shows how much of
    a difference between two models is noise. For each seed a new model is built with
    ``make_model()`` under torch's generator seeded by `seed` (so its initial weights depend on
    the seed, and the global generator is restored afterwards), and :func:`fit` trains it with
    ``seed=seed``.

    Parameters
    ----------
    make_model : callable
        Takes no argument and returns a new ``nn.Module``, e.g.
        ``functools.partial(cnnlab.ResNet, 1, depth=20)``.
    train, val
        As in :func:`fit`.
    seeds : sequence of int, default (0, 1, 2)
    progress : bool, default False
        Show :func:`fit`'s progress bar in each run.
    **fit_kwargs
        Passed to :func:`fit` (``epochs``, ``lr``, ``batch_size``, ``device``, ...).

    Returns
    -------
    list of History
        One per seed, in the order of `seeds`.

    Examples
    --------
    >>> from functools import partial
    >>> x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    >>> y = (x[:, 0] > 0).long()
    >>> runs = fit_seeds(partial(nn.Linear, 2, 2), (x, y), seeds=(0, 1), epochs=3, lr=0.1)
    >>> len(runs), [h.epochs for h in runs]
    (2, [3, 3])
    >>> runs[0].train_loss == fit_seeds(partial(nn.Linear, 2, 2), (x, y), seeds=(0,), epochs=3,
    ...                                 lr=0.1)[0].train_loss  # same seed, same run
    True
    """
    check_callable("make_model", make_model)
    if "seed" in fit_kwargs:
        raise TypeError("`seed` is set per run by `seeds`; pass `seeds=(...)` instead of `seed`")
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"`seeds` must be a sequence of non-negative ints, got {seeds!r}")
    seeds = [check_int("seeds", s, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("`seeds` must hold at least one seed, got none")
    histories = []
    for seed in seeds:
        with private_rng(seed, torch.device("cpu")):
            model = make_model()
        if not isinstance(model, nn.Module):
            raise TypeError(f"`make_model` must return an nn.Module, got {type(model).__name__}")
        histories.append(fit(model, train, val, seed=seed, progress=progress, **fit_kwargs))
    return histories
