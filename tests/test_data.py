"""The offline data sets load with the documented shapes and ranges, bad names fail clearly, and ArrayDataset
serves arrays as torchvision serves CIFAR-10."""

import numpy as np
import pytest

from cnncourse.data import TEXTURE_SOURCES, ArrayDataset, load_digits_images, load_photo, load_texture_patches, \
    to_grayscale


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


def test_texture_patches_are_crops_of_their_pictures_from_disjoint_regions():
    data = load_texture_patches(n_train=6, n_test=3, size=32, test_fraction=0.3, seed=1)
    assert data.classes == tuple(TEXTURE_SOURCES) and len(data.classes) == 10
    assert data.x_train.shape == (60, 1, 32, 32) and data.x_test.shape == (30, 1, 32, 32)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    np.testing.assert_array_equal(data.y_train, np.repeat(np.arange(10), 6))
    np.testing.assert_array_equal(data.y_test, np.repeat(np.arange(10), 3))
    assert 0.0 <= min(data.x_train.min(), data.x_test.min()) and max(data.x_train.max(), data.x_test.max()) <= 1.0
    cuts = np.array(data.test_columns)
    assert np.all(data.where_train[:, 1] + 32 <= cuts[data.y_train]), "a training patch reaches the test region"
    assert np.all(data.where_test[:, 1] >= cuts[data.y_test]), "a test patch reaches the training region"
    cat = load_photo("chelsea", gray=True)                       # class "cat": the same picture, same luma
    assert cuts[data.classes.index("cat")] == round(cat.shape[1] * 0.7)
    for x, y, (r, c) in [*zip(data.x_train, data.y_train, data.where_train, strict=True),
                         *zip(data.x_test, data.y_test, data.where_test, strict=True)]:
        if data.classes[y] == "cat":
            np.testing.assert_allclose(x[0], cat[r:r + 32, c:c + 32], atol=1e-6)
    again = load_texture_patches(n_train=6, n_test=3, size=32, test_fraction=0.3, seed=1)
    np.testing.assert_array_equal(again.x_test, data.x_test)
    other = load_texture_patches(n_train=6, n_test=3, size=32, test_fraction=0.3, seed=2)
    assert not np.array_equal(other.where_train, data.where_train)


def test_texture_patches_refuse_a_split_too_narrow_for_the_patches():
    with pytest.raises(ValueError, match="cannot give 64 x 64 patches"):
        load_texture_patches(n_train=1, n_test=1, size=64, test_fraction=0.1)


def test_array_dataset_serves_pil_images_and_int_labels():
    from PIL import Image

    images = np.random.default_rng(0).integers(0, 256, (5, 4, 6, 3), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5])
    seen = []
    dataset = ArrayDataset(images, labels, transform=lambda image: seen.append(image) or np.asarray(image))
    assert len(dataset) == 5
    image, label = dataset[2]
    assert isinstance(seen[0], Image.Image) and seen[0].size == (6, 4)
    np.testing.assert_array_equal(image, images[2])
    assert label == 4 and type(label) is int


def test_array_dataset_batches_through_a_dataloader():
    import torch
    from torchvision import transforms

    images = np.zeros((6, 8, 8, 3), dtype=np.uint8)
    loader = torch.utils.data.DataLoader(ArrayDataset(images, np.arange(6), transforms.ToTensor()), batch_size=4)
    x, y = next(iter(loader))
    assert x.shape == (4, 3, 8, 8) and x.dtype == torch.float32 and y.tolist() == [0, 1, 2, 3]


def test_array_dataset_rejects_what_is_not_uint8_nhwc_with_one_label_each():
    with pytest.raises(ValueError, match=r"uint8 images of shape \(N, H, W, C\)"):
        ArrayDataset(np.zeros((2, 4, 4, 3)), [0, 1], transform=None)
    with pytest.raises(ValueError, match="2 labels"):
        ArrayDataset(np.zeros((3, 4, 4, 3), dtype=np.uint8), [0, 1], transform=None)
