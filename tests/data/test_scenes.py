"""cnnlab.data.scenes: seeded scenes whose boxes, labels and masks agree; windows for a classifier."""

import numpy as np
import pytest
import torch

from cnnlab.data.scenes import Scenes, scene_patches, scenes_dataset
from cnnlab.ops.boxes import box_iou, masks_to_boxes


@pytest.fixture(scope="module")
def scenes():
    return scenes_dataset(24, seed=5)


def test_same_seed_same_scenes_other_seed_other_scenes(scenes):
    again, other = scenes_dataset(24, seed=5), scenes_dataset(24, seed=6)
    assert torch.equal(scenes.images, again.images) and torch.equal(scenes.instances, again.instances)
    assert all(torch.equal(a, b) for a, b in zip(scenes.boxes, again.boxes))
    assert not torch.equal(scenes.images, other.images)
    assert torch.equal(scenes_dataset(3, seed=np.random.default_rng(1)).images,
                       scenes_dataset(3, seed=np.random.default_rng(1)).images)


def test_shapes_ranges_and_counts(scenes):
    assert scenes.images.shape == (24, 3, 48, 48) and scenes.images.dtype == torch.float32
    assert 0 <= float(scenes.images.min()) and float(scenes.images.max()) <= 1
    counts = [len(b) for b in scenes.boxes]
    assert counts == [len(lab) for lab in scenes.labels] and min(counts) >= 1 and max(counts) <= 4
    assert all(int(lab.max()) < 3 for lab in scenes.labels)


def test_masks_agree_with_boxes_and_labels(scenes):
    for i in range(len(scenes)):
        boxes, labels, inst = scenes.boxes[i], scenes.labels[i], scenes.instances[i]
        assert int(inst.max()) <= len(boxes)
        for k, (box, lab) in enumerate(zip(boxes, labels)):
            seen = inst == k + 1
            if not seen.any():
                continue                                  # hidden under later objects
            tight = masks_to_boxes(seen[None])[0]
            assert bool((tight[:2] >= box[:2]).all() and (tight[2:] <= box[2:]).all()), (i, k)
            assert bool((scenes.masks[i][seen] == lab + 1).all())
        assert bool((scenes.masks[i][inst == 0] == 0).all())
        iou = box_iou(boxes, boxes).fill_diagonal_(0)
        assert float(iou.max()) <= 0.2 + 1e-6 if len(boxes) else True   # the default `overlap`


def test_difficulty_controls():
    plain = scenes_dataset(4, seed=0, objects=(2, 2), size=(10, 10), clutter=0.0)
    assert [len(b) for b in plain.boxes] == [2, 2, 2, 2]
    sides = torch.cat([torch.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) for b in plain.boxes])
    assert float((sides - 10).abs().max()) <= 2
    assert len(scenes_dataset(2, seed=0, objects=(0, 0)).boxes[0]) == 0


def test_subsets(scenes):
    part = scenes[[1, 3]]
    assert isinstance(part, Scenes) and len(part) == 2
    assert torch.equal(part.images[1], scenes.images[3]) and torch.equal(part.boxes[0], scenes.boxes[1])
    assert len(scenes[2:5]) == 3 and len(scenes[0]) == 1


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n": 0}, ValueError, "`n`"),
    ({"n": 2, "image_size": 8}, ValueError, "`image_size`"),
    ({"n": 2, "classes": "circle"}, TypeError, "`classes`"),
    ({"n": 2, "classes": ("circle",)}, ValueError, "`classes`"),
    ({"n": 2, "objects": (3, 1)}, ValueError, "`objects`"),
    ({"n": 2, "objects": 3}, TypeError, "`objects`"),
    ({"n": 2, "size": (2, 8)}, ValueError, "`size`"),
    ({"n": 2, "overlap": 1.5}, ValueError, "`overlap`"),
    ({"n": 2, "clutter": "lots"}, TypeError, "`clutter`"),
])
def test_errors_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        scenes_dataset(**kwargs)


def test_scene_patches_centre_objects_and_avoid_them(scenes):
    x, y = scene_patches(scenes, size=16, negatives=2, jitter=0, seed=0)
    objects = sum(len(b) for b in scenes.boxes)
    assert x.shape[1:] == (3, 16, 16) and int((y > 0).sum()) == objects
    assert torch.equal(torch.cat(scenes.labels) + 1, y[y > 0])       # scene by scene, in order
    assert 0 < int((y == 0).sum()) <= 2 * len(scenes)
    first = scenes.boxes[0][0]
    cx, cy = int(round(float(first[0] + first[2]) / 2)), int(round(float(first[1] + first[3]) / 2))
    if 8 <= cx <= 40 and 8 <= cy <= 40:                                   # away from the borders
        assert torch.equal(x[0], scenes.images[0, :, cy - 8:cy + 8, cx - 8:cx + 8])
    assert torch.equal(scene_patches(scenes, seed=0)[0], scene_patches(scenes, seed=0)[0])
    with pytest.raises(TypeError, match="`scenes`"):
        scene_patches(scenes.images)
    with pytest.raises(ValueError, match="`size`"):
        scene_patches(scenes, size=64)
