"""The offline data sets load with the documented shapes and ranges, and bad names fail clearly."""

import numpy as np
import pytest

from cnncourse.data import load_digits_images, load_photo, to_grayscale


def test_chelsea_is_a_colour_photo_in_unit_range():
    cat = load_photo("chelsea")
    assert cat.shape == (300, 451, 3) and cat.dtype == np.float64
    assert 0.0 <= cat.min() < cat.max() <= 1.0
    gray = load_photo("chelsea", gray=True)
    assert gray.shape == (300, 451)
    np.testing.assert_allclose(gray, to_grayscale(cat))


def test_unknown_photo_and_bad_grayscale_input():
    with pytest.raises(ValueError, match="unknown photo"):
        load_photo("dog")
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        to_grayscale(np.zeros((4, 4)))


def test_digits_as_nchw_images():
    x, y = load_digits_images()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32 and y.shape == (1797,)
    assert x.min() == 0.0 and x.max() == 1.0 and set(np.unique(y)) == set(range(10))
