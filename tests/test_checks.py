"""cnnlab._checks: every validator names the argument, shows the value and says what is allowed."""

import numpy as np
import pytest
import torch

from cnnlab._checks import (as_image, as_tensor, check_bool, check_callable, check_choice, check_float, check_images,
                            check_int, check_range, check_seed, check_sizes, check_tuple, derive_seed, generator)


@pytest.mark.parametrize("call, error, message", [
    (lambda: check_int("n", 2.0), TypeError, "`n` must be an int, got 2.0 of type float"),
    (lambda: check_int("n", True), TypeError, "`n` must be an int"),
    (lambda: check_int("n", 0, minimum=1), ValueError, "`n` must be an int >= 1, got 0"),
    (lambda: check_bool("flag", 1), TypeError, "`flag` must be True or False, got 1 of type int"),
    (lambda: check_float("x", float("nan")), ValueError, "`x` must be a finite number, got nan"),
    (lambda: check_float("x", 0.0, positive=True), ValueError, "`x` must be a finite number > 0, got 0.0"),
    (lambda: check_float("x", -1, low=0), ValueError, "`x` must be a finite number >= 0, got -1.0"),
    (lambda: check_range("lo", 2, "hi", 1), ValueError, "`lo` must be <= `hi`, got 2.0 > 1.0"),
    (lambda: check_tuple("k", (1, 2), 3), ValueError, r"`k` must be an int or a tuple of 3 ints, got \(1, 2\)"),
    (lambda: check_sizes("size", ()), ValueError, "`size` must be an int or a non-empty tuple"),
    (lambda: check_choice("mode", 3, ("a",)), TypeError, "`mode` must be one of 'a', got 3 of type int"),
    (lambda: check_choice("mode", "b", ("a",)), ValueError, "`mode` must be one of 'a', got 'b'"),
    (lambda: check_callable("fn", 3), TypeError, "`fn` must be callable, got 3 of type int"),
    (lambda: as_tensor("x", [1.0]), TypeError, "`x` must be a torch.Tensor or a numpy.ndarray, got list"),
    (lambda: check_images("images", torch.zeros(4, 4)), ValueError, r"`images` must have shape \(N, C, H, W\)"),
    (lambda: check_images("images", torch.zeros(1, 4, 4).long()), TypeError, "`images` must be a float tensor"),
    (lambda: as_image("image", np.zeros((5, 4, 6))), ValueError, r"`image` must have shape \(H, W\)"),
    (lambda: check_seed(1.5), TypeError, "`seed` must be an int >= 0, a numpy.random.Generator or a torch.Generator"),
    (lambda: check_seed(2**64), ValueError, "`seed` must be below 2\\*\\*64"),
])
def test_errors_name_the_argument_the_value_and_what_is_allowed(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_seeds_from_ints_and_generators_are_reproducible():
    assert check_seed(5) == 5
    assert check_seed(torch.Generator().manual_seed(1)) == check_seed(torch.Generator().manual_seed(1))
    assert check_seed(np.random.default_rng(2)) == check_seed(np.random.default_rng(2))
    assert derive_seed(1, 2) != derive_seed(2, 1) and 0 <= derive_seed(7) < 2**63
    assert torch.equal(torch.rand(3, generator=generator(4)), torch.rand(3, generator=generator(4)))
