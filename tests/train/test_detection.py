"""cnnlab.train.detection: matching, AP and mAP against pycocotools and brute force; mean IoU."""

import contextlib
import io
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab.ops.boxes import box_iou
from cnnlab.train.detection import (
    average_precision,
    average_precisions,
    iou_per_class,
    match_detections,
    mean_average_precision,
    mean_iou,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def random_case(seed, images=6, classes=3):
    """Random true objects, and detections near some of them, elsewhere, and of the wrong class."""
    g = torch.Generator().manual_seed(seed)
    true_boxes, true_labels, boxes, scores, labels = [], [], [], [], []
    for _ in range(images):
        k = int(torch.randint(0, 5, (), generator=g))
        xy = torch.rand(k, 2, generator=g) * 40
        wh = 4 + torch.rand(k, 2, generator=g) * 12
        tb = torch.cat([xy, xy + wh], 1)
        tl = torch.randint(0, classes, (k,), generator=g)
        near = tb[torch.rand(k, generator=g) < 0.8]
        near = near + torch.randn(near.shape, generator=g) * 2.0
        near = torch.cat([torch.minimum(near[:, :2], near[:, 2:]), torch.maximum(near[:, :2], near[:, 2:])], 1)
        near_labels = tl[: len(near)] if len(near) == k else torch.randint(0, classes, (len(near),), generator=g)
        m = int(torch.randint(0, 4, (), generator=g))
        xy2 = torch.rand(m, 2, generator=g) * 40
        stray = torch.cat([xy2, xy2 + 4 + torch.rand(m, 2, generator=g) * 12], 1)
        boxes.append(torch.cat([near, stray]).double())
        labels.append(torch.cat([near_labels, torch.randint(0, classes, (m,), generator=g)]))
        scores.append(torch.rand(len(boxes[-1]), generator=g, dtype=torch.float64))
        true_boxes.append(tb.double())
        true_labels.append(tl)
    return boxes, scores, labels, true_boxes, true_labels


def coco_aps(boxes, scores, labels, true_boxes, true_labels, classes, threshold=0.5):
    """Per-class AP from pycocotools' COCOeval at one IoU threshold (nan where COCO gives -1)."""
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def xywh(b):
        return [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])]

    gt = {"images": [{"id": i} for i in range(len(true_boxes))],
          "categories": [{"id": c} for c in range(classes)], "annotations": []}
    for i, (tb, tl) in enumerate(zip(true_boxes, true_labels)):
        for b, c in zip(tb, tl):
            gt["annotations"].append({"id": len(gt["annotations"]) + 1, "image_id": i, "category_id": int(c),
                                      "bbox": xywh(b), "area": float((b[2] - b[0]) * (b[3] - b[1])),
                                      "iscrowd": 0})
    dt = [{"image_id": i, "category_id": int(c), "bbox": xywh(b), "score": float(s)}
          for i, (bb, ss, ll) in enumerate(zip(boxes, scores, labels)) for b, s, c in zip(bb, ss, ll)]
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        result = coco.loadRes(dt) if dt else COCO()
        ev = COCOeval(coco, result, "bbox")
        ev.params.iouThrs = np.array([threshold])
        ev.params.areaRng, ev.params.areaRngLbl = [[0, 1e10]], ["all"]
        ev.params.maxDets = [100]
        ev.evaluate()
        ev.accumulate()
    precision = ev.eval["precision"][0, :, :, 0, 0]                      # (recall points, classes)
    return np.array([math.nan if (p < 0).all() else p.mean() for p in precision.T])


@pytest.mark.parametrize("seed", range(8))
def test_average_precisions_match_pycocotools(seed):
    case = random_case(seed)
    ours = average_precisions(*case, num_classes=3).numpy()
    theirs = coco_aps(*case, classes=3)
    np.testing.assert_allclose(ours, theirs, atol=1e-12, equal_nan=True)


def test_mean_average_precision_matches_pycocotools_at_other_thresholds():
    case = random_case(100, images=10)
    for threshold in (0.3, 0.75):
        ours = mean_average_precision(*case, num_classes=3, iou_threshold=threshold)
        assert ours == pytest.approx(np.nanmean(coco_aps(*case, classes=3, threshold=threshold)), abs=1e-12)


