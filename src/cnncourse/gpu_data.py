"""A data pipeline that lives on the accelerator: no DataLoader, no worker processes, no per-image Python.

For a small image data set such as CIFAR-10 (50,000 x 3 x 32 x 32 bytes = 147 MiB as uint8) the whole
training set fits on the GPU. :class:`DeviceLoader` then

1. copies the images once to the device as uint8 NCHW,
2. normalises them once, ``(x / 255 - mean) / std`` per channel, and pads them once by ``padding``
   pixels of black (the value a black pixel has after normalisation, as torchvision's
   ``RandomCrop(padding=4)`` pads with 0 before ``Normalize``),
3. each epoch, draws a random permutation of the indices on the device and, for every batch, crops a
   random ``H x W`` window out of each padded image and flips a random half of the batch horizontally,
   all in one vectorised gather (:func:`crop_flip`).

:func:`autocast` and :func:`prepare_model` add what makes training fast on a CUDA GPU: bf16 autocast,
the channels_last memory layout and, optionally, ``torch.compile``. On the CPU they change nothing, so
the same code runs (slowly) everywhere.
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Sequence

import numpy as np
import torch

__all__ = ["default_device", "to_uint8_nchw", "normalize", "pad_constant", "crop_flip", "DeviceLoader",
           "autocast", "prepare_model", "to_channels_last"]


def default_device() -> torch.device:
    """``cuda`` when a CUDA GPU is available, else ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_uint8_nchw(images, device: torch.device | str = "cpu", layout: str = "NHWC") -> torch.Tensor:
    """Images as a contiguous uint8 tensor of shape (N, C, H, W) on ``device``.

    images: uint8 array or tensor, shape (N, H, W, C) when ``layout == "NHWC"`` (torchvision's CIFAR10.data)
    or (N, C, H, W) when ``layout == "NCHW"``.
    """
    x = torch.as_tensor(np.asarray(images)) if not isinstance(images, torch.Tensor) else images
    if x.dtype != torch.uint8 or x.ndim != 4:
        raise ValueError(f"expected uint8 images of 4 dimensions, got {x.dtype} of shape {tuple(x.shape)}")
    if layout == "NHWC":
        x = x.permute(0, 3, 1, 2)
    elif layout != "NCHW":
        raise ValueError(f"layout must be 'NHWC' or 'NCHW', got {layout!r}")
    return x.to(device).contiguous()


def _channel_stats(values: Sequence[float], c: int, device, dtype) -> torch.Tensor:
    t = torch.as_tensor(values, dtype=torch.float32, device=device).reshape(1, -1, 1, 1)
    if t.shape[1] != c:
        raise ValueError(f"{t.shape[1]} per-channel values for {c} channels")
    return t.to(dtype)


