# A correct answer in another style: reshapes instead of reductions over tuples, one gather for all crops,
# a clamped LambdaLR formula, tqdm(disable=...), losses summed as tensors.
# %% [channel_mean_std]
def channel_mean_std(x):
    flat = x.transpose(0, 1).reshape(x.shape[1], -1)          # (C, N*H*W)
    mean = flat.mean(dim=1)
    return mean, ((flat - mean[:, None]) ** 2).mean(dim=1).sqrt()

# %% [standardize]
def standardize(x, mean, std):
    return (x - mean[:, None, None]) / std[:, None, None]

# %% [random_crop]
def random_crop(x, padding, generator=None):
    n, c, h, w = x.shape
    padded = F.pad(x, [padding] * 4)
    offsets = torch.randint(0, 2 * padding + 1, (n, 2), generator=generator)
    rows = (offsets[:, 0:1] + torch.arange(h))[:, None, :, None]
    cols = (offsets[:, 1:2] + torch.arange(w))[:, None, None, :]
    return padded[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None], rows, cols]

# %% [random_hflip]
def random_hflip(x, p=0.5, generator=None):
    out = x.clone()
    for i, u in enumerate(torch.rand(len(x), generator=generator).tolist()):
        if u < p:
            out[i] = x[i].flip(-1)
    return out

# %% [pick_device]
def pick_device():
    name = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    return torch.device(name)

# %% [warmup_cosine]
def warmup_cosine(optimizer, warmup_steps, total_steps):
    span = total_steps - warmup_steps
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(
        (s + 1) / warmup_steps,
        0.5 * (1 + math.cos(math.pi * min(max(s - warmup_steps, 0), span) / span))))

# %% [train_one_epoch]
def train_one_epoch(model, loader, optimizer, loss_fn, device, scheduler=None, max_grad_norm=None,
                    transform=None, progress=False):
    model.train(True)
    losses, sizes = [], []
    for x, y in tqdm(loader, disable=not progress, desc="epoch"):
        x = x.to(device)
        y = y.to(device)
        x = transform(x) if transform else x
        loss = loss_fn(model(x), y)
        loss.backward()
        if max_grad_norm is not None:
            nn.utils.clip_grad_norm_([p for p in model.parameters() if p.grad is not None], max_norm=max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if scheduler:
            scheduler.step()
        losses.append(loss.detach() * x.shape[0])
        sizes.append(x.shape[0])
    return float(torch.stack(losses).sum() / sum(sizes))

# %% [evaluate]
@torch.inference_mode()
def evaluate(model, loader, loss_fn, device):
    model.train(False)
    loss_sum = correct = n = 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        out = model(x)
        loss_sum += float(loss_fn(out, y)) * len(y)
        correct += int((out.argmax(-1) == y).sum())
        n += len(y)
    return loss_sum / n, correct / n

# %% [fit]
def fit(model, train_loader, test_loader, device, epochs, lr=3e-3, weight_decay=0.05, warmup_epochs=1,
        max_grad_norm=1.0, transform=None, progress=False):
    model = model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    n = len(train_loader)
    sched = warmup_cosine(opt, warmup_epochs * n, epochs * n)
    criterion = nn.CrossEntropyLoss()
    history = []
    for _ in range(epochs):
        tr = train_one_epoch(model, train_loader, opt, criterion, device, sched, max_grad_norm, transform, progress)
        te_loss, te_acc = evaluate(model, test_loader, criterion, device)
        history.append(dict(train_loss=tr, test_loss=te_loss, test_acc=te_acc, lr=sched.get_last_lr()[0]))
    return history
