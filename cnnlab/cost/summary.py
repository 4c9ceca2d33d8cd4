"""A table of a model's layers with output shapes, parameters and MACs, like torchinfo."""

from __future__ import annotations

import html
from dataclasses import dataclass

import torch
from torch import nn

from cnnlab._checks import check_int
from cnnlab.cost.counting import conv_macs, conv_transpose_macs, dense_macs


@dataclass(frozen=True)
class SummaryRow:
    """One leaf-module call: its name, type, output shape, parameters and MACs.

    `params` counts the module's parameters the first time it is called (0 when
    a shared module is called again); `output_shape` is a tuple of ints, a
    tuple of such tuples for several outputs, or None.
    """

    name: str
    type: str
    output_shape: tuple | None
    params: int
    macs: int


@dataclass(frozen=True, repr=False)
class Summary:
    """What :func:`summary` returns: a sequence of :class:`SummaryRow` plus totals.

    Print it (or show it in a notebook) for a table; index or iterate it for rows.
    """

    rows: tuple
    input_shape: tuple
    total_params: int
    trainable_params: int

    @property
    def non_trainable_params(self) -> int:
        """Parameters with ``requires_grad=False``."""
        return self.total_params - self.trainable_params

    @property
    def total_macs(self) -> int:
        """Sum of the MACs of every row (for the whole input batch)."""
        return sum(row.macs for row in self.rows)

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def _cells(self):
        header = ("Layer (type)", "Output shape", "Param #", "MACs")
        body = [
            (f"{r.name} ({r.type})" if r.name else r.type, _shape_text(r.output_shape),
             f"{r.params:,}", f"{r.macs:,}")
            for r in self.rows
        ]
        totals = [
            ("Input shape", _shape_text(self.input_shape)),
            ("Total params", f"{self.total_params:,}"),
            ("Trainable params", f"{self.trainable_params:,}"),
            ("Non-trainable params", f"{self.non_trainable_params:,}"),
            ("Total MACs", f"{self.total_macs:,}"),
        ]
        return header, body, totals

    def __str__(self):
        header, body, totals = self._cells()
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(4)]

        def line(cells):
            left = f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}"
            return f"{left}  {cells[2]:>{widths[2]}}  {cells[3]:>{widths[3]}}"

        rule = "=" * (sum(widths) + 6)
        lines = [line(header), rule, *(line(cells) for cells in body), rule]
        lines += [f"{name}: {value}" for name, value in totals]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        header, body, totals = self._cells()
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in header)
        rows = "".join(
            "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>" for cells in body
        )
        foot = "".join(
            f"<tr><th colspan='3' style='text-align:left'>{esc(name)}</th>"
            f"<td>{esc(value)}</td></tr>" for name, value in totals
        )
        return (
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
            f"<tfoot>{foot}</tfoot></table>"
        )


def _shape_text(shape) -> str:
    if shape is None:
        return "-"
    if shape and isinstance(shape[0], tuple):
        return ", ".join(_shape_text(s) for s in shape)
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _output_shape(output):
    if isinstance(output, torch.Tensor):
        return tuple(output.shape)
    if isinstance(output, (tuple, list)) and all(isinstance(o, torch.Tensor) for o in output):
        return tuple(tuple(o.shape) for o in output)
    return None


def _macs(module, inputs, output) -> int:
    """MACs of one call of a leaf module, for the whole batch; 0 for modules not counted."""
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        x = inputs[0]
        return len(x) * conv_transpose_macs(module.in_channels, module.out_channels, module.kernel_size,
                                            tuple(x.shape[2:]), module.groups)
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return len(output) * conv_macs(module.in_channels, module.out_channels, module.kernel_size,
                                       tuple(output.shape[2:]), module.groups)
    if isinstance(module, nn.Linear):
        return output.numel() // module.out_features * dense_macs(module.in_features, module.out_features)
    return 0


