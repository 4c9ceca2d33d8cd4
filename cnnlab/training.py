"""Train and evaluate classifiers: a small, readable training loop.

``fit`` runs mini-batch gradient descent for a number of epochs and returns a
:class:`History` of loss and accuracy (and, on request, the gradient norm of
every layer). Data may be given as a pair of tensors ``(x, y)``, a ``Dataset``
or a ``DataLoader``. Shuffling uses its own seeded generator, so the same
`seed` gives the same run whatever ran before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from cnnlab._checks import check_bool, check_int
from cnnlab.device import best

OPTIMIZERS = {
    "sgd": lambda params, lr, wd: torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=wd),
    "adam": lambda params, lr, wd: torch.optim.Adam(params, lr=lr, weight_decay=wd),
    "adamw": lambda params, lr, wd: torch.optim.AdamW(params, lr=lr, weight_decay=wd),
    "rmsprop": lambda params, lr, wd: torch.optim.RMSprop(params, lr=lr, weight_decay=wd),
}


@dataclass
class History:
    """What :func:`fit` measured, one entry per epoch.

    Attributes
    ----------
    train_loss, train_acc : list of float
        Mean loss and accuracy over each epoch's training batches.
    val_loss, val_acc : list of float
        Loss and accuracy on the validation data after each epoch (empty without it).
    grad_norms : dict of str to list of float
        For each layer's weight, the mean gradient norm over each epoch's batches
        (only with ``record_grad_norms=True``).
    seconds : float
        Wall-clock training time.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    grad_norms: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs trained."""
        return len(self.train_loss)


def _loader(data, batch_size: int, shuffle: bool, generator: torch.Generator | None, name: str):
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(torch.is_tensor(t) for t in data):
        if len(data[0]) != len(data[1]):
            raise ValueError(
                f"`{name}` must be a pair (x, y) of equal length, got {len(data[0])} and {len(data[1])}"
            )
        data = TensorDataset(*data)
    if not isinstance(data, Dataset):
        raise TypeError(
            f"`{name}` must be a pair of tensors (x, y), a Dataset or a DataLoader, "
            f"got {type(data).__name__}"
        )
    return DataLoader(data, batch_size=batch_size, shuffle=shuffle, generator=generator)


def _weight_grad_norms(model: nn.Module) -> dict[str, float]:
    return {
        name: float(p.grad.norm())
        for name, p in model.named_parameters()
        if p.grad is not None and name.endswith("weight") and p.dim() > 1
    }


def gradient_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn=None) -> dict[str, float]:
    """Gradient norm of every layer's weight for one batch, without updating the model.

    Use it to see vanishing gradients at initialisation: in a deep plain
    network the first layers' norms are orders of magnitude below the last.

    Parameters
    ----------
    model : nn.Module
    x : Tensor, shape (N, ...)
        Inputs, on the model's device.
    y : Tensor of int64, shape (N,)
        Class labels.
    loss_fn : callable, optional
        Defaults to cross-entropy.

    Returns
    -------
    dict of str to float
        Parameter name to the L2 norm of its gradient, from input to output.

    Examples
    --------
    >>> torch.manual_seed(0) is not None
    True
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    >>> norms = gradient_norms(net, torch.randn(5, 4), torch.tensor([0, 1, 0, 1, 1]))
    >>> list(norms)
    ['1.weight', '3.weight']
    """
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    saved = [p.grad for p in model.parameters()]
    model.zero_grad(set_to_none=True)
    loss_fn(model(x), y).backward()
    norms = _weight_grad_norms(model)
    for p, g in zip(model.parameters(), saved):
        p.grad = g
    return norms


@torch.no_grad()
def evaluate(model: nn.Module, data, *, loss_fn=None, batch_size: int = 512, device=None):
    """Mean loss and accuracy of a classifier on `data`.

    Parameters
    ----------
    model : nn.Module
        Outputs class scores (logits) of shape (N, classes).
    data : pair of tensors (x, y), Dataset or DataLoader
    loss_fn : callable, optional
        Defaults to cross-entropy.
    batch_size : int, default 512
    device : torch.device, optional
        Defaults to the device of the model's first parameter.

    Returns
    -------
    (float, float)
        Mean loss and accuracy in [0, 1].

    Examples
    --------
    >>> net = nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = net.weight.copy_(torch.eye(2)); _ = net.bias.zero_()
    >>> loss, acc = evaluate(net, (torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 0])))
    >>> acc
    0.5
    """
    loss_fn = nn.CrossEntropyLoss(reduction="sum") if loss_fn is None else loss_fn
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for x, y in _loader(data, batch_size, False, None, "data"):
        x, y = x.to(device), y.to(device)
        scores = model(x)
        loss = loss_fn(scores, y)
        # a loss with mean reduction is turned back into a sum, so batches weigh by size
        total_loss += float(loss) * (1 if getattr(loss_fn, "reduction", "mean") == "sum" else len(y))
        correct += int((scores.argmax(dim=1) == y).sum())
        count += len(y)
    model.train(was_training)
    return total_loss / count, correct / count


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, *, batch_size: int = 512) -> torch.Tensor:
    """Predicted class of each input (argmax of the scores), as int64 on the CPU.

    Examples
    --------
    >>> predict(nn.Identity(), torch.tensor([[0.1, 0.9], [2.0, -1.0]]))
    tensor([1, 0])
    """
    params = list(model.parameters())
    device = params[0].device if params else x.device
    was_training = model.training
    model.eval()
    out = torch.cat([model(x[i : i + batch_size].to(device)).argmax(1).cpu()
                     for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


def fit(
    model: nn.Module,
    train,
    val=None,
    *,
    epochs: int = 10,
    lr: float = 1e-3,
    optimizer: str | torch.optim.Optimizer = "adam",
    weight_decay: float = 0.0,
    batch_size: int = 64,
    loss_fn=None,
    scheduler=None,
    device=None,
    seed: int = 0,
    record_grad_norms: bool = False,
    progress: bool = True,
) -> History:
    """Train a classifier with mini-batch gradient descent.

    Parameters
    ----------
    model : nn.Module
        Maps a batch of inputs to class scores (logits), shape (N, classes).
    train, val : pair of tensors (x, y), Dataset or DataLoader
        Training data (shuffled each epoch) and optional validation data. A training
        dataset with a ``set_epoch(epoch)`` method (such as
        :class:`cnnlab.augment.AugmentedDataset`) is told the epoch before each one.
    epochs : int, default 10
    lr : float, default 1e-3
        Learning rate of the optimizer built from a name.
    optimizer : {'adam', 'adamw', 'sgd', 'rmsprop'} or torch.optim.Optimizer, default 'adam'
        A name (SGD uses momentum 0.9) or a ready optimizer over `model`'s parameters.
    weight_decay : float, default 0
        L2 penalty of an optimizer built from a name.
    batch_size : int, default 64
    loss_fn : callable, optional
        Defaults to cross-entropy.
    scheduler : callable, optional
        ``scheduler(optimizer) -> LRScheduler``, stepped once per epoch.
    device : torch.device or str, optional
        Defaults to :func:`cnnlab.best`; the model is moved there.
    seed : int, default 0
        Seeds the shuffling (a private generator) and the global torch generator
        (dropout), so a run repeats exactly on the same machine.
    record_grad_norms : bool, default False
        Record each layer's mean weight-gradient norm per epoch.
    progress : bool, default True
        Show a tqdm progress bar over epochs.

    Returns
    -------
    History

    Raises
    ------
    TypeError, ValueError
        For an unknown optimizer name or a non-positive `epochs`, `batch_size` or `lr`.

    Examples
    --------
    >>> x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    >>> y = (x[:, 0] > 0).long()
    >>> history = fit(nn.Linear(2, 2), (x, y), (x, y), epochs=20, lr=0.1, progress=False)
    >>> history.epochs, history.val_acc[-1] > 0.9
    (20, True)
    """
    epochs = check_int("epochs", epochs, minimum=1)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    check_bool("progress", progress)
    check_bool("record_grad_norms", record_grad_norms)
    if isinstance(optimizer, str) and not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"`lr` must be a positive number, got {lr!r}")
    device = torch.device(device) if device is not None else best()
    model.to(device)
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"`optimizer` must be one of {sorted(OPTIMIZERS)} or an Optimizer, got {optimizer!r}")
        optimizer = OPTIMIZERS[optimizer](model.parameters(), lr, weight_decay)
    elif not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"`optimizer` must be a name or a torch.optim.Optimizer, got {type(optimizer).__name__}")
    schedule = scheduler(optimizer) if scheduler is not None else None
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    train_loader = _loader(train, batch_size, True, generator, "train")
    history = History()
    start = time.perf_counter()
    from tqdm.auto import tqdm

    bar = tqdm(range(epochs), desc="epochs", disable=not progress, leave=False)
    set_epoch = getattr(train_loader.dataset, "set_epoch", None)  # e.g. AugmentedDataset
    for epoch in bar:
        if callable(set_epoch):
            set_epoch(epoch)  # a new, seeded draw of augmentations every epoch
        model.train()
        total, correct, count = 0.0, 0, 0
        norms: dict[str, float] = {}
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad(set_to_none=True)
            scores = model(x)
            loss = loss_fn(scores, y)
            loss.backward()
            if record_grad_norms:
                for name, value in _weight_grad_norms(model).items():
                    norms[name] = norms.get(name, 0.0) + value
            optimizer.step()
            total += float(loss.detach()) * len(y)
            correct += int((scores.argmax(dim=1) == y).sum())
            count += len(y)
        if schedule is not None:
            schedule.step()
        history.train_loss.append(total / count)
        history.train_acc.append(correct / count)
        batches = len(train_loader)
        for name, value in norms.items():
            history.grad_norms.setdefault(name, []).append(value / batches)
        if val is not None:
            val_loss, val_acc = evaluate(model, val, loss_fn=None, device=device)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
        bar.set_postfix(loss=f"{history.train_loss[-1]:.3f}")
    history.seconds = time.perf_counter() - start
    return history


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Counts of (true class, predicted class) pairs: rows are true classes.

    Examples
    --------
    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), 2)
    tensor([[1, 0],
            [1, 1]])
    """
    num_classes = check_int("num_classes", num_classes, minimum=1)
    y_true, y_pred = torch.as_tensor(y_true).long().cpu(), torch.as_tensor(y_pred).long().cpu()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"`y_true` and `y_pred` must have the same shape, got {tuple(y_true.shape)} and {tuple(y_pred.shape)}")
    for name, t in (("y_true", y_true), ("y_pred", y_pred)):
        if len(t) and (int(t.min()) < 0 or int(t.max()) >= num_classes):
            raise ValueError(f"`{name}` must hold classes in [0, {num_classes}), got values in [{int(t.min())}, {int(t.max())}]")
    return torch.bincount(y_true * num_classes + y_pred, minlength=num_classes**2).reshape(num_classes, num_classes)


