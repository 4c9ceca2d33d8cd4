"""cnnlab.ops.boxes against brute-force references: pixel counting, per-pair Python, greedy NMS."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.testing import assert_close

from cnnlab.ops.boxes import (
    batched_nms,
    box_area,
    box_convert,
    box_iou,
    check_boxes,
    decode_boxes,
    encode_boxes,
    grid_anchors,
    masks_to_boxes,
    nms,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py
few = settings(max_examples=40)


@st.composite
def int_boxes(draw, n=st.integers(0, 5), size=10):
    """(N, 4) integer boxes inside a size x size image, possibly empty (zero width or height)."""
    rows = []
    for _ in range(draw(n)):
        x1, x2 = sorted(draw(st.integers(0, size)) for _ in range(2))
        y1, y2 = sorted(draw(st.integers(0, size)) for _ in range(2))
        rows.append([x1, y1, x2, y2])
    return torch.tensor(rows, dtype=torch.float64).reshape(-1, 4)


def pixels(box, size=12):
    """The set of pixels (row, column) an integer box covers."""
    x1, y1, x2, y2 = (int(v) for v in box)
    return {(r, c) for r in range(y1, y2) for c in range(x1, x2)}


def iou_pair(a, b):
    """IoU of two boxes by the formula, one pair at a time in plain Python."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@few
@given(int_boxes(), int_boxes())
def test_box_iou_counts_pixels(a, b):
    want = torch.zeros(len(a), len(b), dtype=torch.float64)
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            pa, pb = pixels(p), pixels(q)
            want[i, j] = len(pa & pb) / len(pa | pb) if pa | pb else 0.0
    assert_close(box_iou(a, b), want)
    assert_close(box_area(a), torch.tensor([float(len(pixels(p))) for p in a], dtype=torch.float64))


boxes_float = st.lists(st.tuples(*[st.floats(-50, 50, allow_nan=False)] * 2, *[st.floats(0, 30)] * 2),
                       min_size=1, max_size=6).map(
    lambda rows: torch.tensor([[x, y, x + w, y + h] for x, y, w, h in rows], dtype=torch.float64))


@few
@given(boxes_float, boxes_float)
def test_box_iou_is_symmetric_in_0_1_and_matches_the_formula(a, b):
    iou = box_iou(a, b)
    assert_close(iou, box_iou(b, a).T)
    assert bool(((iou >= 0) & (iou <= 1)).all())
    want = torch.tensor([[iou_pair(p.tolist(), q.tolist()) for q in b] for p in a], dtype=torch.float64)
    assert_close(iou, want)
    positive = box_area(a) > 1e-6
    assert_close(box_iou(a, a).diagonal()[positive], torch.ones(int(positive.sum()), dtype=torch.float64))


def test_box_iou_known_values_and_dtype():
    a = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
    b = torch.tensor([[1, 0, 3, 2], [2, 2, 4, 4], [0, 0, 0, 0]])           # int boxes are accepted
    assert box_iou(a, b)[0].tolist() == pytest.approx([1 / 3, 0.0, 0.0])
    assert box_iou(a.double(), b).dtype == torch.float64
    assert box_iou(torch.zeros(0, 4), b).shape == (0, 3)


@pytest.mark.parametrize("bad, error, match", [
    (torch.tensor([[0.0, 0.0, 1.0]]), ValueError, r"`boxes1` must have shape \(N, 4\)"),
    (torch.tensor([[2.0, 0.0, 1.0, 1.0]]), ValueError, r"`boxes1` must be \(x1, y1, x2, y2\) with x1 <= x2"),
    (torch.tensor([[0.0, 0.0, math.nan, 1.0]]), ValueError, r"`boxes1` must hold finite"),
    ("boxes", TypeError, r"`boxes1`"),
])
def test_box_iou_rejects_bad_boxes(bad, error, match):
    with pytest.raises(error, match=match):
        box_iou(bad, torch.zeros(1, 4))


@few
@given(boxes_float, st.sampled_from(["xyxy", "xywh", "cxcywh"]), st.sampled_from(["xyxy", "xywh", "cxcywh"]))
def test_box_convert_round_trips(boxes, a, b):
    assert_close(box_convert(box_convert(box_convert(boxes, "xyxy", a), a, b), b, "xyxy"), boxes)


def test_box_convert_checks_formats():
    with pytest.raises(ValueError, match="`in_fmt`"):
        box_convert(torch.zeros(1, 4), "yxyx", "xyxy")


def test_grid_anchors_tile_the_image():
    cells = grid_anchors((2, 3), 4)
    assert cells.shape == (6, 4)
    assert cells[4].tolist() == [4.0, 4.0, 8.0, 8.0]                      # row 1, column 1
    assert float(box_area(cells).sum()) == 2 * 3 * 16
    assert box_iou(cells, cells).fill_diagonal_(0).max() == 0
    with pytest.raises(ValueError, match="`stride`"):
        grid_anchors(2, 0)


