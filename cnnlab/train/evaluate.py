"""Run a model on data without training it: evaluation, prediction, gradient norms.

Each function puts the model in the mode it needs and back in the mode it had, even when it
raises; :func:`as_loader` turns the forms of data the trainers take into a ``DataLoader``.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from cnnlab._checks import check_int


def model_device(model: nn.Module) -> torch.device:
    """The device of a model's first parameter or buffer (the CPU for a model without either)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")


def as_loader(data, batch_size: int, *, shuffle: bool = False, name: str = "data") -> DataLoader:
    """`data` as a DataLoader: a pair of tensors (x, y), a Dataset, or a DataLoader (returned as is).

    The loader gets its own ``torch.Generator`` (:func:`cnnlab.fit` reseeds it before each epoch).
    """
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2 and all(torch.is_tensor(t) for t in data):
        if len(data[0]) != len(data[1]):
            raise ValueError(f"`{name}` must be a pair (x, y) of equal length, got {len(data[0])} and {len(data[1])}")
        data = TensorDataset(*data)
    if not isinstance(data, Dataset):
        raise TypeError(f"`{name}` must be a pair of tensors (x, y), a Dataset or a DataLoader, "
                        f"got {type(data).__name__}")
    # its own generator even without shuffling: a DataLoader draws a seed from it on every pass,
    # from torch's global generator when it has none
    return DataLoader(data, batch_size=batch_size, shuffle=shuffle, generator=torch.Generator())


@contextlib.contextmanager
def keep_mode(model: nn.Module):
    """Run the block, then put `model` back in the train/eval mode it had, even after an error."""
    was_training = model.training
    try:
        yield model
    finally:
        model.train(was_training)


def weight_grad_norms(model: nn.Module) -> dict[str, float]:
    """L2 norm of the gradient of every weight matrix or kernel (not biases), by parameter name."""
    return {name: float(p.grad.norm()) for name, p in model.named_parameters()
            if p.grad is not None and name.endswith("weight") and p.dim() > 1}


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
    try:
        loss_fn(model(x), y).backward()
        return weight_grad_norms(model)
    finally:
        for p, g in zip(model.parameters(), saved):
            p.grad = g


@torch.no_grad()
def evaluate(model: nn.Module, data, *, loss_fn=None, batch_size: int = 512, device=None):
    """Mean loss and accuracy of a classifier on `data`, in eval mode (the mode is restored).

    Parameters
    ----------
    model : nn.Module
        Outputs class scores (logits) of shape (N, classes).
    data : pair of tensors (x, y), Dataset or DataLoader
    loss_fn : callable, optional
        ``loss_fn(scores, y)`` with mean (or sum) reduction; defaults to cross-entropy.
    batch_size : int, default 512
    device : torch.device, optional
        Defaults to the model's device.

    Returns
    -------
    (float, float)
        Mean loss per example and accuracy in [0, 1].

    Examples
    --------
    >>> net = nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = net.weight.copy_(torch.eye(2)); _ = net.bias.zero_()
    >>> loss, acc = evaluate(net, (torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 0])))
    >>> acc
    0.5
    """
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    device = model_device(model) if device is None else torch.device(device)
    total_loss, correct, count = 0.0, 0, 0
    with keep_mode(model):
        model.eval()
        for x, y in as_loader(data, check_int("batch_size", batch_size, minimum=1)):
            x, y = x.to(device), y.to(device)
            scores = model(x)
            loss = float(loss_fn(scores, y))
            # a loss with mean reduction is turned back into a sum, so batches weigh by size
            total_loss += loss if getattr(loss_fn, "reduction", "mean") == "sum" else loss * len(y)
            correct += int((scores.argmax(dim=1) == y).sum())
            count += len(y)
    if count == 0:
        raise ValueError("`data` holds no examples")
    return total_loss / count, correct / count


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, *, batch_size: int = 512) -> torch.Tensor:
    """Predicted class of each input (argmax of the scores), as int64 on the CPU.

    Examples
    --------
    >>> predict(nn.Identity(), torch.tensor([[0.1, 0.9], [2.0, -1.0]]))
    tensor([1, 0])
    """
    if not torch.is_tensor(x):
        raise TypeError(f"`x` must be a tensor of inputs, got {type(x).__name__}")
    batch_size = check_int("batch_size", batch_size, minimum=1)
    params = list(model.parameters())
    device = params[0].device if params else x.device
    with keep_mode(model):
        model.eval()
        return torch.cat([model(x[i : i + batch_size].to(device)).argmax(1).cpu()
                          for i in range(0, len(x), batch_size)])
