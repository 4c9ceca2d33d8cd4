"""cnnlab.cost.summary: a model's table, its totals against torch's own counts."""

import pytest
import torch
from torch import nn

from cnnlab.cost.summary import Summary, SummaryRow, summary
from tests.counts import flops as _flops
from tests.counts import numel as _numel




def small_cnn():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1, groups=4, bias=False),
        nn.ReLU(),
        nn.ConvTranspose2d(16, 8, 2, stride=2, groups=2),
        nn.Sequential(nn.Identity()),  # nested: its leaf is named "7.0"
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 10),
    )


def test_summary_totals_match_torch():
    model = small_cnn()
    model[0].weight.requires_grad_(False)
    x = torch.zeros(2, 3, 16, 16)
    s = summary(model, (2, 3, 16, 16))
    assert isinstance(s, Summary)
    assert s.total_params == _numel(model)
    assert s.trainable_params == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert s.non_trainable_params == model[0].weight.numel()
    assert 2 * s.total_macs == _flops(model, x)
    assert sum(row.params for row in s) == s.total_params
    assert [row.name for row in s] == ["0", "1", "2", "3", "4", "5", "6", "7.0", "8", "9", "10"]
    assert s[0] == SummaryRow("0", "Conv2d", (2, 8, 16, 16), 224, 2 * 8 * 16 * 16 * 27)
    assert s[-1].output_shape == tuple(model(x).shape)
    assert s[6].output_shape == (2, 8, 16, 16)
    assert all(row.macs == 0 for row in s if row.type in {"BatchNorm2d", "ReLU", "MaxPool2d"})


def test_summary_has_no_side_effects():
    model = small_cnn().train()
    model[3].eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    summary(model, (4, 3, 8, 8))
    assert [m.training for m in model.modules()] == [m is not model[3] for m in model.modules()]
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, before[key])
    assert all(not m._forward_hooks for m in model.modules())


def test_summary_other_dimensions_and_shared_modules():
    shared = nn.Conv1d(4, 4, 3, padding=1)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.Conv1d(4, 2, 5), nn.Flatten(),
                          nn.Linear(2 * 12, 3)).double()
    s = summary(model, [1, 4, 16], dtype=torch.float64)
    assert len(s) == 6
    assert s.total_params == _numel(model)
    assert sum(row.params for row in s) == s.total_params  # the shared conv is counted once
    assert 2 * s.total_macs == _flops(model, torch.zeros(1, 4, 16, dtype=torch.float64))
    conv3d = nn.Conv3d(2, 3, 3)
    assert 2 * summary(conv3d, (1, 2, 5, 5, 5)).total_macs == _flops(conv3d, torch.zeros(1, 2, 5, 5, 5))


def test_summary_renders_a_table():
    s = summary(small_cnn(), (1, 3, 16, 16))
    text = str(s)
    assert text.splitlines()[0].split() == ["Layer", "(type)", "Output", "shape", "Param", "#", "MACs"]
    assert f"Total params: {s.total_params:,}" in text
    assert f"Total MACs: {s.total_macs:,}" in text
    assert "4 (Conv2d)" in text and "[1, 16, 8, 8]" in text
    assert repr(s) == text
    page = s._repr_html_()
    assert page.startswith("<table>") and page.count("<tr>") >= len(s) + 1
    assert f"{s.trainable_params:,}" in page


def test_summary_runs_on_device(device):
    model = small_cnn().to(device)
    s = summary(model, (1, 3, 8, 8))
    assert s.total_params == _numel(model)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: summary("net", (1, 3)), TypeError, "`model`.*str"),
        (lambda: summary(nn.ReLU(), 3), TypeError, "`input_shape`.*3"),
        (lambda: summary(nn.ReLU(), (1, 0)), ValueError, "`input_shape`.*got 0"),
        (lambda: summary(nn.ReLU(), (1, 3), dtype="float"), TypeError, "`dtype`"),
        (lambda: summary(nn.Linear(3, 2), (1, 4)), ValueError, r"`model` failed on an input of shape \(1, 4\)"),
    ],
)
def test_invalid_arguments_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
