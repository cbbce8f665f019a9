"""Training throughput: the material's DataLoader recipe against the on-device pipeline, side by side.

For each model (SimpleCNN and a small ResNet), the same training step (SGD with momentum, cross-entropy)
is timed with two ways of feeding it:

- dataloader: torchvision's CIFAR10 dataset with CPU transforms RandomCrop(32, padding=4),
  RandomHorizontalFlip, ToTensor, Normalize, a DataLoader with ``--num-workers`` worker processes,
  float32 training in the default memory layout;
- device pipeline: cnncourse.gpu_data.DeviceLoader (the whole set on the device as uint8, normalised
  once, crops and flips of whole batches on the device), bf16 autocast and channels_last on CUDA,
  torch.compile with ``--compile``.

It prints images/s, seconds per epoch (training-set size / throughput), the ratio of the two, and the
peak GPU memory on CUDA. Data: real CIFAR-10 from ``--data-root`` (default: the repository's data/,
see ``make data``) when it is there; otherwise random uint8 images of CIFAR-10's shape, clearly labelled
SYNTHETIC -- they measure throughput only, the loss means nothing.

    python benchmarks/train_speed.py            # a full epoch's worth of steps per run (GPU machine)
    python benchmarks/train_speed.py --quick    # a few steps on a tiny subset (any machine, seconds)
"""

from __future__ import annotations

import argparse
import time
from contextlib import nullcontext

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from cnncourse import gpu_data
from cnncourse.cifar import CIFAR10_MEAN, CIFAR10_STD, CIFAR10NotFound, default_data_root, load_cifar10
from cnncourse.data import ArrayDataset
from cnncourse.models import n_params

N_CIFAR_TRAIN = 50_000


# ---------------------------------------------------------------- models
def _stage(c_in, c_out):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                         nn.MaxPool2d(2))


def simple_cnn(num_classes=10):
    """The course's SimpleCNN: three conv-BN-ReLU-maxpool stages, global average pooling, Linear(128, 10)."""
    return nn.Sequential(_stage(3, 32), _stage(32, 64), _stage(64, 128),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, num_classes))


class _Block(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


def small_resnet(num_classes=10):
    """A small ResNet for 32x32 images: a 3x3 stem, residual blocks at 64, 128, 256 channels, GAP, linear."""
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
        _Block(64, 64, 1), _Block(64, 128, 2), _Block(128, 256, 2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, num_classes))


MODELS = {"SimpleCNN": simple_cnn, "SmallResNet": small_resnet}


# ---------------------------------------------------------------- data
def get_data(root, n_subset, seed=0):
    """(images uint8 (N, 32, 32, 3), labels int64 (N,), description). Real CIFAR-10 if present, else synthetic."""
    try:
        images, labels, _ = load_cifar10(root, train=True)
        desc = f"CIFAR-10 (real training images from {root})"
    except CIFAR10NotFound:
        rng = np.random.default_rng(seed)
        n = n_subset or N_CIFAR_TRAIN
        images = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.int64)
        desc = (f"SYNTHETIC random uint8 data of CIFAR-10 shape ({n} x 32 x 32 x 3): CIFAR-10 not found under "
                f"{root} (see `make data`). Measures throughput only; the loss means nothing.")
    if n_subset:
        images, labels = images[:n_subset], labels[:n_subset]
    return images, labels, desc


def dataloader_batches(images, labels, args, device):
    from torchvision import transforms

    transform = transforms.Compose([
        transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
        transforms.ToTensor(), transforms.Normalize(CIFAR10_MEAN, CIFAR10_STD)])
    loader = torch.utils.data.DataLoader(
        ArrayDataset(images, labels, transform), batch_size=args.batch_size, shuffle=True, drop_last=True,
        num_workers=args.num_workers, pin_memory=device.type == "cuda",
        persistent_workers=args.num_workers > 0)
    while True:
        for x, y in loader:
            yield x.to(device, non_blocking=True), y.to(device, non_blocking=True)


