"""cnnlab: convolutional neural networks from scratch, checked against PyTorch."""

from cnnlab.architectures import classic_networks
from cnnlab.blocks import (
    BasicBlock,
    Bottleneck,
    DepthwiseSeparableConv,
    InvertedResidual,
    PlainBlock,
    SqueezeExcitation,
    conv1x1,
    conv3x3,
)
from cnnlab.conv import Conv2d, conv1d, conv2d, conv3d
from cnnlab.counting import conv_params, dense_params
from cnnlab.data import (
    SAMPLE_IMAGES,
    SHAPE_CLASSES,
    Split,
    digits_splits,
    load_digits,
    sample_image,
    shapes_dataset,
)
from cnnlab.device import best, seed_everything
from cnnlab.fft import conv2d_fft
from cnnlab.functional import PADDING_MODES, conv2d_loops, convolve2d, correlate2d, pad
from cnnlab.plotting import (
    conv_window_explorer,
    plot_confusion,
    plot_conv_window,
    plot_curves,
    plot_history,
    plot_param_counts,
    show_images,
)
from cnnlab.models import LeNet5, MobileNetTiny, PlainNet, ResNet, SmallVGG
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
    "BasicBlock",
    "best",
    "Bottleneck",
    "classic_networks",
    "confusion_matrix",
    "conv1d",
    "conv1x1",
    "conv2d",
    "Conv2d",
    "conv2d_fft",
    "conv2d_loops",
    "conv3d",
    "conv3x3",
    "conv_params",
    "conv_window_explorer",
    "convolve2d",
    "correlate2d",
    "dense_params",
    "DepthwiseSeparableConv",
    "digits_splits",
    "evaluate",
    "fit",
    "global_avg_pool2d",
    "global_max_pool2d",
    "gradient_norms",
    "History",
    "InvertedResidual",
    "LeNet5",
    "load_digits",
    "lp_pool2d",
    "max_pool2d",
    "MaxPool2d",
    "MobileNetTiny",
    "pad",
    "PADDING_MODES",
    "PlainBlock",
    "PlainNet",
    "plot_confusion",
    "plot_conv_window",
    "plot_curves",
    "plot_history",
    "plot_param_counts",
    "predict",
    "ResNet",
    "sample_image",
    "SAMPLE_IMAGES",
    "seed_everything",
    "SHAPE_CLASSES",
    "shapes_dataset",
    "show_images",
    "SmallVGG",
    "Split",
    "SqueezeExcitation",
]
