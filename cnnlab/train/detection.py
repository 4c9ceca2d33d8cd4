"""How good a detector or a segmenter is: average precision, mAP at an IoU threshold, and mean IoU.

A detection is a box, a class and a score. At an IoU threshold (0.5 for "mAP@0.5"), each
detection is matched, by decreasing score, to the unmatched true object of its class that it
overlaps most, if that IoU reaches the threshold; matched detections are true positives, the
others false positives. Lowering the score threshold walks along a precision-recall curve; the
average precision (AP) is the area under it, and mAP is the mean AP over the classes. The matching
and the 101-point AP follow the COCO evaluation (``pycocotools``); ``recall_points=None`` gives the
all-point AP of PASCAL VOC 2010 and later. Segmentation counts pixels instead: the IoU of a class
is the overlap of its predicted and true pixels over their union, over the whole data set.
"""

from __future__ import annotations

import math

import torch

from cnnlab._checks import as_tensor, check_float, check_int
from cnnlab.ops.boxes import box_iou, check_boxes
from cnnlab.train.metrics import confusion_matrix


def match_detections(boxes, scores, true_boxes, iou_threshold: float = 0.5) -> torch.Tensor:
    """Which detections of one class in one image are true positives, by greedy matching.

    Detections are taken by decreasing score (ties: lower index first); each takes the unmatched
    true box it overlaps most, when that IoU is at least `iou_threshold`.

    Parameters
    ----------
    boxes : Tensor, shape (D, 4)
    scores : Tensor, shape (D,)
    true_boxes : Tensor, shape (T, 4)
    iou_threshold : float, default 0.5

    Returns
    -------
    Tensor of bool, shape (D,), in the order of `boxes`

    Examples
    --------
    >>> true = torch.tensor([[0.0, 0, 10, 10]])
    >>> found = torch.tensor([[0.0, 0, 10, 9], [1, 1, 10, 10]])    # two boxes on one object
    >>> match_detections(found, torch.tensor([0.6, 0.9]), true).tolist()  # the better score wins
    [False, True]
    """
    boxes, true_boxes = check_boxes("boxes", boxes), check_boxes("true_boxes", true_boxes)
    scores = as_tensor("scores", scores)
    if scores.shape != (len(boxes),):
        raise ValueError(f"`scores` must have shape ({len(boxes)},), one per box, got {tuple(scores.shape)}")
    iou_threshold = check_float("iou_threshold", iou_threshold, low=0.0, high=1.0)
    matched = torch.zeros(len(boxes), dtype=torch.bool)
    if not len(boxes) or not len(true_boxes):
        return matched
    iou = box_iou(boxes, true_boxes).cpu().tolist()
    free, threshold = [True] * len(true_boxes), min(iou_threshold, 1 - 1e-10)  # as pycocotools: below 1
    for d in torch.sort(scores.cpu(), descending=True, stable=True).indices.tolist():
        overlap = [v if f else -1.0 for v, f in zip(iou[d], free)]
        best = max(range(len(overlap)), key=overlap.__getitem__)        # the first of equal maxima
        if overlap[best] >= threshold:
            matched[d], free[best] = True, False
    return matched


def average_precision(scores, matched, num_true: int, *, recall_points: int | None = 101) -> float:
    """Area under the precision-recall curve of ranked detections, with precision made monotone.

    Parameters
    ----------
    scores : Tensor, shape (D,)
        The detections' scores, from all images.
    matched : Tensor of bool, shape (D,)
        Whether each detection is a true positive.
    num_true : int
        Number of true objects (the recall's denominator), >= 1.
    recall_points : int or None, default 101
        Average the interpolated precision at this many recalls evenly spaced in [0, 1]
        (COCO: 101); None sums it over every recall step (PASCAL VOC 2010+).

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> scores, hits = torch.tensor([0.9, 0.8, 0.7]), torch.tensor([True, False, True])
    >>> average_precision(scores, hits, 2, recall_points=None)  # 1/2 * 1 + 1/2 * 2/3
    0.8333333333333333
    """
    scores, matched = as_tensor("scores", scores).cpu(), as_tensor("matched", matched).cpu().bool()
    if scores.dim() != 1 or matched.shape != scores.shape:
        raise ValueError(f"`scores` and `matched` must have the same shape (D,), got {tuple(scores.shape)} "
                         f"and {tuple(matched.shape)}")
    num_true = check_int("num_true", num_true, minimum=1)
    if int(matched.sum()) > num_true:
        raise ValueError(f"`matched` has {int(matched.sum())} true positives, more than `num_true` = {num_true}")
    order = torch.sort(scores, descending=True, stable=True).indices
    hits = matched[order].double()
    tp, fp = hits.cumsum(0), (1 - hits).cumsum(0)
    recall, precision = tp / num_true, tp / (tp + fp).clamp(min=1)
    # the precision envelope: the best precision at this recall or any higher one
    precision = precision.flip(0).cummax(0).values.flip(0)
    if recall_points is None:
        steps = torch.diff(recall, prepend=torch.zeros(1, dtype=recall.dtype))
        return float((steps * precision).sum())
    recall_points = check_int("recall_points", recall_points, minimum=2)
    if not len(recall):
        return 0.0
    levels = torch.linspace(0, 1, recall_points, dtype=torch.float64)
    at = torch.searchsorted(recall, levels, side="left")             # first rank reaching each level
    return float(torch.where(at < len(recall), precision[at.clamp(max=len(recall) - 1)], 0.0).mean())