positive_boxes = st.lists(st.tuples(*[st.floats(-20, 20)] * 2, *[st.floats(0.5, 30)] * 2), min_size=1,
                          max_size=8).map(
    lambda rows: torch.tensor([[x, y, x + w, y + h] for x, y, w, h in rows], dtype=torch.float64))


@few
@given(positive_boxes, st.integers(1, 8))
def test_encode_decode_round_trip(boxes, stride):
    anchors = grid_anchors(3, stride, dtype=torch.float64)[torch.arange(len(boxes)) % 9]
    codes = encode_boxes(boxes, anchors)
    assert_close(decode_boxes(codes, anchors), boxes)
    assert_close(encode_boxes(decode_boxes(codes, anchors), anchors), codes)


def test_encode_is_zero_for_the_anchor_and_checks_shapes():
    cells = grid_anchors(2, 8)
    assert encode_boxes(cells, cells).abs().max() == 0
    with pytest.raises(ValueError, match="`boxes` and `anchors` must have the same shape"):
        encode_boxes(cells[:1], cells)
    with pytest.raises(ValueError, match="`boxes` must have positive widths"):
        encode_boxes(torch.tensor([[0.0, 0, 0, 1]]), cells[:1])


def greedy_nms(boxes, scores, threshold):
    """The textbook loop: sort, keep the best, drop what overlaps it too much, repeat."""
    order = sorted(range(len(boxes)), key=lambda i: (-float(scores[i]), i))
    keep = []
    for i in order:
        if all(iou_pair(boxes[i].tolist(), boxes[k].tolist()) <= threshold for k in keep):
            keep.append(i)
    return keep


@st.composite
def detections(draw):
    boxes = draw(int_boxes(n=st.integers(0, 12), size=16))
    scores = [draw(st.sampled_from([0.1, 0.3, 0.5, 0.7, 0.9])) for _ in range(len(boxes))]  # ties happen
    labels = [draw(st.integers(0, 2)) for _ in range(len(boxes))]
    return boxes, torch.tensor(scores, dtype=torch.float64), torch.tensor(labels, dtype=torch.long)


@few
@given(detections(), st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]))
def test_nms_is_the_greedy_loop(case, threshold):
    boxes, scores, labels = case
    keep = nms(boxes, scores, threshold)
    assert keep.tolist() == greedy_nms(boxes, scores, threshold)
    if len(boxes):
        assert int(keep[0]) == int(torch.sort(scores, descending=True, stable=True).indices[0])
    kept = boxes[keep]
    iou = box_iou(kept, kept).fill_diagonal_(0)
    assert not bool((iou > threshold).any())


@few
@given(detections(), st.sampled_from([0.3, 0.5]))
def test_batched_nms_works_class_by_class(case, threshold):
    boxes, scores, labels = case
    keep = batched_nms(boxes, scores, labels, threshold)
    want = sorted((i for c in range(3) for i in [j for j in range(len(boxes)) if labels[j] == c]
                   if i in [[j for j in range(len(boxes)) if labels[j] == c][k]
                            for k in greedy_nms(boxes[labels == c], scores[labels == c], threshold)]),
                  key=lambda i: (-float(scores[i]), i))
    assert keep.tolist() == want
    for c in range(3):
        kept = boxes[keep][labels[keep] == c]
        assert not bool((box_iou(kept, kept).fill_diagonal_(0) > threshold).any())


def test_nms_checks_its_arguments():
    boxes = torch.tensor([[0.0, 0, 1, 1]])
    with pytest.raises(ValueError, match="`scores` must have shape"):
        nms(boxes, torch.tensor([0.5, 0.4]), 0.5)
    with pytest.raises(ValueError, match="`iou_threshold`"):
        nms(boxes, torch.tensor([0.5]), 1.5)
    with pytest.raises(TypeError, match="`iou_threshold`"):
        nms(boxes, torch.tensor([0.5]), "half")
    assert nms(torch.zeros(0, 4), torch.zeros(0), 0.5).tolist() == []
    assert batched_nms(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long), 0.5).tolist() == []


@few
@given(int_boxes(n=st.integers(1, 5)))
def test_masks_to_boxes_inverts_painting(boxes):
    masks = torch.zeros(len(boxes), 12, 12, dtype=torch.bool)
    for m, (x1, y1, x2, y2) in zip(masks, boxes.long().tolist()):
        m[y1:y2, x1:x2] = True
    empty = box_area(boxes) == 0
    want = torch.where(empty[:, None], torch.zeros_like(boxes), boxes).float()
    assert_close(masks_to_boxes(masks), want)


def test_masks_to_boxes_checks_dtype():
    with pytest.raises(ValueError, match="`masks` must be a bool tensor"):
        masks_to_boxes(torch.zeros(1, 3, 3))


def test_check_boxes_converts_ints():
    assert check_boxes("b", torch.tensor([[0, 0, 1, 2]])).dtype == torch.get_default_dtype()
