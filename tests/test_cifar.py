"""cnncourse.cifar: CIFAR-10 read through torchvision's real CIFAR10 class, from files in its on-disk format.

The fixture writes a small archive in exactly CIFAR-10's format (cifar-10-batches-py/data_batch_1..5,
test_batch, batches.meta: latin-1 pickles with 'data' uint8 (n, 3072) rows in CHW order and 'labels').
torchvision checks the MD5 of each file against the checksums of the real data set, listed as class
attributes (CIFAR10.train_list, test_list, meta). The tests -- and only the tests -- set those
attributes to the MD5s of the small files with pytest's monkeypatch, so that the same code path,
CIFAR10(root, download=False) and its integrity check included, reads them.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np
import pytest
from torchvision.datasets import CIFAR10

from cnncourse import cifar

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def write_fake_cifar(root: Path, per_batch: int = 6, n_test: int = 4, seed: int = 0) -> dict:
    """Write a tiny CIFAR-10 in the real format under root/cifar-10-batches-py; return what was written."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    written = {"train": [], "test": []}

    def batch(name, n, split):
        images = rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8)   # CHW, as CIFAR stores rows
        labels = [int(v) for v in rng.integers(0, 10, size=n)]
        entry = {"batch_label": name.encode(), "labels": labels, "data": images.reshape(n, 3072),
                 "filenames": [f"{name}_{i}.png".encode() for i in range(n)]}
        with open(folder / name, "wb") as f:
            pickle.dump(entry, f, protocol=2)
        written[split].append((images, labels))

    for k in range(1, 6):
        batch(f"data_batch_{k}", per_batch, "train")
    batch("test_batch", n_test, "test")
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": CLASSES, "num_cases_per_batch": per_batch, "num_vis": 3072}, f, protocol=2)
    return written


@pytest.fixture
def fake_cifar(tmp_path, monkeypatch):
    written = write_fake_cifar(tmp_path)
    folder = tmp_path / "cifar-10-batches-py"
    monkeypatch.setattr(CIFAR10, "train_list",
                        [[f"data_batch_{k}", _md5(folder / f"data_batch_{k}")] for k in range(1, 6)])
    monkeypatch.setattr(CIFAR10, "test_list", [["test_batch", _md5(folder / "test_batch")]])
    monkeypatch.setattr(CIFAR10, "meta", {**CIFAR10.meta, "md5": _md5(folder / "batches.meta")})
    return tmp_path, written


def test_load_cifar10_reads_the_real_format(fake_cifar):
    root, written = fake_cifar
    images, labels, classes = cifar.load_cifar10(root, train=True)
    assert images.dtype == np.uint8 and images.shape == (30, 32, 32, 3)
    assert labels.dtype == np.int64 and labels.shape == (30,)
    assert classes == CLASSES
    expected = np.concatenate([im for im, _ in written["train"]]).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(images, expected)
    np.testing.assert_array_equal(labels, np.concatenate([lab for _, lab in written["train"]]))
    test_images, test_labels, _ = cifar.load_cifar10(root, train=False)
    assert test_images.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(test_images, written["test"][0][0].transpose(0, 2, 3, 1))


def test_dataset_serves_pil_images_to_transforms(fake_cifar):
    import torch
    from torchvision import transforms

    root, written = fake_cifar
    ds = cifar.cifar10_dataset(root, train=False, transform=transforms.ToTensor())
    x, y = ds[1]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32
    np.testing.assert_allclose(x.numpy(), written["test"][0][0][1] / 255.0, atol=1e-6)
    assert y == written["test"][0][1][1]


def test_missing_data_says_how_to_get_it(tmp_path):
    with pytest.raises(cifar.CIFAR10NotFound, match="make data") as info:
        cifar.load_cifar10(tmp_path / "nowhere")
    assert "was not found" in str(info.value)


def test_corrupted_data_is_refused_not_replaced(tmp_path):
    """Files whose checksums differ from the real CIFAR-10's (no monkeypatch here) are refused."""
    write_fake_cifar(tmp_path)
    with pytest.raises(cifar.CIFAR10NotFound, match="incomplete or corrupted"):
        cifar.load_cifar10(tmp_path)


def test_default_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CNNCOURSE_DATA", str(tmp_path))
    assert cifar.default_data_root() == tmp_path
    monkeypatch.delenv("CNNCOURSE_DATA")
    assert cifar.default_data_root().name == "data"