def fit_seeds(make_model, train, val=None, *, seeds=(0, 1, 2), progress: bool = False,
              **fit_kwargs) -> list[History]:
    """Train a fresh model once per seed and return every run's :class:`History`.

    One training run can be lucky or unlucky; repeating it with several seeds
    shows how much of a difference between two models is noise. For each seed,
    ``torch.manual_seed(seed)`` is set, a new model is built with
    ``make_model()`` (so its initial weights depend on the seed), and
    :func:`fit` trains it with ``seed=seed`` (so the shuffling does too).

    Parameters
    ----------
    make_model : callable
        Takes no argument and returns a new ``nn.Module``, e.g.
        ``functools.partial(cnnlab.ResNet, 20, in_channels=1)``.
    train, val : pair of tensors (x, y), Dataset or DataLoader
        As in :func:`fit`.
    seeds : sequence of int, default (0, 1, 2)
        One run per seed, non-negative ints.
    progress : bool, default False
        Show :func:`fit`'s progress bar in each run.
    **fit_kwargs
        Passed to :func:`fit` (``epochs``, ``lr``, ``batch_size``, ``device``, ...).

    Returns
    -------
    list of History
        One per seed, in the order of `seeds`.

    Raises
    ------
    TypeError, ValueError
        If `make_model` is not callable or does not return a module, `seeds` is
        empty or holds a negative or non-int value, or ``seed`` is passed in `fit_kwargs`.

    Examples
    --------
    >>> from functools import partial
    >>> x = torch.randn(64, 2, generator=torch.Generator().manual_seed(0))
    >>> y = (x[:, 0] > 0).long()
    >>> runs = fit_seeds(partial(nn.Linear, 2, 2), (x, y), seeds=(0, 1), epochs=3, lr=0.1, device="cpu")
    >>> len(runs), [h.epochs for h in runs]
    (2, [3, 3])
    >>> runs[0].train_loss == fit_seeds(partial(nn.Linear, 2, 2), (x, y), seeds=(0,), epochs=3,
    ...                                 lr=0.1, device="cpu")[0].train_loss  # same seed, same run
    True
    """
    if not callable(make_model):
        raise TypeError(f"`make_model` must be a callable returning a new nn.Module, got {make_model!r}")
    if "seed" in fit_kwargs:
        raise TypeError("`seed` is set per run by `seeds`; pass `seeds=(...)` instead of `seed`")
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise TypeError(f"`seeds` must be a sequence of non-negative ints, got {seeds!r}")
    seeds = [check_int("seeds", s, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("`seeds` must hold at least one seed, got none")
    histories = []
    for seed in seeds:
        torch.manual_seed(seed)
        model = make_model()
        if not isinstance(model, nn.Module):
            raise TypeError(f"`make_model` must return an nn.Module, got {type(model).__name__}")
        histories.append(fit(model, train, val, seed=seed, progress=progress, **fit_kwargs))
    return histories
