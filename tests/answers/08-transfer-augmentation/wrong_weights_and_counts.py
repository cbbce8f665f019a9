# Wrong: lam uniform whatever alpha; CutMix's labels weighted the wrong way round (lam for the pasted image);
# the loss summed over the batch instead of averaged; the whole head replaced by one Linear layer (dropout
# lost); model.eval() taken for freezing; the whole model in eval mode; one group for everything; a
# backbone that never trains in the second phase (unfreeze forgotten).
# expect-fail: test_mixup test_cutmix test_smooth_cross_entropy test_replace_head test_freeze test_set_train_mode test_param_groups test_fine_tune
# visible-fail: test_cutmix test_fine_tune test_freeze test_mixup test_param_groups test_replace_head test_set_train_mode test_smooth_cross_entropy
# visible-hint: test_mixup: Beta(alpha, alpha)
# visible-hint: test_cutmix: lam weighs the image's own label
# visible-hint: test_smooth_cross_entropy: the mean over its examples, not the sum
# visible-hint: test_replace_head: keep the dropout
# visible-hint: test_fine_tune: Call unfreeze(model) before the second phase
# %% [mixup]
def mixup(x, y, num_classes, alpha=0.2):
    lam = torch.rand(()).item()
    perm = torch.randperm(len(x))
    onehot = F.one_hot(y, num_classes).to(x.dtype)
    return lam * x + (1 - lam) * x[perm], lam * onehot + (1 - lam) * onehot[perm], lam

# %% [cutmix]
def cutmix(x, y, num_classes, alpha=1.0):
    n, _, h, w = x.shape
    lam0 = torch.distributions.Beta(alpha, alpha).sample().item()
    perm = torch.randperm(n)
    box_h, box_w = int(h * math.sqrt(1 - lam0)), int(w * math.sqrt(1 - lam0))
    cy, cx = torch.randint(0, h, ()).item(), torch.randint(0, w, ()).item()
    r0, r1 = max(cy - box_h // 2, 0), min(cy + box_h // 2, h)
    c0, c1 = max(cx - box_w // 2, 0), min(cx + box_w // 2, w)
    x_mixed = x.clone()
    x_mixed[:, :, r0:r1, c0:c1] = x[perm, :, r0:r1, c0:c1]
    lam = 1.0 - (r1 - r0) * (c1 - c0) / (h * w)
    onehot = F.one_hot(y, num_classes).to(x.dtype)
    return x_mixed, (1 - lam) * onehot + lam * onehot[perm], lam

# %% [smooth_cross_entropy]
def smooth_cross_entropy(logits, target, smoothing=0.0):
    k = logits.shape[1]
    if not target.is_floating_point():
        target = F.one_hot(target, k).to(logits.dtype)
    q = (1 - smoothing) * target + smoothing / k
    return -(q * torch.log_softmax(logits, dim=1)).sum()

# %% [replace_head]
def replace_head(model, num_classes):
    model.classifier = nn.Sequential(nn.Linear(model.classifier[-1].in_features, num_classes))
    return model

# %% [freeze_backbone]
def freeze_backbone(model):
    model.features.eval()
    return model

# %% [unfreeze]
def unfreeze(model):
    model.train()
    return model

# %% [set_train_mode]
def set_train_mode(model):
    model.eval()
    return model

# %% [param_groups]
def param_groups(model, backbone_lr, head_lr):
    return [{"params": list(model.parameters()), "lr": head_lr}]

# %% [fine_tune]
def fine_tune(pretrained, x, y, num_classes, head_epochs=30, full_epochs=20, head_lr=1e-2, backbone_lr=1e-3):
    model = copy.deepcopy(pretrained)
    replace_head(model, num_classes)
    for p in model.features.parameters():
        p.requires_grad_(False)
    train(model, torch.optim.AdamW(model.classifier.parameters(), lr=head_lr), x, y, head_epochs, train_mode=set_train_mode)
    train(model, torch.optim.AdamW(param_groups(model, backbone_lr, head_lr)), x, y, full_epochs, train_mode=set_train_mode)
    return model
