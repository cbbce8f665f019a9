"""CIFAR-10 through torchvision, from a local copy: never downloaded behind your back, never faked.

The images are read by ``torchvision.datasets.CIFAR10(root, download=False)`` -- the real class, with its
checksums -- from ``<root>/cifar-10-batches-py/``. When they are missing, :func:`load_cifar10` raises
:class:`CIFAR10NotFound` saying how to get them: ``make data`` on a machine with network access (it runs
``python -m cnncourse.cifar download``, i.e. ``CIFAR10(root, download=True)``, 163 MB once).

- :func:`default_data_root` -- ``$CNNCOURSE_DATA``, else the repository's ``data/`` folder
- :func:`cifar10_dataset`   -- the torchvision dataset itself (PIL images, for a DataLoader with transforms)
- :func:`load_cifar10`      -- the whole split as arrays: images uint8 (N, 32, 32, 3), labels int64 (N,)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

__all__ = ["CIFAR10_MEAN", "CIFAR10_STD", "CIFAR10NotFound", "default_data_root", "cifar10_dataset",
           "load_cifar10", "download_cifar10"]

# Per-channel mean and standard deviation of the 50,000 training images, pixel values scaled to [0, 1].
CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


class CIFAR10NotFound(FileNotFoundError):
    """CIFAR-10 is not (or not completely) on disk; the message says how to get it."""


def default_data_root() -> Path:
    """Where data sets live: ``$CNNCOURSE_DATA`` if set, else ``data/`` at the repository's root."""
    env = os.environ.get("CNNCOURSE_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data"


def _missing_message(root: Path, err: Exception) -> str:
    folder = root / "cifar-10-batches-py"
    state = ("is incomplete or corrupted (a file is missing or its MD5 checksum differs)"
             if folder.exists() else "was not found")
    return (f"CIFAR-10 {state} under {folder}.\n"
            "Get it once on a machine with network access: run `make data` in the repository "
            "(it calls torchvision.datasets.CIFAR10(root, download=True), 163 MB), or "
            f"`python -m cnncourse.cifar download {root}`; set CNNCOURSE_DATA to use another folder. "
            f"(torchvision said: {err})")


def cifar10_dataset(root: str | Path | None = None, train: bool = True, transform=None):
    """``torchvision.datasets.CIFAR10(root, train, transform, download=False)``, with a clear error if absent."""
    from torchvision.datasets import CIFAR10

    root = Path(root) if root is not None else default_data_root()
    try:
        return CIFAR10(str(root), train=train, transform=transform, download=False)
    except RuntimeError as err:  # torchvision: "Dataset not found or corrupted..."
        raise CIFAR10NotFound(_missing_message(root, err)) from None


def load_cifar10(root: str | Path | None = None, train: bool = True) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One split of CIFAR-10 as arrays.

    Returns images, uint8 of shape (N, 32, 32, 3) (HWC, as torchvision stores them; N = 50,000 for the
    training split, 10,000 for the test split), labels, int64 of shape (N,), and the 10 class names.
    Raises CIFAR10NotFound when the files are absent or fail torchvision's checksums.
    """
    ds = cifar10_dataset(root, train=train)
    images = np.ascontiguousarray(ds.data, dtype=np.uint8)
    labels = np.asarray(ds.targets, dtype=np.int64)
    return images, labels, list(ds.classes)


def download_cifar10(root: str | Path | None = None) -> Path:
    """Download and check CIFAR-10 into ``root`` (needs network; does nothing if it is already there)."""
    from torchvision.datasets import CIFAR10

    root = Path(root) if root is not None else default_data_root()
    root.mkdir(parents=True, exist_ok=True)
    CIFAR10(str(root), train=True, download=True)
    CIFAR10(str(root), train=False, download=True)
    return root


if __name__ == "__main__":  # python -m cnncourse.cifar download [ROOT]
    if len(sys.argv) < 2 or sys.argv[1] != "download":
        sys.exit("usage: python -m cnncourse.cifar download [ROOT]")
    where = download_cifar10(sys.argv[2] if len(sys.argv) > 2 else None)
    images, labels, classes = load_cifar10(where, train=True)
    print(f"CIFAR-10 is in {where}: {len(images)} training images, classes {', '.join(classes)}")
