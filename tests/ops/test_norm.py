"""cnnlab.ops.norm against torch.nn.functional.batch_norm and torch.nn.BatchNorm2d (float64)."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn
from torch.testing import assert_close

from cnnlab.ops.norm import BatchNorm2d, batch_norm

# A quarter of the profile's examples (50 in CI, 2,500 when thorough): each example runs
# several float64 passes, and the file should stay under 10 s.
fewer = settings(max_examples=max(50, settings().max_examples // 4))
# The `device` fixture only names a device: nothing to reset between examples.
device_ok = settings(fewer, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                   HealthCheck.too_slow])

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@st.composite
def bn_cases(draw):
    """A batch of 2 to 5 dimensions with more than one value per channel, and the options."""
    spatial = draw(st.lists(st.integers(1, 4), min_size=0, max_size=3))
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    if n * torch.Size(spatial).numel() == 1:
        n = 2
    return {
        "shape": (n, c, *spatial),
        "affine": draw(st.sampled_from(["both", "weight", "bias", "none"])),
        "momentum": draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])),
        "eps": draw(st.sampled_from([1e-5, 1e-3, 0.5])),
        "seed": draw(st.integers(0, 2**16)),
    }


def make_tensors(case, device):
    """Input, running statistics (positive variance) and parameters, float64, with gradients."""
    g = torch.Generator().manual_seed(case["seed"])
    c = case["shape"][1]
    x = (2 * torch.randn(case["shape"], generator=g, dtype=torch.float64) + 1).to(device).requires_grad_()
    mean = torch.randn(c, generator=g, dtype=torch.float64).to(device)
    var = (0.5 + torch.rand(c, generator=g, dtype=torch.float64)).to(device)
    weight = torch.randn(c, generator=g, dtype=torch.float64).to(device).requires_grad_()
    bias = torch.randn(c, generator=g, dtype=torch.float64).to(device).requires_grad_()
    weight = weight if case["affine"] in ("both", "weight") else None
    bias = bias if case["affine"] in ("both", "bias") else None
    return x, mean, var, weight, bias


def gradients(out, inputs, grad_out):
    leaves = [t for t in inputs if t is not None]
    return torch.autograd.grad(out, leaves, grad_out)


@device_ok
@given(case=bn_cases(), training=st.booleans())
def test_batch_norm_matches_torch_values_gradients_and_running_stats(case, training, device):
    x, mean, var, weight, bias = make_tensors(case, device)
    ours_mean, ours_var = mean.clone(), var.clone()
    ours = batch_norm(x, ours_mean, ours_var, weight, bias, training, case["momentum"], case["eps"])
    theirs = F.batch_norm(x, mean, var, weight, bias, training, case["momentum"], case["eps"])
    assert ours.shape == x.shape and ours.dtype == x.dtype
    assert_close(ours, theirs)
    assert_close(ours_mean, mean)   # updated in place in training, untouched in evaluation
    assert_close(ours_var, var)
    grad_out = torch.randn_like(theirs)
    for a, b in zip(gradients(ours, (x, weight, bias), grad_out), gradients(theirs, (x, weight, bias), grad_out)):
        assert_close(a, b)


@fewer
@given(case=bn_cases())
def test_training_without_running_stats_and_running_var_is_unbiased(case):
    x, mean, var, weight, bias = make_tensors(case, "cpu")
    assert_close(batch_norm(x, None, None, weight, bias, True, eps=case["eps"]),
                 F.batch_norm(x, None, None, weight, bias, True, eps=case["eps"]))
    # the running variance moves towards the unbiased variance: with momentum 1 it equals it
    running_mean, running_var = mean.clone(), var.clone()
    batch_norm(x.detach(), running_mean, running_var, training=True, momentum=1.0)
    dims = [d for d in range(x.dim()) if d != 1]
    assert_close(running_mean, x.detach().mean(dim=dims))
    assert_close(running_var, x.detach().var(dim=dims, correction=1))
    # and the output is normalised with the biased one: zero mean, variance var / (var + eps)
    out = batch_norm(x.detach(), None, None, training=True, eps=case["eps"])
    biased = x.detach().var(dim=dims, correction=0)
    assert_close(out.mean(dim=dims), torch.zeros_like(biased), atol=1e-10, rtol=0)
    assert_close(out.var(dim=dims, correction=0), biased / (biased + case["eps"]))


@fewer
@given(case=bn_cases())
def test_non_contiguous_input_and_float32_statistics(case):
    x, mean, var, weight, bias = make_tensors(case, "cpu")
    x = x.detach()
    flipped = x.transpose(0, -1).contiguous().transpose(0, -1)       # the same values, other strides
    for training in (False, True):
        ours_mean, ours_var = mean.clone(), var.clone()
        assert_close(batch_norm(flipped, ours_mean, ours_var, weight, bias, training),
                     F.batch_norm(x, mean, var, weight, bias, training))
        assert_close(ours_mean, mean)
        assert_close(ours_var, var)
    m32, v32 = mean.float(), var.float()
    expected_mean = (0.9 * mean + 0.1 * x.mean(dim=[d for d in range(x.dim()) if d != 1])).float()
    batch_norm(x, m32, v32, training=True)
    assert m32.dtype == torch.float32
    assert_close(m32, expected_mean)


def test_running_statistics_over_many_batches_follow_torch():
    g = torch.Generator().manual_seed(0)
    ours_mean, ours_var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    mean, var = ours_mean.clone(), ours_var.clone()
    for step in range(20):
        x = 3 * torch.randn(5, 3, 2, 2, generator=g, dtype=torch.float64) + step
        batch_norm(x, ours_mean, ours_var, training=True, momentum=0.2)
        F.batch_norm(x, mean, var, training=True, momentum=0.2)
    assert_close(ours_mean, mean)
    assert_close(ours_var, var)
    assert float(ours_mean.mean()) > 10     # they really moved


@st.composite
def module_cases(draw):
    return {
        "c": draw(st.integers(1, 4)),
        "momentum": draw(st.sampled_from([0.1, 0.5, None])),
        "affine": draw(st.booleans()),
        "track_running_stats": draw(st.booleans()),
        "eps": draw(st.sampled_from([1e-5, 1e-2])),
        "seed": draw(st.integers(0, 2**16)),
        "steps": draw(st.integers(1, 4)),
    }


@device_ok
@given(case=module_cases())
def test_batchnorm2d_matches_torch_module_in_both_modes(case, device):
    options = {k: case[k] for k in ("momentum", "affine", "track_running_stats", "eps")}
    ours = BatchNorm2d(case["c"], **options, device=device, dtype=torch.float64)
    theirs = nn.BatchNorm2d(case["c"], **options, device=device, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():          # the same initial values
        assert_close(ours.state_dict()[key], value)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    g = torch.Generator().manual_seed(case["seed"])
    if case["affine"]:                                       # the same random affine parameters in both
        with torch.no_grad():
            for p, q in zip(ours.parameters(), theirs.parameters()):
                p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype))
                q.copy_(p)
    for step in range(case["steps"]):
        x = (torch.randn(3, case["c"], 3, 2, generator=g, dtype=torch.float64) + step).to(device).requires_grad_()
        for mode in (True, False):
            ours.train(mode), theirs.train(mode)
            a, b = ours(x), theirs(x)
            assert_close(a, b)
            grad_out = torch.randn_like(b)
            wrt = [x, *ours.parameters()]
            assert_close(torch.autograd.grad(a, wrt, grad_out), torch.autograd.grad(b, [x, *theirs.parameters()], grad_out))
            for key, value in theirs.state_dict().items():
                assert_close(ours.state_dict()[key], value)


def test_state_dicts_load_both_ways_and_repr():
    theirs = nn.BatchNorm2d(4)
    theirs(torch.randn(6, 4, 3, 3))
    ours = BatchNorm2d(4)
    ours.load_state_dict(theirs.state_dict())
    assert int(ours.num_batches_tracked) == 1
    back = nn.BatchNorm2d(4)
    back.load_state_dict(ours.state_dict())
    x = torch.randn(2, 4, 3, 3)
    assert_close(ours.eval()(x), back.eval()(x))
    assert repr(BatchNorm2d(4)) == "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    plain = BatchNorm2d(2, affine=False, track_running_stats=False)
    assert plain.weight is None and plain.running_mean is None and list(plain.state_dict()) == []
    # without running statistics, evaluation mode normalises with the batch's own statistics
    y = torch.randn(5, 2, 3, 3, dtype=torch.float64)
    assert_close(plain.double().eval()(y), F.batch_norm(y, None, None, training=True))


def test_momentum_none_is_the_cumulative_average():
    bn = BatchNorm2d(1, momentum=None, dtype=torch.float64)
    batches = [torch.full((2, 1, 1, 1), float(v), dtype=torch.float64) + torch.tensor([[[[0.0]]], [[[1.0]]]])
               for v in (0, 4, 8)]
    for x in batches:
        bn(x)
    assert_close(bn.running_mean, torch.tensor([4.5], dtype=torch.float64))   # mean of 0.5, 4.5, 8.5
    assert int(bn.num_batches_tracked) == 3


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x, m, v: batch_norm(x.numpy(), m, v), TypeError, r"`input` must be a torch.Tensor, got ndarray"),
        (lambda x, m, v: batch_norm(x.long(), m, v), TypeError, r"`input` must have a floating-point dtype, got torch.int64"),
        (lambda x, m, v: batch_norm(x[0, 0, 0], m, v), ValueError, r"`input` must have shape \(N, C\) or \(N, C, \*\), got shape \(5,\)"),
        (lambda x, m, v: batch_norm(x, m[:2], v), ValueError, r"`running_mean` must have 3 elements .*got shape \(2,\)"),
        (lambda x, m, v: batch_norm(x, m, [1.0, 1.0, 1.0]), TypeError, r"`running_var` must be a torch.Tensor or None, got list"),
        (lambda x, m, v: batch_norm(x, m, v, weight=torch.ones(4)), ValueError, r"`weight` must have 3 elements .*got shape \(4,\)"),
        (lambda x, m, v: batch_norm(x, m, v, bias=torch.ones(2, 2)), ValueError, r"`bias` must have 3 elements .*got shape \(2, 2\)"),
        (lambda x, m, v: batch_norm(x, None, None), ValueError, r"`running_mean` and `running_var` must be given in evaluation mode"),
        (lambda x, m, v: batch_norm(x, m, v, training=1), TypeError, r"`training` must be True or False, got 1"),
        (lambda x, m, v: batch_norm(x, m, v, training=True, momentum=1.5), ValueError, r"`momentum` must be a finite number in \[0, 1\], got 1.5"),
        (lambda x, m, v: batch_norm(x, m, v, training=True, momentum=None), TypeError, r"`momentum` must be a real number, got None"),
        (lambda x, m, v: batch_norm(x, m, v, training=True, eps=0.0), ValueError, r"`eps` must be a finite number > 0, got 0.0"),
        (lambda x, m, v: batch_norm(x, m, v, eps=-1.0), ValueError, r"`eps` must be a finite number >= 0, got -1.0"),
        (lambda x, m, v: batch_norm(x[:1, :, :1, :1], m, v, training=True), ValueError, r"more than 1 value per channel.*\(1, 3, 1, 1\)"),
        (lambda x, m, v: BatchNorm2d(0), ValueError, r"`num_features` must be an int >= 1, got 0"),
        (lambda x, m, v: BatchNorm2d(3, momentum=2.0), ValueError, r"`momentum` must be a finite number in \[0, 1\], got 2.0"),
        (lambda x, m, v: BatchNorm2d(3, eps=0), ValueError, r"`eps` must be a finite number > 0, got 0.0"),
        (lambda x, m, v: BatchNorm2d(3, affine="yes"), TypeError, r"`affine` must be True or False, got 'yes'"),
        (lambda x, m, v: BatchNorm2d(3)(x[0]), ValueError, r"`input` must have shape \(N, C, H, W\), got \(3, 5, 5\)"),
    ],
)
def test_invalid_arguments_raise_naming_them(call, error, match):
    with pytest.raises(error, match=match):
        call(torch.zeros(2, 3, 5, 5), torch.zeros(3), torch.ones(3))


def test_evaluation_eps_zero_and_empty_batch_like_torch():
    x = torch.randn(4, 2, 3, dtype=torch.float64)
    mean, var = torch.zeros(2, dtype=torch.float64), torch.full((2,), 4.0, dtype=torch.float64)
    assert_close(batch_norm(x, mean, var, eps=0.0), x / 2)
    empty = torch.zeros(0, 2, 3, dtype=torch.float64)
    running = mean.clone()
    assert batch_norm(empty, running, var.clone(), training=True).shape == (0, 2, 3)
    assert torch.equal(running, mean)     # nothing seen, nothing updated (as torch)
