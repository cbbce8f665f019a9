"""Real data sets that need no network.

- :func:`load_photo` -- scikit-image's sample photographs (``chelsea`` is a cat), as floats in [0, 1]
- :func:`load_digits_images` -- scikit-learn's 8x8 handwritten digits (1,797 images), NCHW
- :func:`load_texture_patches` -- grayscale patches cut from ten of scikit-image's photographs and textures,
  one class per picture, training and test patches from disjoint regions
- :class:`ArrayDataset` -- uint8 image arrays served as PIL images, for a DataLoader with transforms
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["load_photo", "to_grayscale", "load_digits_images", "load_texture_patches", "TexturePatches",
           "TEXTURE_SOURCES", "ArrayDataset"]

_PHOTOS = ("chelsea", "camera", "astronaut", "coffee", "rocket", "cat")
_FILES = {"cat": "chelsea.png", "rocket": "rocket.jpg"}


def to_grayscale(image: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma of an (H, W, 3) image: 0.299 R + 0.587 G + 0.114 B."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"to_grayscale expects an (H, W, 3) colour image, got shape {image.shape}")
    return image @ np.array([0.299, 0.587, 0.114], dtype=image.dtype)


def load_photo(name: str = "chelsea", gray: bool = False, dtype=np.float64) -> np.ndarray:
    """One of scikit-image's sample photographs, shipped with the package (no download).

    Returns an (H, W, 3) colour image, or (H, W) when ``gray`` is true, with values in [0, 1].
    ``chelsea`` is a 300 x 451 photograph of a cat.
    """
    if name not in _PHOTOS:
        raise ValueError(f"unknown photo {name!r}; choose one of {', '.join(_PHOTOS)}")
    # The files of skimage.data, read with Pillow: skimage.io would import SciPy, which the kernels of
    # the NumPy-only exercises cannot import (autograder/checker.py). The arrays are the same.
    from PIL import Image
    from skimage import data as skdata

    with Image.open(Path(skdata.__file__).parent / _FILES.get(name, f"{name}.png")) as photo:
        image = np.asarray(photo).astype(dtype) / 255.0
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    return to_grayscale(image) if gray else image


def load_digits_images(dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's handwritten digits as images: X of shape (1797, 1, 8, 8) in [0, 1], y of shape (1797,)."""
    # The file sklearn.datasets.load_digits reads, read with NumPy without importing scikit-learn, which
    # imports SciPy: the kernels of the NumPy-only exercises cannot (autograder/checker.py). Same arrays.
    import gzip
    import importlib.util

    spec = importlib.util.find_spec("sklearn")  # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("load_digits_images needs scikit-learn's data files (pip install scikit-learn)")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    with gzip.open(path, "rt") as file:
        table = np.loadtxt(file, delimiter=",")
    x = (table[:, :-1].reshape(-1, 8, 8) / 16.0).astype(dtype)[:, None, :, :]
    return x, table[:, -1].astype(np.int64)


# class name -> file of skimage.data: four textures, six photographs (each read as grayscale)
TEXTURE_SOURCES = {
    "brick": "brick.png", "grass": "grass.png", "gravel": "gravel.png", "moon": "moon.png",
    "coins": "coins.png", "text": "text.png", "stars": "hubble_deep_field.jpg", "tissue": "ihc.png",
    "cat": "chelsea.png", "cameraman": "camera.png",
}


class TexturePatches(NamedTuple):
    """What :func:`load_texture_patches` returns: float32 patches (N, 1, size, size) in [0, 1], int64 labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]
    test_columns: tuple[int, ...]        # per class: the first column of the test region in its picture
    where_train: np.ndarray              # (N, 2): each training patch's top-left (row, column) in its picture
    where_test: np.ndarray


def load_texture_patches(n_train: int = 400, n_test: int = 100, size: int = 32, test_fraction: float = 0.3,
                         seed: int = 0, dtype=np.float32) -> TexturePatches:
    """A small real data set: square grayscale patches of scikit-image's pictures, one class per picture.

    For each class of :data:`TEXTURE_SOURCES` the picture (shipped with scikit-image, no download) is read
    as grayscale in [0, 1] (ITU-R BT.601 luma for colour ones), and cut at a column into a left region, the
    first ``1 - test_fraction`` of its width, and a right one. ``n_train`` patches of ``size x size`` are cut
    at uniformly random positions entirely inside the left region and ``n_test`` inside the right one, so
    no test patch shares a pixel with a training patch (patches of one split may overlap each other).

    Returns a :class:`TexturePatches`: x_train (10 n_train, 1, size, size), y_train (10 n_train,) with
    the class index, ordered class by class, x_test and y_test likewise, the class names, each picture's
    first test column and each patch's top-left corner in its picture. The same ``seed`` gives the same
    patches.
    """
    from PIL import Image
    from skimage import data as skdata

    rng = np.random.default_rng(seed)
    split = {"train": ([], [], []), "test": ([], [], [])}
    test_columns = []
    for label, file in enumerate(TEXTURE_SOURCES.values()):
        with Image.open(Path(skdata.__file__).parent / file) as picture:
            image = np.asarray(picture.convert("RGB")).astype(np.float64) / 255.0
        image = to_grayscale(image).astype(dtype)
        height, width = image.shape
        cut = int(round(width * (1 - test_fraction)))
        if min(height, cut, width - cut) < size:
            raise ValueError(f"{file} ({height} x {width}) cannot give {size} x {size} patches on both sides of "
                             f"column {cut}: lower size or bring test_fraction nearer 0.5")
        test_columns.append(cut)
        for name, n, first, last in (("train", n_train, 0, cut - size), ("test", n_test, cut, width - size)):
            rows = rng.integers(0, height - size + 1, n)
            cols = rng.integers(first, last + 1, n)
            split[name][0].append(np.stack([image[r:r + size, c:c + size] for r, c in zip(rows, cols, strict=True)]))
            split[name][1].append(np.full(n, label, dtype=np.int64))
            split[name][2].append(np.stack([rows, cols], axis=1))
    (x_tr, y_tr, w_tr), (x_te, y_te, w_te) = ((np.concatenate(xs)[:, None], np.concatenate(ys), np.concatenate(ws))
                                              for xs, ys, ws in split.values())
    return TexturePatches(x_tr, y_tr, x_te, y_te, tuple(TEXTURE_SOURCES), tuple(test_columns), w_tr, w_te)


class ArrayDataset:
    """uint8 (N, H, W, C) images and their labels served as PIL images, as torchvision's ``CIFAR10`` serves them.

    ``dataset[i]`` is ``(transform(PIL image i), int(labels[i]))``: a map-style data set that
    ``torch.utils.data.DataLoader`` batches, with the per-image transforms of a torchvision recipe
    (``RandomCrop``, ``ToTensor``, ...). It imports neither PyTorch nor PIL until an item is read.
    """

    def __init__(self, images: np.ndarray, labels, transform):
        images = np.asarray(images)
        if images.ndim != 4 or images.dtype != np.uint8 or len(images) != len(labels):
            raise ValueError(f"ArrayDataset expects uint8 images of shape (N, H, W, C) and N labels, got images "
                             f"{images.dtype} {images.shape} and {len(labels)} labels")
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i):
        from PIL import Image

        return self.transform(Image.fromarray(self.images[i])), int(self.labels[i])
