# Wrong: images and labels shuffled by two different permutations; CutMix pastes each image's own box (no
# partner, lam still < 1); log(softmax) that overflows for large logits; a head hard-coded for 512 features;
# "freezing" by setting an attribute on the module; the backbone in eval mode even when it is unfrozen;
# the head's parameters in both groups; fine-tuning without set_train_mode.
# expect-fail: test_mixup test_cutmix test_smooth_cross_entropy test_replace_head test_freeze test_set_train_mode test_param_groups test_fine_tune
# visible-fail: test_cutmix test_fine_tune test_freeze test_mixup test_param_groups test_replace_head test_set_train_mode test_smooth_cross_entropy
# visible-hint: test_cutmix: paste the images of a permutation
# visible-hint: test_smooth_cross_entropy: torch.log_softmax
# visible-hint: test_replace_head: taking in_features from the old layer
# visible-hint: test_set_train_mode: set_train_mode with nothing frozen
# visible-hint: test_fine_tune: train_mode=set_train_mode
# visible-hint: test_param_groups: each parameter in exactly one group
# %% [mixup]
def mixup(x, y, num_classes, alpha=0.2):
    lam = torch.distributions.Beta(alpha, alpha).sample().item()
    onehot = F.one_hot(y, num_classes).to(x.dtype)
    x_mixed = lam * x + (1 - lam) * x[torch.randperm(len(x))]
    return x_mixed, lam * onehot + (1 - lam) * onehot[torch.randperm(len(x))], lam

# %% [cutmix]
def cutmix(x, y, num_classes, alpha=1.0):
    n, _, h, w = x.shape
    lam0 = torch.distributions.Beta(alpha, alpha).sample().item()
    box_h, box_w = int(h * math.sqrt(1 - lam0)), int(w * math.sqrt(1 - lam0))
    cy, cx = torch.randint(0, h, ()).item(), torch.randint(0, w, ()).item()
    r0, r1 = max(cy - box_h // 2, 0), min(cy + box_h // 2, h)
    c0, c1 = max(cx - box_w // 2, 0), min(cx + box_w // 2, w)
    x_mixed = x.clone()
    x_mixed[:, :, r0:r1, c0:c1] = x[:, :, r0:r1, c0:c1]
    lam = 1.0 - (r1 - r0) * (c1 - c0) / (h * w)
    return x_mixed, F.one_hot(y, num_classes).to(x.dtype), lam

# %% [smooth_cross_entropy]
def smooth_cross_entropy(logits, target, smoothing=0.0):
    k = logits.shape[1]
    if not target.is_floating_point():
        target = F.one_hot(target, k).to(logits.dtype)
    q = (1 - smoothing) * target + smoothing / k
    p = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    return -(q * torch.log(p)).sum(dim=1).mean()

# %% [replace_head]
def replace_head(model, num_classes):
    model.classifier[-1] = nn.Linear(512, num_classes)
    return model

# %% [freeze_backbone]
def freeze_backbone(model):
    model.features.requires_grad = False
    return model

# %% [unfreeze]
def unfreeze(model):
    model.requires_grad = True
    return model

# %% [set_train_mode]
def set_train_mode(model):
    model.train()
    model.features.eval()
    return model

# %% [param_groups]
def param_groups(model, backbone_lr, head_lr):
    return [{"params": model.parameters(), "lr": backbone_lr}, {"params": model.classifier.parameters(), "lr": head_lr}]

# %% [fine_tune]
def fine_tune(pretrained, x, y, num_classes, head_epochs=30, full_epochs=20, head_lr=1e-2, backbone_lr=1e-3):
    model = copy.deepcopy(pretrained)
    model.classifier[-1] = nn.Linear(model.classifier[-1].in_features, num_classes)
    for p in model.features.parameters():
        p.requires_grad_(False)
    train(model, torch.optim.AdamW(model.classifier.parameters(), lr=head_lr), x, y, head_epochs)
    for p in model.parameters():
        p.requires_grad_(True)
    train(model, torch.optim.AdamW([{"params": model.features.parameters(), "lr": backbone_lr},
                                    {"params": model.classifier.parameters(), "lr": head_lr}]), x, y, full_epochs)
    return model
