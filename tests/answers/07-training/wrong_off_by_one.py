# Wrong: one classic slip per graded item. The sample std (N - 1); dividing by the variance; crop offsets in
# {0, ..., 2p - 1} (randint's high is exclusive); a vertical flip; the string "cpu" instead of a torch.device;
# a warmup that starts at 0; no zero_grad (gradients accumulate); evaluation in training mode; a schedule
# whose length is counted in epochs instead of steps.
# expect-fail: test_channel_mean_std test_standardize test_random_crop test_random_hflip test_pick_device test_warmup_cosine test_train_one_epoch test_evaluate test_fit test_train_one_epoch_extras
# visible-fail: test_channel_mean_std test_evaluate test_fit test_pick_device test_random_crop test_random_hflip test_standardize test_train_one_epoch test_train_one_epoch_extras test_warmup_cosine
# visible-hint: test_channel_mean_std: sample std
# visible-hint: test_standardize: not by the variance
# visible-hint: test_random_crop: its high is exclusive
# visible-hint: test_fit: counts batches (optimiser steps), not epochs
# %% [channel_mean_std]
def channel_mean_std(x):
    return x.mean(dim=(0, 2, 3)), x.std(dim=(0, 2, 3))

# %% [standardize]
def standardize(x, mean, std):
    return (x - mean.reshape(1, -1, 1, 1)) / std.reshape(1, -1, 1, 1) ** 2

# %% [random_crop]
def random_crop(x, padding, generator=None):
    n, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))
    dy = torch.randint(0, max(2 * padding, 1), (n,), generator=generator)
    dx = torch.randint(0, max(2 * padding, 1), (n,), generator=generator)
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])

# %% [random_hflip]
def random_hflip(x, p=0.5, generator=None):
    flip = torch.rand(x.shape[0], generator=generator) < p
    return torch.where(flip.reshape(-1, 1, 1, 1), x.flip(2), x)

# %% [pick_device]
def pick_device():
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"

# %% [warmup_cosine]
def warmup_cosine(optimizer, warmup_steps, total_steps):
    def factor(s):
        if s < warmup_steps:
            return s / warmup_steps
        if s > total_steps:
            return 0.0
        return 0.5 * (1.0 + math.cos(math.pi * (s - warmup_steps) / (total_steps - warmup_steps)))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)

# %% [train_one_epoch]
def train_one_epoch(model, loader, optimizer, loss_fn, device, scheduler=None, max_grad_norm=None,
                    transform=None, progress=False):
    model.train()
    total, count = 0.0, 0
    for x, y in (tqdm(loader, leave=False) if progress else loader):
        x, y = x.to(device), y.to(device)
        if transform is not None:
            x = transform(x)
        loss = loss_fn(model(x), y)
        loss.backward()
        if max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count

# %% [evaluate]
def evaluate(model, loader, loss_fn, device):
    total, correct, count = 0.0, 0, 0
    with torch.inference_mode():
        for x, y in loader:
            logits = model(x.to(device))
            total += loss_fn(logits, y.to(device)).item() * len(x)
            correct += (logits.argmax(dim=1) == y.to(device)).sum().item()
            count += len(x)
    return total / count, correct / count

# %% [fit]
def fit(model, train_loader, test_loader, device, epochs, lr=3e-3, weight_decay=0.05, warmup_epochs=1,
        max_grad_norm=1.0, transform=None, progress=False):
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = warmup_cosine(optimizer, warmup_epochs, epochs)
    history = []
    for epoch in range(epochs):
        train_loss = train_one_epoch(model, train_loader, optimizer, nn.CrossEntropyLoss(), device, scheduler=scheduler,
                                     max_grad_norm=max_grad_norm, transform=transform, progress=progress)
        test_loss, test_acc = evaluate(model, test_loader, nn.CrossEntropyLoss(), device)
        history.append({"train_loss": train_loss, "test_loss": test_loss, "test_acc": test_acc,
                        "lr": optimizer.param_groups[0]["lr"]})
    return history
