"""A dense (fully connected) classifier: the baseline a CNN has to beat.

:class:`MLP` flattens each image into one long vector and runs it through dense layers with
ReLU. It sees the same pixels as a CNN but knows nothing of their arrangement: moving every
pixel to a fixed new place (the same permutation for all images) would not change what it can
learn. Comparing a CNN with an MLP of about the same number of parameters measures what the
convolution's assumptions (local, shared weights) are worth on a data set.
"""

from __future__ import annotations

from torch import nn

from cnnlab._checks import check_float, check_int, check_ints


class MLP(nn.Sequential):
    """Flatten, then dense layers with ReLU (and optional dropout), then `num_classes` scores.

    Layers: ``Flatten``, then for every width ``h`` of `hidden`: ``Dropout`` (when `dropout`
    > 0), ``Linear(previous, h)``, ``ReLU``; then ``Dropout`` and ``Linear(previous,
    num_classes)``. The output is the class scores (logits).

    Parameters
    ----------
    in_features : int
        Numbers in one input, e.g. ``1 * 28 * 28 = 784`` for a grey 28×28 image.
    num_classes : int, default 10
    hidden : int or sequence of int, default (128,)
        Width of each hidden layer; ``()`` gives a linear model (multinomial logistic regression).
    dropout : float, default 0
        Dropout probability before each dense layer, in [0, 1).
    device, dtype : optional
        Where and in which floating type to create the parameters, as in ``torch.nn``.

    Raises
    ------
    TypeError, ValueError
        For a non-positive size or `dropout` outside [0, 1).

    Examples
    --------
    >>> import torch
    >>> net = MLP(784, 10, hidden=32)
    >>> net(torch.zeros(5, 1, 28, 28)).shape
    torch.Size([5, 10])
    >>> sum(p.numel() for p in net.parameters())  # 784·32 + 32 + 32·10 + 10
    25450
    >>> [type(m).__name__ for m in MLP(64, 3, hidden=(), dropout=0.5)]
    ['Flatten', 'Dropout', 'Linear']
    """

    def __init__(self, in_features, num_classes=10, *, hidden=(128,), dropout=0.0, device=None, dtype=None):
        in_features = check_int("in_features", in_features, minimum=1)
        num_classes = check_int("num_classes", num_classes, minimum=1)
        if isinstance(hidden, int) and not isinstance(hidden, bool):
            hidden = (hidden,)
        hidden = () if isinstance(hidden, (tuple, list)) and not hidden else check_ints("hidden", hidden, minimum=1)
        dropout = check_float("dropout", dropout, low=0.0, high=1.0)
        if dropout == 1:
            raise ValueError(f"`dropout` must be a number in [0, 1), got {dropout!r}")
        f = {"device": device, "dtype": dtype}
        layers, width = [nn.Flatten()], in_features
        for h in (*hidden, None):
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            if h is None:
                layers.append(nn.Linear(width, num_classes, **f))
            else:
                layers += [nn.Linear(width, h, **f), nn.ReLU()]
                width = h
        super().__init__(*layers)
