"""Training a grid detector and reading its output: targets per cell, the loss, decoding with NMS.

A :class:`cnnlab.nets.detection.GridDetector` predicts, for every cell of a grid, class logits
and box offsets. :func:`grid_targets` says what it should predict: in the cell that holds an
object's centre, 1 for the object's class and the object's box encoded against the cell; 0
everywhere else. :func:`detection_loss` is the focal loss of RetinaNet on the class logits (so
that the many empty cells do not drown the few objects) plus a smooth L1 loss on the boxes of
the cells that hold an object. :func:`detect` decodes the output and keeps the best of each
cluster of boxes with non-maximum suppression; :func:`detect_windows` does the same for the score
maps of a sliding-window classifier, the baseline.
"""

from __future__ import annotations

import copy
import time

import torch
import torch.nn.functional as F

from cnnlab._checks import check_float, check_int, check_seed, derive_seed
from cnnlab.ops.boxes import batched_nms, decode_boxes, encode_boxes, grid_anchors
from cnnlab.train.detection import mean_average_precision
from cnnlab.train.evaluate import as_loader, keep_mode, model_device
from cnnlab.train.loop import History, make_optimizer, private_rng, run_epoch


def grid_targets(boxes, labels, grid_size: int, stride: int, num_classes: int) -> torch.Tensor:
    """What a grid detector should output: ``(N, num_classes + 4, G, G)``, per image's objects.

    Channel ``c < num_classes`` is 1 in the cell holding the centre of an object of class ``c``;
    the last 4 channels hold that object's box encoded against the cell
    (:func:`cnnlab.ops.boxes.encode_boxes`), 0 elsewhere. Of two objects centred in one cell,
    the later one wins.

    Examples
    --------
    >>> t = grid_targets([torch.tensor([[4.0, 0, 12, 8]])], [torch.tensor([1])], 2, 8, 2)
    >>> t.shape, t[0, 1].tolist(), t[0, 2:, 0, 1].tolist()   # centre (8, 4): row 0, column 1
    (torch.Size([1, 6, 2, 2]), [[0.0, 1.0], [0.0, 0.0]], [-0.5, 0.0, 0.0, 0.0])
    """
    grid_size, stride = check_int("grid_size", grid_size, minimum=1), check_int("stride", stride, minimum=1)
    num_classes = check_int("num_classes", num_classes, minimum=1)
    if not isinstance(boxes, (list, tuple)) or not isinstance(labels, (list, tuple)) or len(boxes) != len(labels):
        raise TypeError("`boxes` and `labels` must be lists of tensors of the same length, one per image")
    anchors = grid_anchors(grid_size, stride)
    out = torch.zeros(len(boxes), num_classes + 4, grid_size * grid_size)
    for i, (b, lab) in enumerate(zip(boxes, labels)):
        if not len(b):
            continue
        b = b.float()
        centre = ((b[:, :2] + b[:, 2:]) / 2 / stride).floor().long().clamp(0, grid_size - 1)  # (K, 2): col, row
        cell = centre[:, 1] * grid_size + centre[:, 0]
        out[i, lab.long(), cell] = 1.0
        out[i, num_classes:, cell] = encode_boxes(b, anchors[cell]).T
    return out.reshape(len(boxes), num_classes + 4, grid_size, grid_size)


def detection_loss(output, target, *, gamma: float = 2.0, alpha: float = 0.25, box_weight: float = 1.0):
    """Focal loss on the class logits plus smooth L1 on the boxes of the cells with an object.

    Both are summed and divided by the number of objects (at least 1).

    Parameters
    ----------
    output, target : Tensor, shape (N, C + 4, G, G)
        The detector's output and :func:`grid_targets`.
    """
    if output.shape != target.shape:
        raise ValueError(f"`output` and `target` must have the same shape, got {tuple(output.shape)} "
                         f"and {tuple(target.shape)}")
    c = output.shape[1] - 4
    logits, heat = output[:, :c], target[:, :c]
    p = torch.sigmoid(logits)
    p_t = heat * p + (1 - heat) * (1 - p)
    weight = (heat * alpha + (1 - heat) * (1 - alpha)) * (1 - p_t).pow(gamma)
    focal = (weight * F.binary_cross_entropy_with_logits(logits, heat, reduction="none")).sum()
    positive = heat.amax(1)                                               # (N, G, G)
    box = F.smooth_l1_loss(output[:, c:], target[:, c:], reduction="none").sum(1)
    count = positive.sum().clamp(min=1)
    return (focal + box_weight * (box * positive).sum()) / count


