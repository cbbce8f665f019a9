# Wrong: train_one_epoch never puts the model back into training mode (after an evaluation, dropout stays
# off and BatchNorm keeps its running statistics).
# expect-fail: test_train_one_epoch_extras
# visible-fail: test_train_one_epoch_extras
# visible-hint: test_train_one_epoch_extras: Call model.train() first
# %% [train_one_epoch]
def train_one_epoch(model, loader, optimizer, loss_fn, device, scheduler=None, max_grad_norm=None,
                    transform=None, progress=False):
    total, count = 0.0, 0
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
        total += loss.item() * len(x)
        count += len(x)
    return total / count
