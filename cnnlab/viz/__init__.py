"""Figures: images, curves, diagrams of the convolution, kernels, costs and transforms. Every
function returns a ``matplotlib.figure.Figure`` built without pyplot. Loaded only when a figure
function is first used (``import cnnlab`` does not import matplotlib)."""
