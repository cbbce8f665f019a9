"""cnncourse.gpu_data on the CPU: layout, normalisation, crops within the padding, flips, batching.

The same code runs on a CUDA device; these tests use the CPU so that they run everywhere."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cnncourse import gpu_data
from cnncourse.cifar import CIFAR10_MEAN, CIFAR10_STD


def images_nhwc(n=10, h=8, w=6, c=3, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, h, w, c), dtype=np.uint8)


def test_to_uint8_nchw_and_normalize():
    imgs = images_nhwc()
    x = gpu_data.to_uint8_nchw(imgs)
    assert x.dtype == torch.uint8 and x.shape == (10, 3, 8, 6) and x.is_contiguous()
    assert torch.equal(x[3, 1], torch.from_numpy(imgs[3, :, :, 1]))
    z = gpu_data.normalize(x, CIFAR10_MEAN, CIFAR10_STD)
    mean, std = np.array(CIFAR10_MEAN)[:, None, None], np.array(CIFAR10_STD)[:, None, None]
    expected = (imgs.transpose(0, 3, 1, 2) / 255.0 - mean) / std
    assert z.dtype == torch.float32
    np.testing.assert_allclose(z.numpy(), expected, rtol=1e-5, atol=1e-5)
    assert gpu_data.normalize(x, CIFAR10_MEAN, CIFAR10_STD, dtype=torch.bfloat16).dtype == torch.bfloat16
    with pytest.raises(ValueError):
        gpu_data.to_uint8_nchw(imgs.astype(np.float32))


def test_crop_flip_given_offsets_matches_slices():
    x = torch.arange(2 * 3 * 6 * 7, dtype=torch.float32).reshape(2, 3, 6, 7)
    out = gpu_data.crop_flip(x, (4, 5), offsets=torch.tensor([[0, 2], [2, 1]]), flips=torch.tensor([False, True]))
    assert out.shape == (2, 3, 4, 5) and out.dtype == x.dtype
    assert torch.equal(out[0], x[0, :, 0:4, 2:7])
    assert torch.equal(out[1], x[1, :, 2:6, 1:6].flip(-1))


def test_flip_only_mirrors_left_right():
    x = torch.randn(16, 3, 5, 5)
    flipped = gpu_data.crop_flip(x, (5, 5), flips=torch.ones(16, dtype=torch.bool))
    assert torch.equal(flipped, x.flip(3))
    kept = gpu_data.crop_flip(x, (5, 5), flip=False)
    assert torch.equal(kept, x)
    g = torch.Generator().manual_seed(0)
    mixed = gpu_data.crop_flip(x, (5, 5), generator=g)
    is_flipped = [torch.equal(mixed[b], x[b].flip(2)) for b in range(16)]
    is_same = [torch.equal(mixed[b], x[b]) for b in range(16)]
    assert all(f or s for f, s in zip(is_flipped, is_same, strict=True))
    assert 0 < sum(is_flipped) < 16


def test_random_crops_stay_within_the_padding():
    """Every crop equals a window of the padded image at an offset in [0, 2p]; all offsets occur."""
    torch.manual_seed(1)
    p, n = 2, 300
    x = torch.randn(n, 2, 4, 4)
    padded = gpu_data.pad_constant(x, p, torch.tensor([-1.0, -2.0]))
    assert padded.shape == (n, 2, 8, 8)
    assert torch.all(padded[:, 0, 0] == -1) and torch.all(padded[:, 1, :, -1] == -2)
    g = torch.Generator().manual_seed(3)
    out = gpu_data.crop_flip(padded, (4, 4), flip=False, generator=g)
    seen = set()
    for b in range(n):
        matches = [(dy, dx) for dy in range(2 * p + 1) for dx in range(2 * p + 1)
                   if torch.equal(out[b], padded[b, :, dy:dy + 4, dx:dx + 4])]
        assert matches, f"crop {b} is not a window of the padded image"
        seen.update(matches)
    assert seen == {(dy, dx) for dy in range(2 * p + 1) for dx in range(2 * p + 1)}


def test_device_loader_batches_a_permutation():
    imgs = images_nhwc(n=50, h=8, w=8)
    labels = np.arange(50) % 10
    loader = gpu_data.DeviceLoader(imgs, labels, 16, device="cpu", mean=CIFAR10_MEAN, std=CIFAR10_STD,
                                   padding=2, seed=0)
    assert len(loader) == 3                                  # drop_last while training
    batches = list(loader)
    assert len(batches) == 3
    for x, y in batches:
        assert x.shape == (16, 3, 8, 8) and x.dtype == torch.float32 and y.dtype == torch.int64
    ys = torch.cat([y for _, y in batches])
    assert len(set(ys.tolist())) == 10
    # the padding is black: the normalised value of pixel 0
    black = (0 - torch.tensor(CIFAR10_MEAN)) / torch.tensor(CIFAR10_STD)
    assert torch.allclose(loader.images[0, :, 0, 0], black)
    order = list(torch.cat([y for _, y in loader]).tolist())
    assert order != ys.tolist()                              # a new permutation each epoch


def test_device_loader_eval_is_ordered_and_unaugmented():
    imgs = images_nhwc(n=10, h=4, w=4)
    loader = gpu_data.DeviceLoader(imgs, np.arange(10), 4, device="cpu", mean=CIFAR10_MEAN, std=CIFAR10_STD,
                                   train=False, channels_last=True)
    batches = list(loader)
    assert [len(y) for _, y in batches] == [4, 4, 2]
    x0 = batches[0][0]
    assert x0.is_contiguous(memory_format=torch.channels_last)
    expected = gpu_data.normalize(gpu_data.to_uint8_nchw(imgs[:4]), CIFAR10_MEAN, CIFAR10_STD)
    assert torch.allclose(x0, expected)
    assert torch.cat([y for _, y in batches]).tolist() == list(range(10))


def test_autocast_and_prepare_model_are_no_ops_on_cpu():
    model = torch.nn.Conv2d(3, 4, 3)
    same = gpu_data.prepare_model(model, "cpu")
    assert same is model
    with gpu_data.autocast("cpu"):
        y = model(torch.randn(1, 3, 5, 5))
    assert y.dtype == torch.float32


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_pipeline_runs_in_bf16_channels_last():
    imgs = images_nhwc(n=64, h=32, w=32)
    loader = gpu_data.DeviceLoader(imgs, np.arange(64) % 10, 32, device="cuda", mean=CIFAR10_MEAN,
                                   std=CIFAR10_STD, channels_last=True, seed=0)
    model = gpu_data.prepare_model(torch.nn.Conv2d(3, 8, 3, padding=1), "cuda")
    for x, _ in loader:
        assert x.is_cuda and x.is_contiguous(memory_format=torch.channels_last)
        with gpu_data.autocast("cuda"):
            assert model(x).dtype == torch.bfloat16
