"""The operations the book derives, as pure functions over tensors: the bottom layer.

Geometry (:mod:`~cnnlab.ops.shapes`, :mod:`~cnnlab.ops.receptive_field`, layer
:mod:`~cnnlab.ops.specs`), padding, convolution three ways (:mod:`~cnnlab.ops.loops`,
:mod:`~cnnlab.ops.conv`, :mod:`~cnnlab.ops.fft`) with their arguments parsed once
(:mod:`~cnnlab.ops.args`), pooling, named kernels and classical filters. Nothing here imports
the rest of cnnlab except its argument checks.
"""
