"""cnnlab: convolutional neural networks from scratch, checked against PyTorch."""

from cnnlab.conv import Conv2d, conv1d, conv2d, conv3d
from cnnlab.counting import conv_params, dense_params
from cnnlab.data import SAMPLE_IMAGES, Split, digits_splits, load_digits, sample_image
from cnnlab.device import best, seed_everything
from cnnlab.fft import conv2d_fft
from cnnlab.functional import PADDING_MODES, conv2d_loops, convolve2d, correlate2d, pad
from cnnlab.plotting import (
    plot_confusion,
    plot_conv_window,
    plot_curves,
    plot_history,
    plot_param_counts,
    show_images,
)
from cnnlab.pooling import (
    AvgPool2d,
    MaxPool2d,
    avg_pool2d,
    global_avg_pool2d,
    global_max_pool2d,
    lp_pool2d,
    max_pool2d,
)
from cnnlab.training import History, confusion_matrix, evaluate, fit, gradient_norms, predict

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "avg_pool2d",
    "AvgPool2d",
    "best",
    "confusion_matrix",
    "conv1d",
    "Conv2d",
    "conv2d",
    "conv2d_fft",
    "conv2d_loops",
    "conv3d",
    "conv_params",
    "convolve2d",
    "correlate2d",
    "dense_params",
    "digits_splits",
    "evaluate",
    "fit",
    "global_avg_pool2d",
    "global_max_pool2d",
    "gradient_norms",
    "History",
    "load_digits",
    "lp_pool2d",
    "max_pool2d",
    "MaxPool2d",
    "pad",
    "PADDING_MODES",
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