def normalize(x_u8: torch.Tensor, mean: Sequence[float], std: Sequence[float],
              dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(x / 255 - mean) / std per channel, computed in float32 and returned in ``dtype``.

    x_u8: uint8, shape (N, C, H, W); mean, std: C values each (for pixels scaled to [0, 1]).
    """
    c = x_u8.shape[1]
    m = _channel_stats(mean, c, x_u8.device, torch.float32)
    s = _channel_stats(std, c, x_u8.device, torch.float32)
    return ((x_u8.to(torch.float32) / 255.0 - m) / s).to(dtype)


def pad_constant(x: torch.Tensor, padding: int, value: torch.Tensor | float = 0.0) -> torch.Tensor:
    """Pad (N, C, H, W) by ``padding`` pixels on all four sides with ``value`` (a scalar or one value per channel).

    Returns shape (N, C, H + 2*padding, W + 2*padding).
    """
    n, c, h, w = x.shape
    out = torch.empty((n, c, h + 2 * padding, w + 2 * padding), dtype=x.dtype, device=x.device)
    fill = torch.as_tensor(value, dtype=x.dtype, device=x.device)
    out[:] = fill.reshape(1, -1, 1, 1) if fill.ndim else fill
    out[:, :, padding:padding + h, padding:padding + w] = x
    return out


def crop_flip(x_padded: torch.Tensor, size: tuple[int, int], *, flip: bool = True,
              generator: torch.Generator | None = None,
              offsets: torch.Tensor | None = None, flips: torch.Tensor | None = None) -> torch.Tensor:
    """Random crop of every image of a batch, and a random horizontal flip of about half of them.

    x_padded: shape (B, C, Hp, Wp); size: (H, W) of the crops, H <= Hp, W <= Wp.
    Each image b gets its own top-left corner (dy_b, dx_b), uniform in [0, Hp - H] x [0, Wp - W], and is
    mirrored left-right with probability 1/2 when ``flip``. One gather does both, with no Python loop:
        out[b, c, i, j] = x_padded[b, c, dy_b + i, dx_b + j']   with j' = W - 1 - j if flipped else j.
    ``offsets`` (B, 2) and ``flips`` (B,) bool may be given instead of drawn (for tests).
    Returns shape (B, C, H, W), same dtype and device.
    """
    b, c, hp, wp = x_padded.shape
    h, w = size
    if h > hp or w > wp:
        raise ValueError(f"crop {size} larger than the padded images {(hp, wp)}")
    dev = x_padded.device
    if offsets is None:
        dy = torch.randint(0, hp - h + 1, (b,), device=dev, generator=generator)
        dx = torch.randint(0, wp - w + 1, (b,), device=dev, generator=generator)
    else:
        dy, dx = offsets[:, 0].to(dev), offsets[:, 1].to(dev)
    if flips is None:
        flips = ((torch.rand(b, device=dev, generator=generator) < 0.5) if flip
                 else torch.zeros(b, dtype=torch.bool, device=dev))
    flips = flips.to(dev)
    i = torch.arange(h, device=dev)
    j = torch.arange(w, device=dev)
    rows = dy[:, None] + i[None, :]                                         # (B, H)
    cols = dx[:, None] + torch.where(flips[:, None], w - 1 - j[None, :], j[None, :])  # (B, W)
    bi = torch.arange(b, device=dev)[:, None, None, None]
    ci = torch.arange(c, device=dev)[None, :, None, None]
    return x_padded[bi, ci, rows[:, None, :, None], cols[:, None, None, :]]


def to_channels_last(x: torch.Tensor) -> torch.Tensor:
    """The same tensor in the channels_last (NHWC in memory) layout, as fast convolutions on GPUs prefer."""
    return x.contiguous(memory_format=torch.channels_last)


class DeviceLoader:
    """Batches of a whole data set held on one device, augmented there.

    images: uint8, (N, H, W, C) (``layout="NHWC"``, torchvision's CIFAR10.data) or (N, C, H, W)
    labels: integers, shape (N,)
    train: shuffle each epoch and augment (random crop with ``padding``, horizontal flip when ``flip``);
           otherwise the images in order, unaugmented, and the last partial batch kept.
    dtype: storage and output dtype of the normalised images (default float32; bf16 or fp16 halve memory).
    channels_last: yield batches in the channels_last memory layout.
    Yields (x, y): x float of shape (B, C, H, W) on ``device``, y int64 of shape (B,).
    """

    def __init__(self, images, labels, batch_size: int, *, device: torch.device | str | None = None,
                 mean: Sequence[float], std: Sequence[float], train: bool = True, padding: int = 4,
                 flip: bool = True, drop_last: bool | None = None, dtype: torch.dtype = torch.float32,
                 channels_last: bool = False, layout: str = "NHWC", seed: int | None = None):
        self.device = torch.device(device) if device is not None else default_device()
        self.images_u8 = to_uint8_nchw(images, self.device, layout)
        n, c, self.h, self.w = self.images_u8.shape
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64).to(self.device)
        if self.labels.shape != (n,):
            raise ValueError(f"{n} images but labels of shape {tuple(self.labels.shape)}")
        self.batch_size, self.train, self.flip = int(batch_size), bool(train), bool(flip)
        self.padding = int(padding) if train else 0
        self.drop_last = train if drop_last is None else bool(drop_last)
        self.channels_last = channels_last
        x = normalize(self.images_u8, mean, std, dtype)          # normalised once
        black = normalize(torch.zeros((1, c, 1, 1), dtype=torch.uint8, device=self.device), mean, std, dtype)
        self.images = pad_constant(x, self.padding, black.reshape(-1)) if self.padding else x
        self.generator = None
        if seed is not None:
            self.generator = torch.Generator(device=self.device)
            self.generator.manual_seed(seed)

    def __len__(self) -> int:
        n = self.labels.shape[0]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = self.labels.shape[0]
        order = (torch.randperm(n, device=self.device, generator=self.generator) if self.train
                 else torch.arange(n, device=self.device))
        for k in range(len(self)):
            idx = order[k * self.batch_size:(k + 1) * self.batch_size]
            x = self.images[idx]
            if self.train and (self.padding or self.flip):
                x = crop_flip(x, (self.h, self.w), flip=self.flip, generator=self.generator)
            if self.channels_last:
                x = to_channels_last(x)
            yield x, self.labels[idx]


def autocast(device: torch.device | str, enabled: bool = True):
    """bf16 autocast on CUDA (matrix products and convolutions in bfloat16, the rest in float32);
    a no-op context elsewhere or when ``enabled`` is false."""
    device = torch.device(device)
    if enabled and device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def prepare_model(model: torch.nn.Module, device: torch.device | str, *, channels_last: bool | None = None,
                  compile: bool = False) -> torch.nn.Module:
    """Move ``model`` to ``device``; on CUDA use the channels_last layout (default) and, if ``compile``,
    return ``torch.compile(model)``. On the CPU the model is only moved (compiling is still honoured)."""
    device = torch.device(device)
    model = model.to(device)
    if channels_last is None:
        channels_last = device.type == "cuda"
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    if compile:
        model = torch.compile(model)
    return model
