"""Box geometry: areas, intersection over union, encodings against anchors, non-maximum suppression.

Boxes are rows ``(x1, y1, x2, y2)`` in pixels, x to the right and y down, with ``x1 <= x2`` and
``y1 <= y2``, as in torchvision: a box around the pixels of columns 3, 4 and 5 has ``x1 = 3``,
``x2 = 6`` and width 3. A detector predicts boxes as small offsets from reference boxes (grid
cells or anchors, :func:`encode_boxes`), and keeps the best of each cluster of overlapping
predictions (:func:`nms`).
"""

from __future__ import annotations

import numpy as np
import torch

from cnnlab._checks import as_tensor, check_choice, check_float, check_int

FORMATS = ("xyxy", "xywh", "cxcywh")


def check_boxes(name: str, boxes) -> torch.Tensor:
    """Return `boxes` as a float tensor of shape (N, 4) with ``x1 <= x2`` and ``y1 <= y2``, else raise.

    Examples
    --------
    >>> check_boxes("boxes", torch.tensor([[0, 0, 2, 3]])).dtype
    torch.float32
    """
    boxes = as_tensor(name, boxes)
    if boxes.dim() != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"`{name}` must have shape (N, 4), got {tuple(boxes.shape)}")
    if not boxes.is_floating_point():
        boxes = boxes.to(torch.get_default_dtype())
    if not bool(torch.isfinite(boxes).all()):
        raise ValueError(f"`{name}` must hold finite coordinates")
    if bool((boxes[:, 2:] < boxes[:, :2]).any()):
        row = int(((boxes[:, 2:] < boxes[:, :2]).any(1)).nonzero()[0])
        raise ValueError(f"`{name}` must be (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2, "
                         f"got row {row}: {boxes[row].tolist()}")
    return boxes


def box_area(boxes) -> torch.Tensor:
    """Area of each box, ``(x2 - x1) * (y2 - y1)``.

    Examples
    --------
    >>> box_area(torch.tensor([[0.0, 0.0, 2.0, 3.0], [1.0, 1.0, 1.0, 5.0]])).tolist()
    [6.0, 0.0]
    """
    boxes = check_boxes("boxes", boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def box_iou(boxes1, boxes2) -> torch.Tensor:
    """Intersection over union of every pair of boxes: a matrix of shape (N, M), in [0, 1].

    ``IoU(a, b) = area(a ∩ b) / area(a ∪ b)``, where ``area(a ∪ b) = area(a) + area(b) -
    area(a ∩ b)``; 0 where the union is empty (two boxes of zero area).

    Parameters
    ----------
    boxes1 : Tensor, shape (N, 4)
    boxes2 : Tensor, shape (M, 4)

    Returns
    -------
    Tensor, shape (N, M)

    Examples
    --------
    >>> a = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
    >>> b = torch.tensor([[1.0, 0.0, 3.0, 2.0], [5.0, 5.0, 6.0, 6.0]])
    >>> box_iou(a, b)  # overlap 2, union 4 + 4 - 2 = 6
    tensor([[0.3333, 0.0000]])
    """
    boxes1, boxes2 = check_boxes("boxes1", boxes1), check_boxes("boxes2", boxes2)
    dtype = torch.promote_types(boxes1.dtype, boxes2.dtype)
    boxes1, boxes2 = boxes1.to(dtype), boxes2.to(dtype)
    top_left = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])       # (N, M, 2)
    bottom_right = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])   # (N, M, 2)
    inter = (bottom_right - top_left).clamp(min=0).prod(dim=2)               # (N, M)
    union = box_area(boxes1)[:, None] + box_area(boxes2)[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=torch.finfo(dtype).tiny), torch.zeros_like(inter))


def box_convert(boxes, in_fmt: str, out_fmt: str) -> torch.Tensor:
    """Convert boxes between 'xyxy' (corners), 'xywh' (corner, size; COCO's) and 'cxcywh' (centre, size).

    Examples
    --------
    >>> box_convert(torch.tensor([[1.0, 2.0, 5.0, 4.0]]), "xyxy", "cxcywh").tolist()
    [[3.0, 3.0, 4.0, 2.0]]
    >>> box_convert(torch.tensor([[1.0, 2.0, 4.0, 2.0]]), "xywh", "xyxy").tolist()
    [[1.0, 2.0, 5.0, 4.0]]
    """
    in_fmt, out_fmt = check_choice("in_fmt", in_fmt, FORMATS), check_choice("out_fmt", out_fmt, FORMATS)
    boxes = as_tensor("boxes", boxes)
    if boxes.dim() != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"`boxes` must have shape (N, 4), got {tuple(boxes.shape)}")
    a, b, c, d = boxes.unbind(-1)
    if in_fmt == "xywh":
        a, b, c, d = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        a, b, c, d = a - c / 2, b - d / 2, a + c / 2, b + d / 2
    xyxy = check_boxes("boxes", torch.stack([a, b, c, d], -1))
    x1, y1, x2, y2 = xyxy.unbind(-1)
    if out_fmt == "xywh":
        return torch.stack([x1, y1, x2 - x1, y2 - y1], -1)
    if out_fmt == "cxcywh":
        return torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], -1)
    return xyxy


