"""Shared by the block tests: draws of channels, strides and sizes, and the sizes to expect."""

from hypothesis import settings
from hypothesis import strategies as st

from cnnlab.ops.shapes import conv_output_size

# Building a block costs milliseconds: draw an eighth of the profile's examples (25 in ci).
FEW = settings(max_examples=max(10, settings.default.max_examples // 8))
channels = st.integers(1, 8)
strides = st.integers(1, 3)
sizes = st.integers(1, 9)


def out_size(size, stride):
    """Output of a 3×3 conv with padding 1 (and of a 1×1 conv without padding)."""
    return conv_output_size(size, 3, stride, 1)


def bn(c, batch_norm):
    """Parameters of a batch norm over `c` channels, or of none."""
    return 2 * c if batch_norm else 0
