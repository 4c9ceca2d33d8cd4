"""What torch itself counts, to check cnnlab's formulas against: parameters and FLOPs."""

from torch.utils.flop_counter import FlopCounterMode


def numel(module):
    """Number of parameters of a module, as torch stores them."""
    return sum(p.numel() for p in module.parameters())


def flops(module, x):
    """FLOPs of one call of `module` on `x`, by torch's own counter (2 per multiply-accumulate)."""
    with FlopCounterMode(display=False) as counter:
        module(x)
    return counter.get_total_flops()