def grid_anchors(grid_size, stride, *, dtype=None, device=None) -> torch.Tensor:
    """The cells of a grid as boxes: row by row, cell ``(i, j)`` is ``(j s, i s, (j + 1) s, (i + 1) s)``.

    A single-shot detector with an output of ``grid_size`` cells and stride `stride` predicts
    one box per cell, relative to that cell (:func:`encode_boxes`).

    Parameters
    ----------
    grid_size : int or (int, int)
        Rows and columns of the grid.
    stride : int
        Cell size in pixels.

    Returns
    -------
    Tensor, shape (rows * columns, 4)

    Examples
    --------
    >>> grid_anchors((1, 2), 8).tolist()
    [[0.0, 0.0, 8.0, 8.0], [8.0, 0.0, 16.0, 8.0]]
    """
    rows, cols = (grid_size, grid_size) if not isinstance(grid_size, (tuple, list)) else grid_size
    rows, cols = check_int("grid_size", rows, minimum=1), check_int("grid_size", cols, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    ys, xs = torch.meshgrid(torch.arange(rows, dtype=dtype, device=device),
                            torch.arange(cols, dtype=dtype, device=device), indexing="ij")
    corners = torch.stack([xs, ys, xs + 1, ys + 1], -1).reshape(-1, 4)
    return corners.to(dtype or torch.get_default_dtype()) * stride


def encode_boxes(boxes, anchors) -> torch.Tensor:
    """Offsets of `boxes` from `anchors` (row by row): centre shift in anchor sizes, log size ratio.

    ``t_x = (c_x - a_x) / a_w``, ``t_y = (c_y - a_y) / a_h``, ``t_w = log(w / a_w)``,
    ``t_h = log(h / a_h)``, where ``(c_x, c_y, w, h)`` is a box's centre and size and
    ``(a_x, a_y, a_w, a_h)`` its anchor's (the parametrisation of Faster R-CNN and YOLOv2). A box
    whose centre lies in its anchor has ``|t_x|, |t_y| <= 1/2``. :func:`decode_boxes` inverts it.

    Parameters
    ----------
    boxes, anchors : Tensor, shape (N, 4)
        'xyxy' boxes of positive width and height.

    Returns
    -------
    Tensor, shape (N, 4): ``(t_x, t_y, t_w, t_h)``

    Examples
    --------
    >>> cell = torch.tensor([[8.0, 0.0, 16.0, 8.0]])
    >>> encode_boxes(torch.tensor([[10.0, 2.0, 18.0, 6.0]]), cell)  # centre (14, 4), size 8 x 4
    tensor([[ 0.2500,  0.0000,  0.0000, -0.6931]])
    """
    boxes, anchors = check_boxes("boxes", boxes), check_boxes("anchors", anchors)
    if boxes.shape != anchors.shape:
        raise ValueError(f"`boxes` and `anchors` must have the same shape, got {tuple(boxes.shape)} "
                         f"and {tuple(anchors.shape)}")
    for name, b in (("boxes", boxes), ("anchors", anchors)):
        if bool((b[:, 2:] <= b[:, :2]).any()):
            raise ValueError(f"`{name}` must have positive widths and heights to be encoded")
    cx, cy, w, h = box_convert(boxes, "xyxy", "cxcywh").unbind(-1)
    ax, ay, aw, ah = box_convert(anchors, "xyxy", "cxcywh").unbind(-1)
    return torch.stack([(cx - ax) / aw, (cy - ay) / ah, torch.log(w / aw), torch.log(h / ah)], -1)


def decode_boxes(codes, anchors) -> torch.Tensor:
    """Boxes from their offsets against `anchors`: the inverse of :func:`encode_boxes`.

    Parameters
    ----------
    codes : Tensor, shape (N, 4)
        ``(t_x, t_y, t_w, t_h)`` per row (any real numbers; the sizes are ``a_w e^{t_w}``).
    anchors : Tensor, shape (N, 4)

    Returns
    -------
    Tensor, shape (N, 4): 'xyxy' boxes.

    Examples
    --------
    >>> cell = torch.tensor([[8.0, 0.0, 16.0, 8.0]])
    >>> decode_boxes(torch.tensor([[0.25, 0.0, 0.0, -0.6931472]]), cell)
    tensor([[10.,  2., 18.,  6.]])
    """
    codes, anchors = as_tensor("codes", codes), check_boxes("anchors", anchors)
    if codes.shape != anchors.shape:
        raise ValueError(f"`codes` and `anchors` must have the same shape, got {tuple(codes.shape)} "
                         f"and {tuple(anchors.shape)}")
    ax, ay, aw, ah = box_convert(anchors, "xyxy", "cxcywh").unbind(-1)
    tx, ty, tw, th = codes.unbind(-1)
    return box_convert(torch.stack([ax + tx * aw, ay + ty * ah, aw * torch.exp(tw), ah * torch.exp(th)], -1),
                       "cxcywh", "xyxy")


def nms(boxes, scores, iou_threshold: float) -> torch.Tensor:
    """Greedy non-maximum suppression: the indices of the boxes kept, by decreasing score.

    Repeatedly keep the highest-scoring box left and drop every box whose IoU with it is above
    `iou_threshold`, as ``torchvision.ops.nms``. Ties in score keep the lower index first.

    Parameters
    ----------
    boxes : Tensor, shape (N, 4)
    scores : Tensor, shape (N,)
    iou_threshold : float
        In [0, 1]: boxes overlapping a kept box by more than this are suppressed.

    Returns
    -------
    Tensor of int64, shape (K,)

    Examples
    --------
    >>> boxes = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]])
    >>> nms(boxes, torch.tensor([0.9, 0.8, 0.7]), 0.5).tolist()  # the second overlaps the first
    [0, 2]
    """
    boxes = check_boxes("boxes", boxes)
    scores = as_tensor("scores", scores)
    if scores.shape != (len(boxes),):
        raise ValueError(f"`scores` must have shape ({len(boxes)},), one per box, got {tuple(scores.shape)}")
    iou_threshold = check_float("iou_threshold", iou_threshold, low=0.0, high=1.0)
    order = torch.sort(scores, descending=True, stable=True).indices
    overlaps = (box_iou(boxes[order], boxes[order]) > iou_threshold).cpu().numpy()  # (N, N) bools
    suppressed, keep = np.zeros(len(order), dtype=bool), []
    for i in range(len(order)):                 # best first: keep it unless a kept box overlaps it
        if not suppressed[i]:
            keep.append(i)
            suppressed |= overlaps[i]
    return order[torch.tensor(keep, dtype=torch.long, device=boxes.device)]


def batched_nms(boxes, scores, labels, iou_threshold: float) -> torch.Tensor:
    """:func:`nms` within each class: boxes of different labels never suppress each other.

    Returns the indices kept, by decreasing score (ties: lower index first).

    Examples
    --------
    >>> boxes = torch.tensor([[0.0, 0, 10, 10], [1, 1, 11, 11]])
    >>> batched_nms(boxes, torch.tensor([0.9, 0.8]), torch.tensor([0, 1]), 0.5).tolist()
    [0, 1]
    """
    boxes, scores, labels = check_boxes("boxes", boxes), as_tensor("scores", scores), as_tensor("labels", labels)
    if scores.shape != (len(boxes),) or labels.shape != (len(boxes),):
        raise ValueError(f"`scores` and `labels` must have shape ({len(boxes)},), one per box, got "
                         f"{tuple(scores.shape)} and {tuple(labels.shape)}")
    if not len(boxes):
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    # move each class to its own region of the plane: boxes of two classes never overlap
    shift = (boxes.max() - boxes.min() + 1) * (labels - labels.min()).to(boxes.dtype)
    return nms(boxes + shift[:, None], scores, iou_threshold)


def masks_to_boxes(masks) -> torch.Tensor:
    """The tightest box around the true pixels of each mask; (0, 0, 0, 0) for an empty mask.

    Parameters
    ----------
    masks : Tensor of bool, shape (N, H, W)

    Returns
    -------
    Tensor of float32, shape (N, 4): pixel (row r, column c) spans ``[c, c + 1] x [r, r + 1]``.

    Examples
    --------
    >>> m = torch.zeros(1, 5, 6, dtype=torch.bool); m[0, 1:3, 2:5] = True
    >>> masks_to_boxes(m).tolist()
    [[2.0, 1.0, 5.0, 3.0]]
    """
    masks = as_tensor("masks", masks)
    if masks.dim() != 3 or masks.dtype != torch.bool:
        raise ValueError(f"`masks` must be a bool tensor of shape (N, H, W), got {masks.dtype} {tuple(masks.shape)}")
    n, h, w = masks.shape
    if h == 0 or w == 0:
        return torch.zeros(n, 4, device=masks.device)
    rows, cols = masks.any(2), masks.any(1)                          # (N, H), (N, W)
    index_h, index_w = torch.arange(h, device=masks.device), torch.arange(w, device=masks.device)
    y1, y2 = torch.where(rows, index_h, h).amin(1), torch.where(rows, index_h + 1, 0).amax(1)
    x1, x2 = torch.where(cols, index_w, w).amin(1), torch.where(cols, index_w + 1, 0).amax(1)
    boxes = torch.stack([x1, y1, x2, y2], -1).float()
    return torch.where(rows.any(1)[:, None], boxes, torch.zeros_like(boxes))
