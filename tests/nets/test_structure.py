"""cnnlab.nets.structure: the tree read off a module has its branches, merges, skips and channels."""

import pytest
import torch
from torch import nn

from cnnlab.nets.dense import DenseBlock
from cnnlab.nets.inception import Inception
from cnnlab.nets.mobile import InvertedResidual, SqueezeExcitation
from cnnlab.nets.residual import BasicBlock, Bottleneck
from cnnlab.nets.structure import Chain, Op, Parallel, block_structure
from cnnlab.nets.zoo import MiniResNet, SEBasicBlock

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def kinds(chain):
    return [i.kind if isinstance(i, Op) else "parallel" for i in chain.items]


def test_basic_block_identity_is_an_empty_branch():
    s = block_structure(BasicBlock(6, 6))
    (branch, relu) = s.body.items
    assert isinstance(branch, Parallel) and branch.merge.kind == "add" and relu.label == "ReLU"
    main, skip = branch.paths
    assert skip == Chain(()) and kinds(main) == ["conv", "norm", "act", "conv", "norm"]
    assert [o.label for o in main.items if o.kind == "conv"] == ["3×3 conv 6→6", "3×3 conv 6→6"]
    assert (s.in_channels, s.out_channels) == (6, 6)


def test_projection_shortcut_is_a_branch_of_its_own():
    main, shortcut = block_structure(Bottleneck(8, 2, stride=2)).body.items[0].paths
    assert [o.label for o in shortcut.items] == ["1×1 conv 8→8 /2", "BN"]
    assert [o.label for o in main.items if o.kind == "conv"] == ["1×1 conv 8→2", "3×3 conv 2→2 /2", "1×1 conv 2→8"]


def test_inception_has_four_branches_whose_channels_add_up():
    block = Inception(10, 3, 4, 5, 2, 6, 7)
    s = block_structure(block)
    (branch,) = s.body.items
    assert len(branch.paths) == 4 and branch.merge.kind == "concat"
    assert [p.items[-1].channels for p in branch.paths] == [3, 5, 6, 7]
    assert branch.merge.channels == 21 == block.out_channels and branch.merge.label == "concat → 21"
    assert branch.paths[3].items[0].label == "3×3 max pool"
    assert branch.paths[2].items[3].label == "5×5 conv 2→6"


def test_dense_block_concatenates_its_input_at_every_layer():
    s = block_structure(DenseBlock(4, 3, num_layers=3))
    assert kinds(s.body) == ["parallel"] * 3
    assert [p.merge.channels for p in s.body.items] == [7, 10, 13]
    assert all(p.paths[0] == Chain(()) for p in s.body.items)  # the input comes first, unchanged
    assert kinds(s.body.items[0].paths[1]) == ["norm", "act", "conv", "norm", "act", "conv"]


def test_squeeze_excitation_multiplies_the_input_by_a_gate():
    (branch,) = block_structure(SqueezeExcitation(16, 4)).body.items
    assert branch.merge.label == "×"
    assert [o.label for o in branch.paths[1].items] == ["global avg pool", "1×1 conv 16→4", "ReLU",
                                                         "1×1 conv 4→16", "sigmoid"]
    nested = block_structure(SEBasicBlock(4, 4, reduction=2)).body.items[0].paths[0].items[-1]
    assert isinstance(nested, Parallel) and nested.merge.kind == "mul"


def test_inverted_residual_skip_only_with_stride_one():
    with_skip = block_structure(InvertedResidual(4, 4)).body
    assert kinds(with_skip) == ["parallel"]
    assert "3×3 conv 24→24 depthwise" in [o.label for o in with_skip.items[0].paths[1].items]
    without = block_structure(InvertedResidual(4, 6, stride=2)).body
    assert "parallel" not in kinds(without) and without.items[3].label == "3×3 conv 24→24 depthwise /2"


def test_leaves_are_kept_as_one_box():
    s = block_structure(MiniResNet(width=4), (1, 1, 28, 28), leaves=BasicBlock)
    assert [o.label for o in s.ops() if o.kind == "block"] == ["BasicBlock 4→4", "BasicBlock 4→8"]
    assert (s.in_channels, s.out_channels) == (1, 10)


def test_tracing_leaves_the_module_as_it_was():
    block = BasicBlock(3, 3).train()
    before = block.bn1.running_mean.clone()
    block_structure(block)
    assert block.training and torch.equal(block.bn1.running_mean, before)


class _Tangled(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(2, 2, 1), nn.Conv2d(2, 2, 1)

    def forward(self, x):
        a = self.a(x)
        return (a + self.b(x)) * a  # `a` feeds two different merges


def test_a_graph_that_is_not_series_parallel_raises():
    with pytest.raises(ValueError, match="not series-parallel"):
        block_structure(_Tangled())


def test_invalid_arguments_raise():
    with pytest.raises(TypeError, match="`module`"):
        block_structure("BasicBlock")
    with pytest.raises(ValueError, match="pass `input_shape`"):
        block_structure(nn.ReLU())
    assert block_structure(nn.ReLU(), (1, 3, 4, 4)).body.items[0].label == "ReLU"