def test_perfect_predictions_score_1_and_misses_score_0():
    _, _, _, true_boxes, true_labels = random_case(3)
    scores = [torch.rand(len(b), dtype=torch.float64) for b in true_boxes]
    assert mean_average_precision(true_boxes, scores, true_labels, true_boxes, true_labels) == 1.0
    far = [b + 1000 for b in true_boxes]
    assert mean_average_precision(far, scores, true_labels, true_boxes, true_labels) == 0.0
    ap = average_precisions(true_boxes, scores, true_labels, true_boxes, true_labels, num_classes=5)
    assert math.isnan(ap[4]) and (ap[:3] == 1).all()                       # class 4 has no objects


def brute_match(boxes, scores, true_boxes, threshold):
    """Greedy matching written out: best score first, best free IoU, at least the threshold."""
    order = sorted(range(len(boxes)), key=lambda i: (-float(scores[i]), i))
    taken, hits = set(), [False] * len(boxes)
    iou = box_iou(boxes, true_boxes) if len(boxes) and len(true_boxes) else None
    for d in order:
        free = [(float(iou[d, t]), -t) for t in range(len(true_boxes)) if t not in taken] if iou is not None else []
        if free and max(free)[0] >= threshold:
            best = -max(free)[1]
            taken.add(best)
            hits[d] = True
    return hits


@settings(max_examples=40)
@given(st.integers(0, 10_000), st.sampled_from([0.1, 0.5, 0.9]))
def test_match_detections_is_the_greedy_rule(seed, threshold):
    boxes, scores, _, true_boxes, _ = random_case(seed, images=1)
    hits = match_detections(boxes[0], scores[0], true_boxes[0], threshold)
    assert hits.tolist() == brute_match(boxes[0], scores[0], true_boxes[0], threshold)
    assert int(hits.sum()) <= len(true_boxes[0])


def test_average_precision_by_hand():
    scores, hits = torch.tensor([0.9, 0.8, 0.7, 0.6]), torch.tensor([True, False, True, False])
    # recall 1/3 at precision 1, 2/3 at precision 2/3; the third object is never found
    assert average_precision(scores, hits, 3, recall_points=None) == pytest.approx(1 / 3 + 1 / 3 * 2 / 3)
    levels = np.linspace(0, 1, 101)
    want = np.where(levels <= 1 / 3, 1.0, np.where(levels <= 2 / 3, 2 / 3, 0.0)).mean()
    assert average_precision(scores, hits, 3) == pytest.approx(want)
    assert average_precision(torch.zeros(0), torch.zeros(0, dtype=torch.bool), 2) == 0.0


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="`num_true`"):
        average_precision(torch.tensor([0.5]), torch.tensor([True]), 0)
    with pytest.raises(ValueError, match="more than `num_true`"):
        average_precision(torch.tensor([0.5, 0.4]), torch.tensor([True, True]), 1)
    with pytest.raises(ValueError, match="`scores` must have shape"):
        match_detections(torch.zeros(2, 4), torch.zeros(3), torch.zeros(1, 4))
    with pytest.raises(ValueError, match="`boxes` must be a list of 1 tensors"):
        average_precisions(torch.zeros(1, 4), [torch.zeros(1)], [torch.zeros(1)], [torch.zeros(1, 4)],
                           [torch.zeros(1)])
    with pytest.raises(ValueError, match="`prediction` and `target` must have the same shape"):
        mean_iou(torch.zeros(2, 2, dtype=torch.long), torch.zeros(3, 2, dtype=torch.long), 2)


def test_iou_per_class_counts_pixels():
    g = torch.Generator().manual_seed(0)
    pred, target = torch.randint(0, 4, (3, 9, 9), generator=g), torch.randint(0, 3, (3, 9, 9), generator=g)
    want = []
    for c in range(5):
        inter, union = int(((pred == c) & (target == c)).sum()), int(((pred == c) | (target == c)).sum())
        want.append(inter / union if union else math.nan)
    np.testing.assert_allclose(iou_per_class(pred, target, 5).numpy(), want, equal_nan=True)
    assert mean_iou(pred, target, 5) == pytest.approx(np.nanmean(want))
    assert mean_iou(target, target, 3) == 1.0
