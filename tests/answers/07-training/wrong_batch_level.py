# Wrong: statistics and random draws at the wrong level. One mean and std for all channels together;
# standardising x in place; one crop offset and one flip decision for the whole batch; MPS forgotten;
# the cosine spread over all T steps instead of T - w; the mean of the batch means; the mean of the batch
# accuracies; the "test" accuracy measured on the training data.
# expect-fail: test_channel_mean_std test_standardize test_random_crop test_random_hflip test_pick_device test_warmup_cosine test_train_one_epoch test_evaluate test_fit
# visible-fail: test_channel_mean_std test_evaluate test_fit test_pick_device test_random_crop test_random_hflip test_standardize test_train_one_epoch test_warmup_cosine
# visible-hint: test_standardize: modified its input x in place
# visible-hint: test_random_crop: Draw one offset per image
# visible-hint: test_random_hflip: Decide for each image on its own
# visible-hint: test_pick_device: then MPS
# visible-hint: test_fit: Evaluate on test_loader (not on the training data)
# visible-hint: test_channel_mean_std: One std per channel
# %% [channel_mean_std]
def channel_mean_std(x):
    c = x.shape[1]
    return x.mean().repeat(c), x.std(correction=0).repeat(c)

# %% [standardize]
def standardize(x, mean, std):
    x -= mean.reshape(1, -1, 1, 1)
    x /= std.reshape(1, -1, 1, 1)
    return x

# %% [random_crop]
def random_crop(x, padding, generator=None):
    n, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))
    dy, dx = torch.randint(0, 2 * padding + 1, (2,), generator=generator).tolist()
    return padded[:, :, dy:dy + h, dx:dx + w].clone()

# %% [random_hflip]
def random_hflip(x, p=0.5, generator=None):
    if torch.rand(1, generator=generator).item() < p:
        return x.flip(3)
    return x.clone()

# %% [pick_device]
def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")

# %% [warmup_cosine]
def warmup_cosine(optimizer, warmup_steps, total_steps):
    def factor(s):
        if s < warmup_steps:
            return (s + 1) / warmup_steps
        if s > total_steps:
            return 0.0
        return 0.5 * (1.0 + math.cos(math.pi * s / total_steps))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)

# %% [train_one_epoch]
def train_one_epoch(model, loader, optimizer, loss_fn, device, scheduler=None, max_grad_norm=None,
                    transform=None, progress=False):
    model.train()
    losses = []
    for x, y in (tqdm(loader, leave=False) if progress else loader):
        x, y = x.to(device), y.to(device)
        if transform is not None:
            x = transform(x)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)

# %% [evaluate]
def evaluate(model, loader, loss_fn, device):
    model.eval()
    total, count, accs = 0.0, 0, []
    with torch.inference_mode():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total += loss_fn(logits, y).item() * len(x)
            count += len(x)
            accs.append((logits.argmax(dim=1) == y).float().mean().item())
    return total / count, sum(accs) / len(accs)

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
        test_loss, test_acc = evaluate(model, train_loader, nn.CrossEntropyLoss(), device)
        history.append({"train_loss": train_loss, "test_loss": test_loss, "test_acc": test_acc,
                        "lr": optimizer.param_groups[0]["lr"]})
    return history
