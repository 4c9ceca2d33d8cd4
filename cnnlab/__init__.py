"""cnnlab: convolutional neural networks from scratch, checked against PyTorch.

The names the chapters use, re-exported from the layers of the package (``ops`` -> ``cost``,
``nets``, ``data`` -> ``train`` -> ``viz``; ``grading`` apart). Every name loads its module on
first use (PEP 562): ``import cnnlab`` is instant and imports neither torch, matplotlib nor
nbgrader until a name needs them, and the grading tools, which run as ``cnnlab.grading.*``
processes once per submission, never pay for torch.
"""

import importlib

__version__ = "0.2.0"

#: Where each name lives: module -> the names taken from it.
_FROM = {
    "cnnlab._checks": "derive_seed",
    "cnnlab.cost.architectures": "build classic_networks count",
    "cnnlab.cost.counting": ("conv_macs conv_params conv_transpose_macs dense_macs dense_params "
                             "depthwise_macs depthwise_params inverted_residual_macs inverted_residual_params "
                             "pointwise_macs pointwise_params pool_macs separable_cost_ratio separable_macs "
                             "separable_params"),
    "cnnlab.cost.summary": "Summary summary",
    "cnnlab.data.augment.colour": ("adjust_brightness adjust_contrast adjust_hue adjust_jpeg_quality "
                                   "adjust_saturation random_brightness random_contrast random_hue "
                                   "random_jpeg_quality random_saturation"),
    "cnnlab.data.augment.geometry": ("affine random_crop random_elastic random_flip_left_right "
                                     "random_flip_up_down random_rotation random_scale random_shear"),
    "cnnlab.data.augment.pipeline": "AugmentedDataset Compose",
    "cnnlab.data.datasets": "SAMPLE_IMAGES Split digits_splits load_digits sample_image",
    "cnnlab.data.mnist": "FASHION_CLASSES fashion_mnist mnist",
    "cnnlab.data.noise": "add_gaussian_noise gaussian_blur_denoise median_denoise",
    "cnnlab.data.synthetic": "SHAPE_CLASSES shapes_dataset",
    "cnnlab.nets.autoencoders": "ConvAutoencoder DenoisingNet",
    "cnnlab.nets.classifiers": "DigitsCNN LeNet5 MobileNetTiny SmallVGG",
    "cnnlab.nets.deep": "PlainNet ResNet",
    "cnnlab.nets.denoisers": "PosteriorMeanDenoiser PriorGuidedDenoisingNet",
    "cnnlab.nets.layers": "conv1x1 conv3x3",
    "cnnlab.nets.mlp": "MLP",
    "cnnlab.nets.mobile": "DepthwiseSeparableConv InvertedResidual SqueezeExcitation",
    "cnnlab.nets.residual": "BasicBlock Bottleneck PlainBlock",
    "cnnlab.ops.conv": "Conv2d conv1d conv2d conv3d conv_transpose2d",
    "cnnlab.ops.fft": "conv2d_fft",
    "cnnlab.ops.filters": "gaussian_blur median_filter",
    "cnnlab.ops.loops": "conv2d_loops convolve2d correlate2d",
    "cnnlab.ops.padding": "PADDING_MODES pad",
    "cnnlab.ops.pooling": ("AvgPool2d MaxPool2d avg_pool2d global_avg_pool2d global_max_pool2d lp_pool2d "
                           "max_pool2d"),
    "cnnlab.ops.receptive_field": "ReceptiveField receptive_field",
    "cnnlab.ops.shapes": ("conv_output_size conv_transpose_output_size effective_kernel_size pool_output_size "
                          "same_padding"),
    "cnnlab.ops.specs": "BNSpec BranchSpec ConvSpec LinearSpec PoolSpec",
    "cnnlab.train.denoise": "fit_denoiser fit_prior_guided_denoiser",
    "cnnlab.train.device": "best seed_everything",
    "cnnlab.train.evaluate": "evaluate gradient_norms predict",
    "cnnlab.train.loop": "History fit fit_seeds",
    "cnnlab.train.metrics": "confusion_matrix psnr ssim",
    "cnnlab.viz.costs": "plot_block_cost plot_conv_cost plot_param_counts",
    "cnnlab.viz.curves": "plot_confusion plot_curves plot_gradient_norms plot_history plot_runs",
    "cnnlab.viz.diagrams": "conv_window_explorer plot_conv_window plot_pooling",
    "cnnlab.viz.explore": "explore fixed",
    "cnnlab.viz.images": "show_image_rows show_images",
    "cnnlab.viz.kernels": "plot_filter plot_kernels",
    "cnnlab.viz.transforms": "plot_augmentation plot_denoising",
}
#: Modules reachable as attributes: the subpackages, and ``cnnlab.kernels`` (the named kernels).
_MODULES = {"cost": "cnnlab.cost", "data": "cnnlab.data", "grading": "cnnlab.grading", "nets": "cnnlab.nets",
            "ops": "cnnlab.ops", "train": "cnnlab.train", "viz": "cnnlab.viz", "kernels": "cnnlab.ops.kernels"}
_WHERE = {name: module for module, names in _FROM.items() for name in names.split()}


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'cnnlab' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE) | set(_MODULES))


__all__ = sorted([*_WHERE, "kernels"])
