"""cnnlab.data.augment.pipeline: one seed per transform, and a dataset deterministic per (seed, epoch, index)."""

from functools import partial

import pytest
import torch

from cnnlab._checks import derive_seed
from cnnlab.data.augment.colour import random_brightness
from cnnlab.data.augment.geometry import random_flip_left_right, random_flip_up_down, random_rotation
from cnnlab.data.augment.pipeline import AugmentedDataset, Compose
from tests.data.augment.test_draws import images


def test_compose_derives_one_seed_per_transform():
    steps = [partial(random_rotation, max_degrees=20.0), partial(random_brightness, max_delta=0.2)]
    x = images()
    expected = steps[1](steps[0](x, seed=derive_seed(5, 0)), seed=derive_seed(5, 1))
    torch.testing.assert_close(Compose(steps)(x, seed=5), expected)


def test_augmented_dataset_is_deterministic_per_seed_epoch_index():
    x, y = images(n=10), torch.arange(10)
    data = AugmentedDataset((x, y), partial(random_rotation, max_degrees=30.0), seed=1)
    first = [data[i][0] for i in range(10)]
    assert [int(data[i][1]) for i in range(10)] == list(range(10))
    assert all(torch.equal(data[i][0], first[i]) for i in reversed(range(10)))  # order does not matter
    torch.testing.assert_close(first[4], random_rotation(x[4:5], 30.0, seed=derive_seed(1, 0, 4))[0])
    data.set_epoch(1)
    assert not torch.equal(data[4][0], first[4])
    data.set_epoch(0)
    assert torch.equal(data[4][0], first[4])
    loader = torch.utils.data.DataLoader(data, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0))
    batch_x, batch_y = next(iter(loader))
    torch.testing.assert_close(batch_x, torch.stack([first[int(i)] for i in batch_y]))
    only_images = AugmentedDataset(x, random_flip_left_right)
    assert only_images[0].shape == (3, 7, 8)


def test_batched_dataset_draws_the_whole_tensor_once_per_epoch():
    x, y = images(n=10), torch.arange(10)
    calls = []

    def rotate(batch, seed):
        calls.append(len(batch))
        return random_rotation(batch, 30.0, seed=seed)

    data = AugmentedDataset((x, y), rotate, seed=3, batched=True)
    first = [data[i] for i in range(10)]
    assert calls == [10]  # one call for the whole epoch
    torch.testing.assert_close(torch.stack([im for im, _ in first]), random_rotation(x, 30.0, seed=derive_seed(3, 0)))
    assert [int(label) for _, label in first] == list(range(10))
    data.set_epoch(1)
    moved = data[4][0]
    assert calls == [10, 10] and not torch.equal(moved, first[4][0])
    data.set_epoch(0)
    assert torch.equal(data[4][0], first[4][0])
    assert torch.equal(AugmentedDataset((x, y), rotate, seed=3, batched=True)[7][0], first[7][0])  # stateless
    assert AugmentedDataset(x, random_flip_left_right, batched=True)[0].shape == (3, 7, 8)
    # cnnlab.fit tells the dataset the epoch: three epochs, three draws
    from cnnlab.train.loop import fit

    calls.clear()
    fresh = AugmentedDataset((x, y), rotate, seed=3, batched=True)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 7 * 8, 10))
    fit(model, fresh, epochs=3, batch_size=5, progress=False)
    assert calls == [10, 10, 10] and fresh.epoch == 2


BAD = [
    (lambda x: Compose([1]), TypeError, r"`transforms\[0\]` must be callable"),
    (lambda x: AugmentedDataset(x, "flip"), TypeError, "`transform`"),
    (lambda x: AugmentedDataset(x, random_flip_up_down).set_epoch(-1), ValueError, "`epoch`"),
    (lambda x: AugmentedDataset(x, random_flip_up_down, batched=1), TypeError, "`batched` must be True or False"),
    (lambda x: AugmentedDataset(torch.utils.data.TensorDataset(x), random_flip_up_down, batched=True), TypeError,
     "`batched=True` needs `data` as a tensor or a tuple of tensors"),
    (lambda x: AugmentedDataset(x, lambda b, seed: b[:1], batched=True)[0], ValueError,
     "`transform` must return one image per input image"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_arguments_raise_naming_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call(images(n=2, h=8, w=8))