def summary(model, input_shape, *, device=None, dtype=None) -> Summary:
    """Run one forward pass and tabulate each leaf module's output shape, parameters and MACs.

    MACs are counted by formula for ``Conv1d/2d/3d`` (``output.numel() *
    in_channels / groups * prod(kernel_size)``), ``ConvTranspose1d/2d/3d``
    (``input.numel() * out_channels / groups * prod(kernel_size)``) and
    ``Linear`` (``output.numel() * in_features``), for the whole batch in
    `input_shape`; bias additions, batch norm, activations and pooling count as
    0 (the same convention as ``torch.utils.flop_counter``, whose FLOPs are
    2 × MACs). The model runs in eval mode under ``torch.no_grad()`` on zeros,
    so batch-norm statistics are not touched; training flags are restored.

    Parameters
    ----------
    model : torch.nn.Module
        The model; its leaf modules (those without children) become the rows.
    input_shape : tuple of ints
        Shape of the input including the batch dimension, e.g. ``(1, 3, 32, 32)``.
    device : torch.device or str, optional
        Where to build the input; default the device of the model's first parameter, else CPU.
    dtype : torch.dtype, optional
        Input dtype; default the dtype of the first floating parameter, else the default dtype.

    Returns
    -------
    Summary
        Rows (:class:`SummaryRow`) plus ``total_params``, ``trainable_params``
        and ``total_macs``; printing it shows a table.

    Raises
    ------
    TypeError
        If `model` is not a module, `input_shape` is not a tuple of ints, or
        `dtype` is not a torch dtype.
    ValueError
        If a size is < 1, or the forward pass fails on that shape.

    Examples
    --------
    >>> from torch import nn
    >>> net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))
    >>> s = summary(net, (1, 1, 8, 8))
    >>> s.total_params, s.total_macs
    (1490, 2736)
    >>> s[0]
    SummaryRow(name='0', type='Conv2d', output_shape=(1, 4, 6, 6), params=40, macs=1296)
    >>> print(s)
    Layer (type)  Output shape  Param #   MACs
    ==========================================
    0 (Conv2d)    [1, 4, 6, 6]       40  1,296
    1 (ReLU)      [1, 4, 6, 6]        0      0
    2 (Flatten)   [1, 144]            0      0
    3 (Linear)    [1, 10]         1,450  1,440
    ==========================================
    Input shape: [1, 1, 8, 8]
    Total params: 1,490
    Trainable params: 1,490
    Non-trainable params: 0
    Total MACs: 2,736
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"`model` must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(input_shape, (tuple, list, torch.Size)) or not input_shape:
        raise TypeError(f"`input_shape` must be a non-empty tuple of ints, got {input_shape!r}")
    input_shape = tuple(check_int("input_shape", n, minimum=1) for n in input_shape)
    if dtype is not None and not isinstance(dtype, torch.dtype):
        raise TypeError(f"`dtype` must be a torch.dtype or None, got {dtype!r}")
    params = list(model.parameters())
    if device is None:
        device = params[0].device if params else torch.device("cpu")
    if dtype is None:
        dtype = next((p.dtype for p in params if p.is_floating_point()), torch.get_default_dtype())
    x = torch.zeros(input_shape, device=device, dtype=dtype)

    rows, seen = [], set()

    def hook(name):
        def record(module, inputs, output):
            first = id(module) not in seen
            seen.add(id(module))
            n_params = sum(p.numel() for p in module.parameters()) if first else 0
            rows.append(SummaryRow(name, type(module).__name__, _output_shape(output),
                                   n_params, _macs(module, inputs, output)))
        return record

    leaves = [(n, m) for n, m in model.named_modules() if not any(True for _ in m.children())]
    handles = [m.register_forward_hook(hook(n)) for n, m in leaves]
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    except RuntimeError as err:
        raise ValueError(f"`model` failed on an input of shape {input_shape}: {err}") from err
    finally:
        for handle in handles:
            handle.remove()
        for m, training in modes:
            m.training = training
    return Summary(
        rows=tuple(rows),
        input_shape=input_shape,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
    )
