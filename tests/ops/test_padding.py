"""cnnlab.ops.padding: every mode against F.pad or NumPy, any pad size, memory format kept."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from torch.testing import assert_close

from cnnlab.ops.padding import PAD_MODES, check_pad_fits, pad


@given(shape=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 6), st.integers(1, 6)),
       pads=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=2, max_size=2),
       mode=st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
def test_torch_modes_match_f_pad(shape, pads, mode):
    x = torch.randn(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    try:
        check_pad_fits(pads, shape[2:], mode)
    except ValueError:
        return  # torch refuses these too (reflect: pad < size; circular: pad <= size)
    flat = [v for before, after in reversed(pads) for v in (before, after)]
    expected = F.pad(x, flat, mode="constant" if mode == "zeros" else mode)
    assert_close(pad(x, pads, mode), expected)


@given(shape=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       pads=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), min_size=2, max_size=2))
def test_symmetric_matches_numpy_for_any_size(shape, pads):
    """'symmetric' mirrors with the edge repeated and keeps mirroring beyond the input (scipy's 'reflect')."""
    x = np.random.default_rng(0).normal(size=(1, 1, *shape))
    expected = np.pad(x, [(0, 0), (0, 0), *pads], mode="symmetric")
    assert_close(pad(torch.from_numpy(x), pads, "symmetric"), torch.from_numpy(expected))


def test_gradients_flow_and_channels_last_stays_channels_last():
    x = torch.randn(2, 3, 4, 5, dtype=torch.float64).contiguous(memory_format=torch.channels_last)
    assert pad(x, [(1, 1), (2, 0)]).is_contiguous(memory_format=torch.channels_last)
    x.requires_grad_()
    pad(x, [(3, 3), (3, 3)], "symmetric").sum().backward()
    assert x.grad.shape == x.shape and float(x.grad.sum()) == pytest.approx(2 * 3 * 10 * 11)


@pytest.mark.parametrize("call, match", [
    (lambda: pad(torch.zeros(1, 1, 3, 3), [(1, 1), (1, 1)], "mirror"), "`mode` must be one of"),
    (lambda: pad(torch.zeros(1, 1, 3, 3), [(1, 1)]), "one \\(before, after\\) pair per spatial dimension"),
    (lambda: check_pad_fits(((0, 5),), (4,), "circular"), "circular. must be <= the input size 4"),
])
def test_invalid_arguments_raise(call, match):
    assert "symmetric" in PAD_MODES
    with pytest.raises(ValueError, match=match):
        call()
