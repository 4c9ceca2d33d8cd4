"""cnnlab.viz.costs: the figures hold what they claim, and nothing leaks into pyplot."""

import pytest
import torch



from cnnlab.cost.counting import conv_params, dense_params
from cnnlab.viz.costs import plot_param_counts


def _pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()


@pytest.mark.parametrize("side, channels", [(16, 1), (64, 3), (200, 3), (512, 4)])
def test_plot_param_counts_bars_match_the_counting_module(side, channels):
    fig = plot_param_counts(side, channels=channels)
    (ax,) = fig.axes
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [dense_params(side * side * channels, 128), conv_params(channels, 10, 3)]
    assert ax.get_yscale() == "log"
    assert f"{side}×{side}×{channels}" in ax.get_title()
    assert ax.get_ylabel()


@pytest.mark.parametrize("side, error", [(0, ValueError), (2.5, TypeError)])
def test_plot_param_counts_rejects_bad_sides(side, error):
    with pytest.raises(error, match="`image_size`"):
        plot_param_counts(side)


@pytest.mark.parametrize("c_in, c_out, k, groups", [(3, 10, 3, 1), (32, 64, 3, 4), (16, 16, 5, 16)])
def test_plot_conv_cost_bars_match_torch_and_the_counters(c_in, c_out, k, groups):
    from cnnlab.cost.counting import conv_macs, separable_params
    from cnnlab.viz.costs import plot_conv_cost

    fig = plot_conv_cost(c_in, c_out, k, groups=groups, output_size=8)
    ax_params, ax_macs = fig.axes
    layer = torch.nn.Conv2d(c_in, c_out, k, groups=groups)
    separable = [torch.nn.Conv2d(c_in, c_in, k, groups=c_in), torch.nn.Conv2d(c_in, c_out, 1)]
    expected = [
        conv_params(c_in, c_out, k),
        sum(p.numel() for p in layer.parameters()),
        sum(p.numel() for m in separable for p in m.parameters()),
    ]
    assert [round(b.get_height()) for b in ax_params.patches] == expected
    assert expected[2] == separable_params(c_in, c_out, k)
    macs = [round(b.get_height()) for b in ax_macs.patches]
    assert macs[:2] == [conv_macs(c_in, c_out, k, 8), conv_macs(c_in, c_out, k, 8, groups=groups)]
    assert ax_params.get_yscale() == "log" and ax_macs.get_title() == "MACs"


def test_plot_conv_cost_rejects_groups_that_do_not_divide():
    from cnnlab.viz.costs import plot_conv_cost

    with pytest.raises(ValueError, match="divisible by `groups`"):
        plot_conv_cost(6, 9, 3, groups=2)


@pytest.mark.parametrize("c_in, c_out, k, t", [(64, 64, 3, 6), (16, 24, 5, 1), (8, 32, 3, 4)])
def test_plot_block_cost_bars_match_torch_modules_and_flop_counter(c_in, c_out, k, t):
    from torch import nn
    from torch.utils.flop_counter import FlopCounterMode

    from cnnlab.viz.costs import plot_block_cost

    hidden = c_in * t
    pad = k // 2
    layers = {
        "standard": [nn.Conv2d(c_in, c_out, k, padding=pad, bias=False)],
        "separable": [nn.Conv2d(c_in, c_in, k, padding=pad, groups=c_in, bias=False),
                      nn.Conv2d(c_in, c_out, 1, bias=False)],
        "inverted": ([nn.Conv2d(c_in, hidden, 1, bias=False)] if t > 1 else [])
        + [nn.Conv2d(hidden, hidden, k, padding=pad, groups=hidden, bias=False),
           nn.Conv2d(hidden, c_out, 1, bias=False)],
    }
    x = torch.zeros(1, c_in, 8, 8)
    want_params, want_macs = [], []
    for convs in layers.values():
        net = nn.Sequential(*convs)
        want_params.append(sum(p.numel() for p in net.parameters()))
        with FlopCounterMode(display=False) as counter:
            assert net(x).shape == (1, c_out, 8, 8)
        want_macs.append(counter.get_total_flops() // 2)
    before = _pyplot_figures()
    fig = plot_block_cost(c_in, c_out, k, expand_ratio=t, output_size=8)
    assert _pyplot_figures() == before
    ax_params, ax_macs = fig.axes
    assert [round(b.get_height()) for b in ax_params.patches] == want_params
    assert [round(b.get_height()) for b in ax_macs.patches] == want_macs
    assert ax_macs.get_yscale() == "log" and ax_macs.get_title() == "MACs"
    assert ax_params.get_ylabel() == "weights (log scale)"


def test_plot_block_cost_matches_inverted_residual_and_rejects_bad_arguments():
    from cnnlab.nets.mobile import InvertedResidual
    from cnnlab.viz.costs import plot_block_cost

    block = InvertedResidual(24, 24, expand_ratio=6)
    conv_weights = sum(m.weight.numel() for m in block.modules() if isinstance(m, torch.nn.Conv2d))
    fig = plot_block_cost(24, 24, 3, expand_ratio=6, output_size=4)
    assert round(fig.axes[0].patches[2].get_height()) == conv_weights
    with pytest.raises(ValueError, match="`expand_ratio`"):
        plot_block_cost(24, 24, 3, expand_ratio=0)
    with pytest.raises(TypeError, match="`kernel_size`"):
        plot_block_cost(24, 24, 3.0)
