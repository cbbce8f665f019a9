# Wrong: things done in the wrong order or the wrong direction. The std of each image averaged; the inverse
# transform x * std + mean; the padding all on the bottom and right; flipping with probability 1 - p; MPS
# tried before CUDA; no warmup; clipping after the optimiser step (too late to matter); torch.no_grad instead
# of torch.inference_mode; the accuracy as a percentage.
# expect-fail: test_channel_mean_std test_standardize test_random_crop test_random_hflip test_pick_device test_warmup_cosine test_train_one_epoch_extras test_evaluate test_fit
# visible-fail: test_channel_mean_std test_evaluate test_fit test_pick_device test_random_crop test_random_hflip test_standardize test_train_one_epoch_extras test_warmup_cosine
# visible-hint: test_channel_mean_std: do not average per-image statistics
# visible-hint: test_standardize: That is the inverse
# visible-hint: test_random_crop: You padded on two sides only
# visible-hint: test_pick_device: Try CUDA first
# visible-hint: test_train_one_epoch_extras: The clipping had no effect
# visible-hint: test_fit: not a percentage
# %% [channel_mean_std]
def channel_mean_std(x):
    return x.mean(dim=(0, 2, 3)), x.std(dim=(2, 3), correction=0).mean(dim=0)

# %% [standardize]
def standardize(x, mean, std):
    return x * std.reshape(1, -1, 1, 1) + mean.reshape(1, -1, 1, 1)

# %% [random_crop]
def random_crop(x, padding, generator=None):
    n, c, h, w = x.shape
    padded = F.pad(x, (0, 2 * padding, 0, 2 * padding))
    dy = torch.randint(0, 2 * padding + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * padding + 1, (n,), generator=generator)
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])

# %% [random_hflip]
def random_hflip(x, p=0.5, generator=None):
    flip = torch.rand(x.shape[0], generator=generator) > p
    return torch.where(flip.reshape(-1, 1, 1, 1), x.flip(3), x)

# %% [pick_device]
def pick_device():
    if torch.backends.mps.is_available():
        return torch.device("mps")
    if torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")

# %% [warmup_cosine]
def warmup_cosine(optimizer, warmup_steps, total_steps):
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: 0.5 * (1.0 + math.cos(math.pi * min(s, total_steps) / total_steps)))

# %% [train_one_epoch]
def train_one_epoch(model, loader, optimizer, loss_fn, device, scheduler=None, max_grad_norm=None,
                    transform=None, progress=False):
    model.train()
    total, count = 0.0, 0
    for x, y in (tqdm(loader, leave=False) if progress else loader):
        x, y = x.to(device), y.to(device)
        if transform is not None:
            x = transform(x)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        if scheduler is not None:
            scheduler.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count

# %% [evaluate]
def evaluate(model, loader, loss_fn, device):
    model.eval()
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total += loss_fn(logits, y).item() * len(x)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(x)
    return total / count, correct / count

# %% [fit]
def fit(model, train_loader, test_loader, device, epochs, lr=3e-3, weight_decay=0.05, warmup_epochs=1,
        max_grad_norm=1.0, transform=None, progress=False):
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = len(train_loader)
    scheduler = warmup_cosine(optimizer, warmup_epochs * steps, epochs * steps)
    history = []
    for epoch in range(epochs):
        train_loss = train_one_epoch(model, train_loader, optimizer, nn.CrossEntropyLoss(), device, scheduler=scheduler,
                                     max_grad_norm=max_grad_norm, transform=transform, progress=progress)
        test_loss, test_acc = evaluate(model, test_loader, nn.CrossEntropyLoss(), device)
        history.append({"train_loss": train_loss, "test_loss": test_loss, "test_acc": 100 * test_acc,
                        "lr": optimizer.param_groups[0]["lr"]})
    return history
