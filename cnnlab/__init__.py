"""cnnlab: convolutional neural networks from scratch, checked against PyTorch.

The names the chapters use, re-exported from the layers of the package (``ops`` -> ``cost``,
``nets``, ``data`` -> ``train`` -> ``viz``; ``grading`` apart). The figure functions of
:mod:`cnnlab.viz` and the :mod:`cnnlab.grading` tools load on first use (PEP 562), so
``import cnnlab`` imports neither matplotlib nor nbgrader.
"""

import importlib

from cnnlab._checks import derive_seed
from cnnlab.cost.architectures import build, classic_networks, count
from cnnlab.cost.counting import (
    conv_macs,
    conv_params,
    conv_transpose_macs,
    dense_macs,
    dense_params,
    depthwise_macs,
    depthwise_params,
    inverted_residual_macs,
    inverted_residual_params,
    pointwise_macs,
    pointwise_params,
    pool_macs,
    separable_cost_ratio,
    separable_macs,
    separable_params,
)
from cnnlab.cost.summary import Summary, summary
from cnnlab.data.augment.colour import (
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_jpeg_quality,
    adjust_saturation,
    random_brightness,
    random_contrast,
    random_hue,
    random_jpeg_quality,
    random_saturation,
)
from cnnlab.data.augment.geometry import (
    affine,
    random_crop,
    random_elastic,
    random_flip_left_right,
    random_flip_up_down,
    random_rotation,
    random_scale,
    random_shear,
)
from cnnlab.data.augment.pipeline import AugmentedDataset, Compose
from cnnlab.data.datasets import SAMPLE_IMAGES, Split, digits_splits, load_digits, sample_image
from cnnlab.data.mnist import FASHION_CLASSES, fashion_mnist, mnist
from cnnlab.data.noise import add_gaussian_noise, gaussian_blur_denoise, median_denoise
from cnnlab.data.synthetic import SHAPE_CLASSES, shapes_dataset
from cnnlab.nets.autoencoders import ConvAutoencoder, DenoisingNet
from cnnlab.nets.classifiers import DigitsCNN, LeNet5, MobileNetTiny, SmallVGG
from cnnlab.nets.deep import PlainNet, ResNet
from cnnlab.nets.denoisers import PosteriorMeanDenoiser, PriorGuidedDenoisingNet
from cnnlab.nets.layers import conv1x1, conv3x3
from cnnlab.nets.mlp import MLP
from cnnlab.nets.mobile import DepthwiseSeparableConv, InvertedResidual, SqueezeExcitation
from cnnlab.nets.residual import BasicBlock, Bottleneck, PlainBlock
from cnnlab.ops import kernels
from cnnlab.ops.conv import Conv2d, conv1d, conv2d, conv3d, conv_transpose2d
from cnnlab.ops.fft import conv2d_fft
from cnnlab.ops.filters import gaussian_blur, median_filter
from cnnlab.ops.loops import conv2d_loops, convolve2d, correlate2d
from cnnlab.ops.padding import PADDING_MODES, pad
from cnnlab.ops.pooling import (
    AvgPool2d,
    MaxPool2d,
    avg_pool2d,
    global_avg_pool2d,
    global_max_pool2d,
    lp_pool2d,
    max_pool2d,
)
from cnnlab.ops.receptive_field import ReceptiveField, receptive_field
from cnnlab.ops.shapes import (
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    pool_output_size,
    same_padding,
)
from cnnlab.ops.specs import BNSpec, BranchSpec, ConvSpec, LinearSpec, PoolSpec
from cnnlab.train.denoise import fit_denoiser, fit_prior_guided_denoiser
from cnnlab.train.device import best, seed_everything
from cnnlab.train.evaluate import evaluate, gradient_norms, predict
from cnnlab.train.loop import History, fit, fit_seeds
from cnnlab.train.metrics import confusion_matrix, psnr, ssim

__version__ = "0.2.0"

#: Names loaded on first use: figure function -> its module in cnnlab.viz.
_LAZY = {
    "plot_block_cost": "costs", "plot_conv_cost": "costs", "plot_param_counts": "costs",
    "plot_confusion": "curves", "plot_curves": "curves", "plot_gradient_norms": "curves",
    "plot_history": "curves", "plot_runs": "curves",
    "conv_window_explorer": "diagrams", "plot_conv_window": "diagrams", "plot_pooling": "diagrams",
    "show_image_rows": "images", "show_images": "images", "explore": "explore", "fixed": "explore",
    "plot_filter": "kernels", "plot_kernels": "kernels",
    "plot_augmentation": "transforms", "plot_denoising": "transforms",
}
_SUBPACKAGES = ("cost", "data", "grading", "nets", "ops", "train", "viz")


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"cnnlab.viz.{_LAZY[name]}"), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"cnnlab.{name}")
    else:
        raise AttributeError(f"module 'cnnlab' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_SUBPACKAGES))


__all__ = sorted(
    [name for name in globals() if not name.startswith("_") and name not in ("importlib", *_SUBPACKAGES)]
    + list(_LAZY)
)
