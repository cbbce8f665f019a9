"""Real data sets that need no network.

- :func:`load_photo` -- scikit-image's sample photographs (``chelsea`` is a cat), as floats in [0, 1]
- :func:`load_digits_images` -- scikit-learn's 8x8 handwritten digits (1,797 images), NCHW
- :class:`ArrayDataset` -- uint8 image arrays served as PIL images, for a DataLoader with transforms
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["load_photo", "to_grayscale", "load_digits_images", "ArrayDataset"]

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
