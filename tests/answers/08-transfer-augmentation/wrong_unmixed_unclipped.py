# Wrong: the images are mixed but the labels are not; CutMix's lam is the drawn lam0 (the box's size before
# clipping); label smoothing spreads eps over the K - 1 wrong classes; the head "resized" by changing
# out_features (the weights keep their shape); the whole model frozen, head included; set_train_mode that
# only calls model.train() (a frozen backbone's BatchNorm statistics drift); the learning rates swapped;
# fine-tuning the pretrained model itself instead of a copy.
# expect-fail: test_mixup test_cutmix test_smooth_cross_entropy test_replace_head test_freeze test_set_train_mode test_param_groups test_fine_tune
# visible-fail: test_cutmix test_fine_tune test_freeze test_mixup test_param_groups test_replace_head test_set_train_mode test_smooth_cross_entropy
# visible-hint: test_mixup: mix the labels with the same lam
# visible-hint: test_cutmix: Recompute lam from the box after clipping
# visible-hint: test_replace_head: changing out_features does not resize
# visible-hint: test_fine_tune: freeze_backbone must leave the head trainable
# %% [mixup]
def mixup(x, y, num_classes, alpha=0.2):
    lam = torch.distributions.Beta(alpha, alpha).sample().item()
    perm = torch.randperm(x.shape[0])
    return lam * x + (1 - lam) * x[perm], F.one_hot(y, num_classes).to(x.dtype), lam

# %% [cutmix]
def cutmix(x, y, num_classes, alpha=1.0):
    n, _, h, w = x.shape
    lam = torch.distributions.Beta(alpha, alpha).sample().item()
    perm = torch.randperm(n)
    box_h, box_w = int(h * math.sqrt(1 - lam)), int(w * math.sqrt(1 - lam))
    cy, cx = torch.randint(0, h, ()).item(), torch.randint(0, w, ()).item()
    r0, r1 = max(cy - box_h // 2, 0), min(cy + box_h // 2, h)
    c0, c1 = max(cx - box_w // 2, 0), min(cx + box_w // 2, w)
    x_mixed = x.clone()
    x_mixed[:, :, r0:r1, c0:c1] = x[perm, :, r0:r1, c0:c1]
    onehot = F.one_hot(y, num_classes).to(x.dtype)
    return x_mixed, lam * onehot + (1 - lam) * onehot[perm], lam

# %% [smooth_cross_entropy]
def smooth_cross_entropy(logits, target, smoothing=0.0):
    k = logits.shape[1]
    if not target.is_floating_point():
        target = F.one_hot(target, k).to(logits.dtype)
    q = (1 - smoothing) * target + smoothing / (k - 1) * (1 - target)
    return -(q * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()

# %% [replace_head]
def replace_head(model, num_classes):
    model.classifier[-1].out_features = num_classes
    return model

# %% [freeze_backbone]
def freeze_backbone(model):
    for p in model.parameters():
        p.requires_grad = False
    return model

# %% [unfreeze]
def unfreeze(model):
    for p in model.parameters():
        p.requires_grad = True
    return model

# %% [set_train_mode]
def set_train_mode(model):
    model.train()
    return model

# %% [param_groups]
def param_groups(model, backbone_lr, head_lr):
    return [{"params": model.features.parameters(), "lr": head_lr},
            {"params": model.classifier.parameters(), "lr": backbone_lr}]

# %% [fine_tune]
def fine_tune(pretrained, x, y, num_classes, head_epochs=30, full_epochs=20, head_lr=1e-2, backbone_lr=1e-3):
    model = pretrained
    replace_head(model, num_classes)
    freeze_backbone(model)
    train(model, torch.optim.AdamW(model.classifier.parameters(), lr=head_lr), x, y, head_epochs, train_mode=set_train_mode)
    unfreeze(model)
    train(model, torch.optim.AdamW(param_groups(model, backbone_lr, head_lr)), x, y, full_epochs, train_mode=set_train_mode)
    return model
