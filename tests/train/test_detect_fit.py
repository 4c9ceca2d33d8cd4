"""cnnlab.train.detect_fit: targets, loss, training a grid detector, decoding, window baseline."""

import pytest
import torch
from torch.testing import assert_close

from cnnlab.nets.detection import GridDetector, fully_convolutional, patch_classifier
from cnnlab.ops.boxes import box_iou, decode_boxes, grid_anchors
from cnnlab.train.detect_fit import (
    detect,
    detect_windows,
    detection_loss,
    fit_detector,
    grid_targets,
    map_of,
    select,
    threshold_segment,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


def test_grid_targets_decode_back_to_the_boxes():
    boxes = [torch.tensor([[3.0, 5.0, 15.0, 13.0], [20.0, 20.0, 30.0, 31.0]]), torch.zeros(0, 4)]
    labels = [torch.tensor([2, 0]), torch.zeros(0, dtype=torch.long)]
    t = grid_targets(boxes, labels, 8, 4, 3)
    assert t.shape == (2, 7, 8, 8) and float(t[1].abs().sum()) == 0
    assert t[0, 2, 2, 2] == 1 and t[0, 0, 6, 6] == 1 and float(t[0, :3].sum()) == 2
    anchors = grid_anchors(8, 4)
    cells = [2 * 8 + 2, 6 * 8 + 6]
    codes = t[0, 3:].flatten(1).T[cells]
    assert_close(decode_boxes(codes, anchors[cells]), boxes[0])


def test_detection_loss_is_small_for_the_target_and_checks_shapes():
    boxes, labels = [torch.tensor([[3.0, 5.0, 15.0, 13.0]])], [torch.tensor([1])]
    t = grid_targets(boxes, labels, 4, 4, 2)
    perfect = torch.where(t[:, :2] > 0, 20.0, -20.0)
    good = torch.cat([perfect, t[:, 2:]], 1)
    bad = torch.cat([-perfect, t[:, 2:] + 1], 1)
    assert float(detection_loss(good, t)) < 1e-6 < float(detection_loss(bad, t))
    with pytest.raises(ValueError, match="`output` and `target`"):
        detection_loss(good[:, :5], t)


def test_fit_detector_learns_one_scene_and_is_deterministic():
    image = torch.ones(1, 3, 16, 16)
    image[0, :, 4:12, 2:10] = 0.0
    boxes, labels = [torch.tensor([[2.0, 4.0, 10.0, 12.0]])], [torch.tensor([0])]
    t = grid_targets(boxes, labels, 4, 4, 2)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        net = GridDetector(3, 2, width=4)
        history = fit_detector(net, image.repeat(8, 1, 1, 1), t.repeat(8, 1, 1, 1), epochs=15, lr=2e-2,
                               batch_size=8, seed=3, val_score=lambda m: -len(runs))
        runs.append(history.train_loss)
    assert runs[0] == runs[1] and runs[0][-1] < runs[0][0] / 3
    found = detect(net, image, score_threshold=0.3)
    assert len(found[0][0]) >= 1 and int(found[0][2][0]) == 0
    assert float(box_iou(found[0][0][:1], boxes[0])) > 0.5
    assert map_of(found, boxes, labels, num_classes=2) == 1.0


def test_fit_detector_keeps_the_best_epoch():
    torch.manual_seed(0)
    net = GridDetector(3, 1, width=2)
    x, t = torch.rand(4, 3, 8, 8), torch.zeros(4, 5, 2, 2)
    states = []
    scores = iter([0.1, 0.9, 0.2])

    def score(model):
        states.append({k: v.clone() for k, v in model.state_dict().items()})
        return next(scores)

    history = fit_detector(net, x, t, epochs=3, lr=0.1, batch_size=2, val_score=score)
    assert history.val_acc == [0.1, 0.9, 0.2]
    assert all(torch.equal(v, states[1][k]) for k, v in net.state_dict().items())
    with pytest.raises(TypeError, match="`val_score`"):
        fit_detector(net, x, t, epochs=1, val_score=3)


def test_select_thresholds_and_suppresses():
    scores = torch.tensor([[[0.9, 0.8, 0.1, 0.7]]])                # 1 image, 1 class, 4 boxes
    boxes = torch.tensor([[[0.0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [20, 0, 30, 10]]])
    (b, s, lab), = select(scores, boxes, score_threshold=0.5, iou_threshold=0.5)
    assert s.tolist() == pytest.approx([0.9, 0.7]) and lab.tolist() == [0, 0]
    with pytest.raises(ValueError, match="`score_threshold`"):
        select(scores, boxes, score_threshold=2.0, iou_threshold=0.5)


def test_detect_windows_places_boxes_at_window_centres():
    fcn = fully_convolutional(patch_classifier(3, 2), 16)
    (b, s, lab), = detect_windows(fcn, torch.rand(1, 3, 24, 24), window=16, stride=4, box_size=6,
                                  score_threshold=0.0, iou_threshold=1.0)
    centres = ((b[:, :2] + b[:, 2:]) / 2).unique(dim=0)
    assert len(centres) == 9 and set(centres[:, 0].tolist()) == {8.0, 12.0, 16.0}
    assert bool((b[:, 2] - b[:, 0] == 6).all())


def test_threshold_segment_with_and_without_a_classifier():
    images = torch.ones(2, 3, 24, 24)
    images[:, :, 6:14, 6:14] = 0.1
    plain = threshold_segment(images, 0.5)
    assert int(plain.sum()) == 2 * 64 and plain.dtype == torch.long
    fcn = fully_convolutional(patch_classifier(3, 3), 16)
    labelled = threshold_segment(images, 0.5, fcn)
    assert labelled.shape == (2, 24, 24) and bool((labelled[plain == 0] == 0).all())
    with pytest.raises(ValueError, match="`threshold`"):
        threshold_segment(images, 1.5)