def device_batches(images, labels, args, device):
    loader = gpu_data.DeviceLoader(images, labels, args.batch_size, device=device, mean=CIFAR10_MEAN,
                                   std=CIFAR10_STD, padding=4, channels_last=device.type == "cuda", seed=0)
    while True:
        yield from loader


# ---------------------------------------------------------------- timing
def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_training(model_fn, batches, device, args, fast: bool):
    """Train for args.warmup untimed steps, then args.steps timed ones; return (images/s, peak GiB or None)."""
    torch.manual_seed(0)
    model = model_fn()
    if fast:
        model = gpu_data.prepare_model(model, device, compile=args.compile)
    else:
        model = model.to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    amp = gpu_data.autocast(device) if fast else nullcontext()
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)

    def step(x, y):
        with amp if fast else nullcontext():
            loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    model.train()
    for _ in range(args.warmup):
        x, y = next(batches)
        step(x, y)
    _sync(device)
    start = time.perf_counter()
    for _ in range(args.steps):
        x, y = next(batches)
        loss = step(x, y)
    _sync(device)
    elapsed = time.perf_counter() - start
    if not torch.isfinite(loss):
        raise RuntimeError("the loss is not finite")
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None
    return args.steps * args.batch_size / elapsed, peak


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="tiny subset, 1 warmup step, 2 timed steps, batch 16, num_workers=0")
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--num-workers", type=int, default=4)
    p.add_argument("--steps", type=int, default=None, help="timed steps (default: one epoch's worth)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--subset", type=int, default=0, help="use only the first N training images")
    p.add_argument("--compile", action="store_true", help="torch.compile the model of the device pipeline")
    p.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, from {', '.join(MODELS)}")
    p.add_argument("--data-root", default=None, help="folder holding cifar-10-batches-py (default: data/)")
    p.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    args = p.parse_args(argv)
    if args.quick:
        args.batch_size, args.warmup = min(args.batch_size, 16), 1
        args.steps = args.steps or 2
        args.subset = args.subset or 8 * args.batch_size
        args.num_workers = 0

    device = torch.device(args.device) if args.device else gpu_data.default_device()
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    root = args.data_root or default_data_root()
    images, labels, desc = get_data(root, args.subset)
    epoch_images = len(images) if args.subset else N_CIFAR_TRAIN
    if args.steps is None:
        args.steps = max(1, epoch_images // args.batch_size - args.warmup)

    name = (torch.cuda.get_device_name(device) if device.type == "cuda"
            else "CPU (no CUDA: autocast and channels_last are off)")
    print(f"data: {desc}")
    print(f"device: {device} - {name}; torch {torch.__version__}")
    print(f"batch size {args.batch_size}, {args.warmup} warmup + {args.steps} timed steps per run; "
          f"s/epoch = {epoch_images} images / throughput")
    fast_label = ("device pipeline (" + ("bf16 autocast, channels_last" if device.type == "cuda" else "fp32")
                  + f", compile={'on' if args.compile else 'off'})")
    slow_label = f"dataloader (fp32, num_workers={args.num_workers})"
    for model_name in args.models.split(","):
        model_fn = MODELS[model_name]
        n_model_params = n_params(model_fn())
        print(f"\n{model_name} ({n_model_params:,} parameters)")
        results = {}
        for label, make_batches, fast in [(slow_label, dataloader_batches, False), (fast_label, device_batches, True)]:
            ips, peak = time_training(model_fn, make_batches(images, labels, args, device), device, args, fast)
            results[fast] = ips
            mem = f", peak GPU memory {peak:.2f} GiB" if peak is not None else ""
            print(f"  {label:<55} {ips:10.0f} images/s  {epoch_images / ips:8.2f} s/epoch{mem}")
        print(f"  ratio {model_name}: device pipeline / dataloader = {results[True] / results[False]:.2f}x")


if __name__ == "__main__":
    main()
