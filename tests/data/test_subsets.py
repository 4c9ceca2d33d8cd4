"""cnnlab.data.subsets: n labels per class, reproducible from the seed, different across seeds."""

import pytest
import torch

from cnnlab.data.subsets import sample_per_class


def test_n_of_every_class_sorted_and_distinct():
    labels = torch.arange(5).repeat_interleave(torch.tensor([7, 9, 4, 12, 5]))
    index = sample_per_class(labels, 4, seed=1)
    assert labels[index].bincount().tolist() == [4] * 5
    assert torch.equal(index, index.sort().values) and len(index.unique()) == 20
    assert torch.equal(index, sample_per_class(labels, 4, seed=1))
    assert not torch.equal(index, sample_per_class(labels, 4, seed=2))
    assert torch.equal(sample_per_class(labels, 4, seed=torch.Generator().manual_seed(0)),
                       sample_per_class(labels, 4, seed=torch.Generator().manual_seed(0)))


def test_every_example_when_n_is_the_smallest_class_and_global_rng_untouched():
    labels = torch.tensor([1, 1, 3, 3, 3])
    state = torch.random.get_rng_state()
    assert set(sample_per_class(labels, 2, seed=0).tolist()) >= {0, 1}
    assert torch.equal(state, torch.random.get_rng_state())


def test_draws_are_roughly_uniform():
    labels = torch.zeros(10, dtype=torch.int64)
    counts = torch.zeros(10)
    for seed in range(400):
        counts[sample_per_class(labels, 1, seed=seed)] += 1
    assert counts.min() > 20 and counts.max() < 65  # 40 expected each


@pytest.mark.parametrize(
    ("labels", "n", "error", "argument"),
    [
        ([0, 1], 1, TypeError, "`labels`"),
        (torch.tensor([0.0, 1.0]), 1, TypeError, "`labels`"),
        (torch.zeros(2, 2, dtype=torch.int64), 1, TypeError, "`labels`"),
        (torch.tensor([0, 1]), 0, ValueError, "`n`"),
        (torch.tensor([0, 1]), 1.0, TypeError, "`n`"),
        (torch.tensor([0, 0, 1]), 2, ValueError, "`n`"),
    ],
)
def test_errors_name_the_argument(labels, n, error, argument):
    with pytest.raises(error, match=argument):
        sample_per_class(labels, n)


def test_a_bad_seed_is_refused():
    with pytest.raises(ValueError, match="`seed`"):
        sample_per_class(torch.tensor([0, 1]), 1, seed=-1)
