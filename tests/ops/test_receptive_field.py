"""cnnlab.ops.receptive_field: the field of every unit, against autograd."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from cnnlab.ops.receptive_field import ReceptiveField, receptive_field
from cnnlab.ops.shapes import same_padding
from cnnlab.ops.specs import BNSpec, ConvSpec, LinearSpec, PoolSpec

@st.composite
def stacks(draw):
    """Pairs (model with real pooling layers, twin with all-ones convs of the same geometry)."""
    layers, twins = [], []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "max", "avg", "relu"]))
        if kind == "relu":
            layers.append(nn.ReLU())
            continue
        dim = st.integers(1, 4) if kind == "conv" else st.integers(1, 3)
        k = (draw(dim), draw(dim))
        s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        d = (1, 1) if kind == "avg" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
        p = tuple(draw(st.integers(0, 2 if kind == "conv" else kk // 2)) for kk in k)
        if kind == "conv":
            layers.append(nn.Conv2d(1, 1, k, s, p, d))
        elif kind == "max":
            layers.append(nn.MaxPool2d(k, s, p, d))
        else:
            layers.append(nn.AvgPool2d(k, s, p))
        twins.append(nn.Conv2d(1, 1, k, s, p, d, bias=False, dtype=torch.float64))
    if not twins:  # at least one layer that sets the number of dimensions
        layers.append(nn.Conv2d(1, 1, 3))
        twins.append(nn.Conv2d(1, 1, 3, bias=False, dtype=torch.float64))
    for twin in twins:
        nn.init.ones_(twin.weight)
    return nn.Sequential(*layers), nn.Sequential(*twins)


@given(stacks())
def test_receptive_field_matches_autograd(pair):
    """Backprop from one output unit through all-ones weights: the non-zero gradient is its field.

    Max pooling routes gradient to one element only, so the measurement uses a
    twin network where every layer is a convolution with weights 1 and the
    same kernel, stride, padding and dilation; positive weights and inputs
    mean no cancellation.
    """
    model, twin = pair
    fields = receptive_field(model)
    assert len(fields) == 2
    left = [-f.bounds(0)[0] for f in fields]  # padding before, in input pixels
    assert all(pad >= 0 for pad in left)
    units = [math.ceil(pad / f.jump) for pad, f in zip(left, fields)]
    n = [f.size + 2 * pad + 2 * f.jump + 1 for pad, f in zip(left, fields)]
    x = torch.ones(1, 1, *n, dtype=torch.float64, requires_grad=True)
    y = twin(x)
    assert all(u < m for u, m in zip(units, y.shape[2:]))
    y[0, 0, units[0], units[1]].backward()
    grad = x.grad[0, 0]
    for axis, (f, u) in enumerate(zip(fields, units)):
        seen = torch.nonzero(grad.sum(dim=1 - axis) > 0).flatten()
        lo, hi = f.bounds(u)
        assert 0 <= lo and hi < n[axis]  # the whole field lies inside the input
        assert (seen.min().item(), seen.max().item()) == (lo, hi)
        assert hi - lo + 1 == f.size
        assert (lo + hi) / 2 == pytest.approx(f.start + u * f.jump)


@given(stacks())
def test_receptive_field_per_layer_and_specs_agree(pair):
    model, _ = pair
    history = receptive_field(model, per_layer=True)
    assert len(history) == len(model)
    assert history[-1] == receptive_field(model)
    specs = [
        {"kernel_size": m.kernel_size, "stride": m.stride, "padding": m.padding,
         "dilation": getattr(m, "dilation", 1)}
        if not isinstance(m, nn.ReLU) else BNSpec(1)
        for m in model
    ]
    assert receptive_field(specs) == receptive_field(model)
    for before, after in zip(history, history[1:]):
        assert all(b.size >= a.size and b.jump >= a.jump for a, b in zip(before, after))


def test_receptive_field_known_values():
    vgg_block = [ConvSpec(3, 64, 3, padding=1), ConvSpec(64, 64, 3, padding=1), PoolSpec(2)]
    assert receptive_field(vgg_block) == ReceptiveField(size=6, jump=2, start=0.5)
    assert receptive_field(vgg_block * 2).size == 16
    assert receptive_field([]) == ReceptiveField(1, 1, 0.0)
    net = nn.Sequential(nn.Conv1d(1, 1, 5, dilation=2), nn.Sequential(nn.BatchNorm1d(1)))
    assert receptive_field(net) == ReceptiveField(size=9, jump=1, start=4.0)
    same = receptive_field([ConvSpec(1, 1, 4, stride=2, padding="same")], input_size=9)
    assert same.start == 1.5 - same_padding(9, 4, 2)[0]


def test_receptive_field_checks_sizes_with_input_size():
    with pytest.raises(ValueError, match=r"layers\[1\].*larger than the padded input"):
        receptive_field([ConvSpec(1, 1, 3), ConvSpec(1, 1, 5)], input_size=6)
    with pytest.raises(ValueError, match="needs `input_size`"):
        receptive_field([ConvSpec(1, 1, 3, stride=2, padding="same")])


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: receptive_field([ConvSpec(1, 1, 3, stride=0)]), ValueError, r"layers\[0\].*`stride`"),
        (lambda: receptive_field([{"kernel": 3}]), TypeError, "'kernel'"),
        (lambda: receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten())), TypeError,
         r"`layers.1` is an unsupported layer Flatten"),
        (lambda: receptive_field([nn.Linear(2, 2)]), TypeError, "unsupported layer Linear"),
        (lambda: receptive_field([LinearSpec(2, 2)]), TypeError, "unsupported layer LinearSpec"),
        (lambda: receptive_field([PoolSpec(output_size=1)]), TypeError, "not adaptive"),
        (lambda: receptive_field("conv"), TypeError, "unsupported layer 'conv'"),
        (lambda: receptive_field([ConvSpec(1, 1, (3, 3)), ConvSpec(1, 1, (3, 3, 3))]), ValueError, "mix"),
        (lambda: receptive_field([ConvSpec(1, 1, 3, padding="half")]), ValueError, "'half'"),
        (lambda: receptive_field([ConvSpec(1, 1, 3)], per_layer="yes"), TypeError, "`per_layer`"),
        (lambda: ReceptiveField(3, 1, 1.0).bounds(-1), ValueError, "`index`"),
    ],
)
def test_invalid_arguments_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