def fit_detector(model, images, targets, *, epochs: int = 10, lr: float = 3e-3, batch_size: int = 32,
                 seed=0, weight_decay: float = 0.0, val_score=None, score_from: int = 1) -> History:
    """Train a grid detector on ``(images, grid_targets)`` with Adam and :func:`detection_loss`.

    The epochs are :func:`cnnlab.train.loop.run_epoch`, shuffled and seeded from ``(seed,
    epoch)`` as in :func:`cnnlab.fit`; the global generators are left as they were.

    Parameters
    ----------
    val_score : callable, optional
        ``val_score(model) -> float``, higher is better (say mAP on validation scenes), called
        after every epoch from epoch `score_from` on (counted from 1); the model ends with the
        weights of the best epoch scored (early stopping).
    score_from : int, default 1

    Returns
    -------
    History
        ``train_loss`` per epoch, and ``val_acc`` the validation scores of the epochs scored.
    """
    epochs, batch_size = check_int("epochs", epochs, minimum=1), check_int("batch_size", batch_size, minimum=1)
    seed, device, score_from = check_seed(seed), model_device(model), check_int("score_from", score_from, minimum=1)
    if val_score is not None and not callable(val_score):
        raise TypeError(f"`val_score` must be a callable or None, got {type(val_score).__name__}")
    optimizer = make_optimizer("adam", model, lr, weight_decay)
    loader = as_loader((images, targets), batch_size, shuffle=True, name="train")

    def loss_of(batch):
        x, t = (v.to(device) for v in batch)
        return detection_loss(model(x), t), len(x), 0

    history, start = History(), time.perf_counter()
    with keep_mode(model):
        for epoch in range(epochs):
            loader.generator.manual_seed(derive_seed(seed, epoch, 0))
            with private_rng(derive_seed(seed, epoch, 1), device):
                loss, _, _ = run_epoch(model, loader, loss_of, optimizer)
            history.train_loss.append(loss)
            if val_score is not None and epoch + 1 >= score_from:
                history.val_acc.append(float(val_score(model)))
                if history.val_acc[-1] >= max(history.val_acc):
                    best = copy.deepcopy(model.state_dict())
        if history.val_acc:
            model.load_state_dict(best)
    history.seconds = time.perf_counter() - start
    return history


def select(scores, boxes, *, score_threshold: float, iou_threshold: float, max_detections: int = 20):
    """Per image: keep the (class, box) pairs scoring above `score_threshold`, then NMS per class.

    Parameters
    ----------
    scores : Tensor, shape (N, C, K)
        A score per class for each of K candidate boxes.
    boxes : Tensor, shape (N, K, 4)

    Returns
    -------
    list of N tuples (boxes (D, 4), scores (D,), labels (D,)), by decreasing score. At most
    ``4 * max_detections`` candidates, the best, go through NMS.
    """
    score_threshold = check_float("score_threshold", score_threshold, low=0.0, high=1.0)
    iou_threshold = check_float("iou_threshold", iou_threshold, low=0.0, high=1.0)
    max_detections = check_int("max_detections", max_detections, minimum=1)
    results = []
    for s, b in zip(scores, boxes):
        cls, cell = torch.nonzero(s > score_threshold, as_tuple=True)
        top = torch.sort(s[cls, cell], descending=True, stable=True).indices[: 4 * max_detections]
        cls, cell = cls[top], cell[top]                                   # the best candidates only
        keep = batched_nms(b[cell], s[cls, cell], cls, iou_threshold)[:max_detections]
        results.append((b[cell][keep], s[cls, cell][keep], cls[keep]))
    return results


