"""cnnlab: convolutional neural networks from scratch, checked against PyTorch."""

from cnnlab.counting import conv_params, dense_params
from cnnlab.data import SAMPLE_IMAGES, Split, digits_splits, load_digits, sample_image
from cnnlab.device import best, seed_everything
from cnnlab.plotting import (
    plot_confusion,
    plot_conv_window,
    plot_curves,
    plot_history,
    plot_param_counts,
    show_images,
)
from cnnlab.training import History, confusion_matrix, evaluate, fit, gradient_norms, predict

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "best",
    "confusion_matrix",
    "conv_params",
    "dense_params",
    "digits_splits",
    "evaluate",
    "fit",
    "gradient_norms",
    "History",
    "load_digits",
    "plot_confusion",
    "plot_conv_window",
    "plot_curves",
    "plot_history",
    "plot_param_counts",
    "predict",
    "sample_image",
    "SAMPLE_IMAGES",
    "seed_everything",
    "show_images",
    "Split",
]
