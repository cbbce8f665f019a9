# A correct answer in another style: NumPy draws lam (not seeded by torch.manual_seed), the batch is reversed
# instead of shuffled (as timm does), CutMix builds a boolean mask, the loss goes through nll_loss, and the
# transfer functions loop over named parameters and modules.
# %% [mixup]
def mixup(x, y, num_classes, alpha=0.2):
    lam = float(np.random.beta(alpha, alpha))
    targets = torch.zeros(len(y), num_classes, dtype=x.dtype).scatter_(1, y[:, None], 1.0)
    return x * lam + x.flip(0) * (1.0 - lam), targets * lam + targets.flip(0) * (1.0 - lam), lam

# %% [cutmix]
def cutmix(x, y, num_classes, alpha=1.0):
    n, c, h, w = x.shape
    lam0 = float(np.random.beta(alpha, alpha))
    perm = torch.randperm(n)
    bh, bw = int(h * (1 - lam0) ** 0.5), int(w * (1 - lam0) ** 0.5)
    cy, cx = int(torch.randint(h, (1,))), int(torch.randint(w, (1,)))
    rows = torch.arange(h)[:, None]
    cols = torch.arange(w)[None, :]
    mask = (rows >= cy - bh // 2) & (rows < cy + bh // 2) & (cols >= cx - bw // 2) & (cols < cx + bw // 2)
    lam = 1.0 - mask.sum().item() / (h * w)
    x_mixed = torch.where(mask, x[perm], x)
    onehot = F.one_hot(y, num_classes).to(x.dtype)
    return x_mixed, lam * onehot + (1.0 - lam) * onehot[perm], lam

# %% [smooth_cross_entropy]
def smooth_cross_entropy(logits, target, smoothing=0.0):
    log_p = F.log_softmax(logits, dim=-1)
    if target.is_floating_point():
        nll = -(target * log_p).sum(-1).mean()
    else:
        nll = F.nll_loss(log_p, target)
    return (1 - smoothing) * nll + smoothing * (-log_p.mean(-1)).mean()

# %% [replace_head]
def replace_head(model, num_classes):
    last = len(model.classifier) - 1
    model.classifier[last] = nn.Linear(model.classifier[last].weight.shape[1], num_classes, bias=True)
    return model

# %% [freeze_backbone]
def freeze_backbone(model):
    for name, p in model.named_parameters():
        p.requires_grad = not name.startswith("features.")
    return model

# %% [unfreeze]
def unfreeze(model):
    model.requires_grad_(True)
    return model

# %% [set_train_mode]
def set_train_mode(model):
    for m in model.modules():
        frozen = isinstance(m, nn.modules.batchnorm._BatchNorm) and all(not p.requires_grad for p in m.parameters())
        m.training = not frozen
    return model

# %% [param_groups]
def param_groups(model, backbone_lr, head_lr):
    return [dict(params=model.features.parameters(), lr=backbone_lr), dict(params=model.classifier.parameters(), lr=head_lr)]

# %% [fine_tune]
def fine_tune(pretrained, x, y, num_classes, head_epochs=30, full_epochs=20, head_lr=1e-2, backbone_lr=1e-3):
    model = freeze_backbone(replace_head(copy.deepcopy(pretrained), num_classes))
    train(model, torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=head_lr), x, y,
          head_epochs, train_mode=set_train_mode)
    unfreeze(model)
    train(model, torch.optim.AdamW(param_groups(model, backbone_lr, head_lr)), x, y, full_epochs,
          train_mode=set_train_mode)
    return model