@torch.no_grad()
def detect(model, images, *, score_threshold: float = 0.3, iou_threshold: float = 0.5, max_detections: int = 20):
    """Boxes, scores and labels a grid detector finds in each image (:func:`select` on its output).

    Examples
    --------
    >>> from cnnlab.nets.detection import GridDetector
    >>> found = detect(GridDetector(3, 3), torch.zeros(2, 3, 16, 16), score_threshold=0.5)
    >>> len(found), found[0][0].shape                # an untrained net is not confident anywhere
    (2, torch.Size([0, 4]))
    """
    with keep_mode(model):
        model.eval()
        output = model(images.to(model_device(model))).cpu()
    c, g = output.shape[1] - 4, output.shape[-1]
    anchors = grid_anchors(g, images.shape[-1] // g)
    codes = output[:, c:].flatten(2).transpose(1, 2)                      # (N, G*G, 4)
    boxes = torch.stack([decode_boxes(k.clamp(-4, 4), anchors) for k in codes])
    return select(torch.sigmoid(output[:, :c]).flatten(2), boxes, score_threshold=score_threshold,
                  iou_threshold=iou_threshold, max_detections=max_detections)


@torch.no_grad()
def detect_windows(network, images, *, window: int, stride: int, box_size: float, score_threshold: float = 0.5,
                   iou_threshold: float = 0.5, max_detections: int = 20):
    """Detections from a fully convolutional window classifier whose class 0 is the background.

    Each position of its score map is a `window` × `window` window at a step of `stride`
    pixels; a class's softmax probability there is the score of a `box_size` square centred in
    that window.

    Examples
    --------
    >>> from cnnlab.nets.detection import fully_convolutional, patch_classifier
    >>> fcn = fully_convolutional(patch_classifier(3, 4), 16)
    >>> found = detect_windows(fcn, torch.zeros(1, 3, 48, 48), window=16, stride=4, box_size=12,
    ...                        score_threshold=0.0)
    >>> found[0][0].shape[1], bool((found[0][0][:, 2] - found[0][0][:, 0] == 12).all())
    (4, True)
    """
    window, stride = check_int("window", window, minimum=1), check_int("stride", stride, minimum=1)
    box_size = check_float("box_size", box_size, positive=True)
    with keep_mode(network):
        network.eval()
        probs = torch.softmax(network(images.to(model_device(network))).cpu(), 1)   # (N, C + 1, R, Q)
    rows, cols = probs.shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(rows), torch.arange(cols), indexing="ij")
    cx, cy = (xs.flatten() * stride + window / 2).float(), (ys.flatten() * stride + window / 2).float()
    half = box_size / 2
    boxes = torch.stack([cx - half, cy - half, cx + half, cy + half], -1)   # (R*Q, 4)
    boxes = boxes.expand(len(probs), -1, -1)
    return select(probs[:, 1:].flatten(2), boxes, score_threshold=score_threshold, iou_threshold=iou_threshold,
                  max_detections=max_detections)


@torch.no_grad()
def threshold_segment(images, threshold: float, network=None, *, window: int = 16, stride: int = 4):
    """A classical segmenter: dark pixels are objects, and a window classifier says which.

    A pixel is foreground when its darkest channel is below `threshold`. Without `network`,
    every foreground pixel is class 1. With a fully convolutional window classifier (class 0 the
    background), each pixel takes the class of the window centred nearest to it, and foreground
    pixels whose window says "background" go back to the background.

    Returns
    -------
    Tensor of int64, shape (N, H, W)

    Examples
    --------
    >>> image = torch.ones(1, 3, 4, 4); image[0, :, 1:3, 1:3] = 0.1
    >>> threshold_segment(image, 0.5)[0].tolist()
    [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    """
    threshold = check_float("threshold", threshold, low=0.0, high=1.0)
    dark = images.amin(1) < threshold                                      # (N, H, W)
    if network is None:
        return dark.long()
    window, stride = check_int("window", window, minimum=1), check_int("stride", stride, minimum=1)
    with keep_mode(network):
        network.eval()
        classes = network(images.to(model_device(network))).argmax(1).cpu()   # (N, R, Q)
    h, w = images.shape[-2:]
    row = ((torch.arange(h) + 0.5 - window / 2) / stride).round().long().clamp(0, classes.shape[1] - 1)
    col = ((torch.arange(w) + 0.5 - window / 2) / stride).round().long().clamp(0, classes.shape[2] - 1)
    return torch.where(dark, classes[:, row][:, :, col], 0)


def map_of(found, true_boxes, true_labels, *, num_classes: int, iou_threshold: float = 0.5) -> float:
    """mAP (:func:`cnnlab.train.detection.mean_average_precision`) of the output of :func:`detect`.

    Examples
    --------
    >>> truth = [torch.tensor([[0.0, 0, 8, 8]])], [torch.tensor([1])]
    >>> map_of([(truth[0][0], torch.tensor([0.9]), truth[1][0])], *truth, num_classes=2)
    1.0
    """
    if not isinstance(found, (list, tuple)) or any(len(f) != 3 for f in found):
        raise TypeError("`found` must be a list of (boxes, scores, labels), one per image, as detect returns")
    boxes, scores, labels = ([f[k] for f in found] for k in range(3))
    return mean_average_precision(boxes, scores, labels, list(true_boxes), list(true_labels),
                                  iou_threshold=iou_threshold, num_classes=num_classes)
