"""cnnlab.viz.schematics: the drawings reflect the modules' structure, and nothing leaks into pyplot."""

import pytest
from matplotlib.lines import Line2D
from torch import nn

from cnnlab.cost.counting import conv_params
from cnnlab.nets.dense import DenseBlock
from cnnlab.nets.inception import Inception
from cnnlab.nets.mobile import InvertedResidual, SqueezeExcitation
from cnnlab.nets.residual import BasicBlock, Bottleneck
from cnnlab.nets.zoo import MiniResNet, SEBasicBlock
from cnnlab.viz.schematics import plot_block, plot_conv_filters


def _pyplot_figures():
    import matplotlib.pyplot as plt

    return plt.get_fignums()


def parts(fig):
    (ax,) = fig.axes
    count = {"box": 0, "merge": 0}
    for p in ax.patches:
        if p.get_gid() in count:
            count[p.get_gid()] += 1
    skips = sum(isinstance(line, Line2D) and line.get_gid() == "skip" for line in ax.lines)
    return count["box"], count["merge"], skips, [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("module, boxes, merges, skips, labels", [
    (BasicBlock(8, 8), 3, 1, 1, ["3×3 conv 8→8", "+", "ReLU", "input: 8 channels"]),
    (BasicBlock(8, 16, stride=2), 4, 1, 0, ["3×3 conv 8→16 /2", "1×1 conv 8→16 /2", "output: 16 channels"]),
    (Bottleneck(16, 4), 4, 1, 1, ["1×1 conv 16→4", "3×3 conv 4→4", "1×1 conv 4→16"]),
    (InvertedResidual(8, 8), 3, 1, 1, ["1×1 conv 8→48", "3×3 conv 48→48 depthwise", "BN, ReLU6", "1×1 conv 48→8"]),
    (InvertedResidual(8, 12, stride=2), 3, 0, 0, ["3×3 conv 48→48 depthwise /2"]),
    (Inception(16, 8, 8, 16, 4, 8, 8), 7, 1, 0, ["concat → 40", "5×5 conv 4→8", "3×3 max pool"]),
    (DenseBlock(8, 4, num_layers=3), 6, 3, 3, ["concat → 12", "concat → 16", "concat → 20", "BN, ReLU"]),
    (SqueezeExcitation(16, 4), 3, 1, 1, ["global avg pool", "1×1 conv 16→4", "sigmoid", "×"]),
    (SEBasicBlock(8, 8, reduction=4), 6, 2, 2, ["×", "+", "1×1 conv 8→2"]),
])
def test_the_drawing_has_one_box_per_layer_and_one_mark_per_merge_and_skip(module, boxes, merges, skips, labels):
    fig = plot_block(module)
    got_boxes, got_merges, got_skips, texts = parts(fig)
    assert (got_boxes, got_merges, got_skips) == (boxes, merges, skips)
    for label in labels:
        assert label in texts, (label, texts)
    params = sum(p.numel() for p in module.parameters())
    assert fig.axes[0].get_title().endswith(f"{params:,} parameters")
    assert _pyplot_figures() == []


def test_branches_are_drawn_side_by_side():
    fig = plot_block(Inception(16, 8, 8, 16, 4, 8, 8))
    firsts = [p for p in fig.axes[0].patches if p.get_gid() == "box"]
    columns = {}
    for p in firsts:
        columns.setdefault(round(p.get_x(), 3), []).append(round(p.get_y() + p.get_height(), 3))
    assert sorted(len(c) for c in columns.values()) == [1, 2, 2, 2]  # four branches side by side
    assert len({max(c) for c in columns.values()}) == 1               # that start at the same height


def test_a_network_with_blocks_as_leaves():
    fig = plot_block(MiniResNet(width=4), input_shape=(1, 1, 28, 28), leaves=(BasicBlock,), title="a net")
    boxes, merges, skips, texts = parts(fig)
    assert "BasicBlock 4→8" in texts and merges == skips == 0 and boxes == 7
    assert fig.axes[0].get_title() == "a net"


@pytest.mark.parametrize("cin, cout, k, groups, shown", [(3, 8, 3, 1, 4), (1, 2, 5, 1, 4), (8, 8, 3, 8, 2)])
def test_conv_filters_drawing_counts(cin, cout, k, groups, shown):
    conv = nn.Conv2d(cin, cout, k, groups=groups, bias=False)
    fig = plot_conv_filters(conv, input_size=10, max_filters=shown)
    (ax,) = fig.axes
    gids = [p.get_gid() for p in ax.patches]
    filters = {g for g in gids if g.startswith("filter-")}
    assert len(filters) == min(cout, shown)
    assert gids.count("filter-0") == min(cin // groups, 5)  # each filter as deep as its input group
    texts = [t.get_text() for t in ax.texts]
    assert ("…" in texts) is (cout > shown)
    assert f"output\n{cout}×{10 - k + 1}×{10 - k + 1}" in texts and f"input\n{cin}×10×10" in texts
    assert ax.get_title().endswith(f"{cin // groups}×{k}×{k} = {conv_params(cin, cout, k, groups, False):,} parameters")
    assert _pyplot_figures() == []


def test_invalid_arguments_raise():
    with pytest.raises(TypeError, match="`conv`"):
        plot_conv_filters(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="`input_size`"):
        plot_conv_filters(nn.Conv2d(1, 1, 3), input_size=0)
    with pytest.raises(TypeError, match="`module`"):
        plot_block(3)


def test_conv_filters_title_counts_the_biases():
    fig = plot_conv_filters(nn.Conv2d(3, 8, 3))
    assert fig.axes[0].get_title().endswith("8 filters of 3×3×3 + 8 biases = 224 parameters")
