"""cnnlab: convolutional neural networks from scratch, checked against PyTorch."""

from cnnlab.counting import conv_params, dense_params
from cnnlab.data import SAMPLE_IMAGES, sample_image
from cnnlab.device import best, seed_everything
from cnnlab.plotting import plot_curves, plot_param_counts, show_images

__version__ = "0.1.0"

__all__ = [
    "SAMPLE_IMAGES",
    "__version__",
    "best",
    "conv_params",
    "dense_params",
    "plot_curves",
    "plot_param_counts",
    "sample_image",
    "seed_everything",
    "show_images",
]
