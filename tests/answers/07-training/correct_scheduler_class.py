# A correct answer with a scheduler subclass, per-image loops, and torch.var_mean.
# %% [channel_mean_std]
def channel_mean_std(x):
    var, mean = torch.var_mean(x, dim=[0, 2, 3], correction=0)
    return mean, torch.sqrt(var)

# %% [standardize]
def standardize(x, mean, std):
    out = torch.empty_like(x)
    for c in range(x.shape[1]):
        out[:, c] = (x[:, c] - mean[c]) / std[c]
    return out

# %% [random_crop]
def random_crop(x, padding, generator=None):
    n, c, h, w = x.shape
    out = torch.empty_like(x)
    for i in range(n):
        canvas = torch.zeros(c, h + 2 * padding, w + 2 * padding, dtype=x.dtype)
        canvas[:, padding:padding + h, padding:padding + w] = x[i]
        dy, dx = torch.randint(2 * padding + 1, (2,), generator=generator).tolist()
        out[i] = canvas[:, dy:dy + h, dx:dx + w]
    return out

# %% [random_hflip]
def random_hflip(x, p=0.5, generator=None):
    mask = torch.bernoulli(torch.full((x.shape[0],), float(p)), generator=generator).bool()
    out = x.clone()
    out[mask] = out[mask].flip(dims=[3])
    return out

# %% [pick_device]
def pick_device():
    for name, available in (("cuda", torch.cuda.is_available), ("mps", torch.backends.mps.is_available)):
        if available():
            return torch.device(name)
    return torch.device("cpu")

# %% [warmup_cosine]
class WarmupCosine(torch.optim.lr_scheduler.LRScheduler):
    def __init__(self, optimizer, warmup_steps, total_steps):
        self.warmup_steps, self.total_steps = warmup_steps, total_steps
        super().__init__(optimizer)

    def get_lr(self):
        s, w, t = self.last_epoch, self.warmup_steps, self.total_steps
        if s < w:
            f = (s + 1) / w
        elif s <= t:
            f = (1 + math.cos(math.pi * (s - w) / (t - w))) / 2
        else:
            f = 0.0
        return [base * f for base in self.base_lrs]


def warmup_cosine(optimizer, warmup_steps, total_steps):
    return WarmupCosine(optimizer, warmup_steps, total_steps)

# %% [train_one_epoch]
def train_one_epoch(model, loader, optimizer, loss_fn, device, scheduler=None, max_grad_norm=None,
                    transform=None, progress=False):
    model.train()
    total = 0.0
    n = 0
    if progress:
        loader = tqdm(loader, total=len(loader), unit="batch")
    for batch in loader:
        x, y = (t.to(device) for t in batch)
        if transform is not None:
            x = transform(x)
        for p in model.parameters():
            p.grad = None
        loss = loss_fn(model(x), y)
        loss.backward()
        if max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += loss.item() * y.numel()
        n += y.numel()
    return total / n

# %% [evaluate]
def evaluate(model, loader, loss_fn, device):
    model.eval()
    losses, hits, n = [], [], 0
    with torch.inference_mode():
        for x, y in loader:
            logits = model(x.to(device))
            y = y.to(device)
            losses.append(loss_fn(logits, y).item() * len(y))
            hits.append((torch.max(logits, dim=1).indices == y).float().sum().item())
            n += len(y)
    return sum(losses) / n, sum(hits) / n

# %% [fit]
def fit(model, train_loader, test_loader, device, epochs, lr=3e-3, weight_decay=0.05, warmup_epochs=1,
        max_grad_norm=1.0, transform=None, progress=False):
    model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr, weight_decay=weight_decay)
    scheduler = warmup_cosine(optimizer, warmup_epochs * len(train_loader), epochs * len(train_loader))
    history = []
    for epoch in range(epochs):
        record = {"train_loss": train_one_epoch(model, train_loader, optimizer, nn.CrossEntropyLoss(), device,
                                                scheduler=scheduler, max_grad_norm=max_grad_norm,
                                                transform=transform, progress=progress)}
        record["test_loss"], record["test_acc"] = evaluate(model, test_loader, nn.CrossEntropyLoss(), device)
        record["lr"] = optimizer.param_groups[0]["lr"]
        history.append(record)
    return history