def _per_image(name, values, n):
    if not isinstance(values, (list, tuple)) or len(values) != n:
        raise ValueError(f"`{name}` must be a list of {n} tensors, one per image, got "
                         f"{len(values) if isinstance(values, (list, tuple)) else type(values).__name__}")
    return [as_tensor(f"{name}[{i}]", v).cpu() for i, v in enumerate(values)]


def average_precisions(boxes, scores, labels, true_boxes, true_labels, *, iou_threshold: float = 0.5,
                       num_classes: int | None = None, recall_points: int | None = 101) -> torch.Tensor:
    """The AP of each class over a set of images; nan for a class without true objects.

    Parameters
    ----------
    boxes, scores, labels : list of Tensors, one per image
        Detections: shapes (D_i, 4), (D_i,) and (D_i,) (class indices).
    true_boxes, true_labels : list of Tensors, one per image
        True objects: shapes (T_i, 4) and (T_i,).
    iou_threshold : float, default 0.5
    num_classes : int, optional
        Default: one more than the largest label seen.
    recall_points : int or None, default 101
        See :func:`average_precision`.

    Returns
    -------
    Tensor of float64, shape (num_classes,)
    """
    n = len(true_boxes) if isinstance(true_boxes, (list, tuple)) else -1
    if n < 0:
        raise ValueError(f"`true_boxes` must be a list of tensors, one per image, got {type(true_boxes).__name__}")
    boxes, scores, labels = (_per_image(k, v, n) for k, v in (("boxes", boxes), ("scores", scores), ("labels", labels)))
    true_boxes, true_labels = _per_image("true_boxes", true_boxes, n), _per_image("true_labels", true_labels, n)
    for i in range(n):
        if not (len(boxes[i]) == len(scores[i]) == len(labels[i])) or len(true_boxes[i]) != len(true_labels[i]):
            raise ValueError(f"image {i}: boxes, scores and labels must have one row per detection, and "
                             f"true_boxes and true_labels one per object")
    if num_classes is None:
        seen = [int(t.max()) for t in labels + true_labels if len(t)]
        num_classes = max(seen, default=-1) + 1
    num_classes = check_int("num_classes", num_classes, minimum=0)
    result = torch.full((num_classes,), math.nan, dtype=torch.float64)
    for c in range(num_classes):
        all_scores, all_hits, count = [], [], 0
        for i in range(n):
            mine, theirs = labels[i] == c, true_labels[i] == c
            count += int(theirs.sum())
            all_scores.append(scores[i][mine])
            all_hits.append(match_detections(boxes[i][mine], scores[i][mine], true_boxes[i][theirs], iou_threshold))
        if count:
            result[c] = average_precision(torch.cat(all_scores), torch.cat(all_hits), count,
                                          recall_points=recall_points)
    return result


def mean_average_precision(boxes, scores, labels, true_boxes, true_labels, *, iou_threshold: float = 0.5,
                           num_classes: int | None = None, recall_points: int | None = 101) -> float:
    """mAP: the mean of :func:`average_precisions` over the classes that have true objects.

    Examples
    --------
    >>> true_boxes, true_labels = [torch.tensor([[0.0, 0, 10, 10], [20, 20, 30, 30]])], [torch.tensor([0, 1])]
    >>> mean_average_precision(true_boxes, [torch.tensor([0.9, 0.8])], true_labels, true_boxes, true_labels)
    1.0
    >>> shifted = [true_boxes[0] + 4]                 # IoU 36 / 164 with their objects: both missed
    >>> mean_average_precision(shifted, [torch.tensor([0.9, 0.8])], true_labels, true_boxes, true_labels)
    0.0
    """
    ap = average_precisions(boxes, scores, labels, true_boxes, true_labels, iou_threshold=iou_threshold,
                            num_classes=num_classes, recall_points=recall_points)
    ap = ap[~torch.isnan(ap)]
    return float(ap.mean()) if len(ap) else math.nan


def iou_per_class(prediction, target, num_classes: int) -> torch.Tensor:
    """Intersection over union of each class's predicted and true pixels, over all images.

    Parameters
    ----------
    prediction, target : Tensor of int64, same shape, e.g. (N, H, W)
        A class per pixel, in ``range(num_classes)``.
    num_classes : int

    Returns
    -------
    Tensor of float64, shape (num_classes,): nan for a class in neither.

    Examples
    --------
    >>> target = torch.tensor([[0, 0, 1, 1]])
    >>> iou_per_class(torch.tensor([[0, 1, 1, 1]]), target, 2).tolist()  # class 1: 2 / 3
    [0.5, 0.6666666666666666]
    """
    prediction, target = as_tensor("prediction", prediction), as_tensor("target", target)
    if prediction.shape != target.shape:
        raise ValueError(f"`prediction` and `target` must have the same shape, got {tuple(prediction.shape)} "
                         f"and {tuple(target.shape)}")
    counts = confusion_matrix(target.flatten(), prediction.flatten(), num_classes).double()
    inter = counts.diag()
    union = counts.sum(0) + counts.sum(1) - inter
    return torch.where(union > 0, inter / union.clamp(min=1), torch.full_like(inter, math.nan))


def mean_iou(prediction, target, num_classes: int) -> float:
    """mIoU: the mean of :func:`iou_per_class` over the classes present in the prediction or the target.

    Examples
    --------
    >>> mean_iou(torch.tensor([[0, 1, 1, 1]]), torch.tensor([[0, 0, 1, 1]]), 2)
    0.5833333333333333
    """
    iou = iou_per_class(prediction, target, num_classes)
    iou = iou[~torch.isnan(iou)]
    return float(iou.mean()) if len(iou) else math.nan
