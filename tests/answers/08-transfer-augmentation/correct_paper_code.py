# A correct answer written after the papers' reference code: lam from torch's Gamma draws, a box from a
# continuous centre with the corner coordinates clipped by clamp, the smoothed target built explicitly.
# %% [mixup]
def mixup(x, y, num_classes, alpha=0.2):
    g1 = torch.distributions.Gamma(alpha, 1.0).sample()
    g2 = torch.distributions.Gamma(alpha, 1.0).sample()
    lam = (g1 / (g1 + g2)).item()
    index = torch.randperm(x.size(0))
    mixed_x = lam * x + (1 - lam) * x[index, :]
    y_a = F.one_hot(y, num_classes).to(x.dtype)
    return mixed_x, lam * y_a + (1 - lam) * y_a[index, :], lam

# %% [cutmix]
def rand_bbox(size, lam):
    H, W = size[2], size[3]
    cut_rat = math.sqrt(1.0 - lam)
    cut_h, cut_w = int(H * cut_rat), int(W * cut_rat)
    cy = int(torch.rand(()).item() * H)
    cx = int(torch.rand(()).item() * W)
    bby1, bby2 = max(cy - cut_h // 2, 0), min(cy + cut_h // 2, H)
    bbx1, bbx2 = max(cx - cut_w // 2, 0), min(cx + cut_w // 2, W)
    return bby1, bby2, bbx1, bbx2


def cutmix(x, y, num_classes, alpha=1.0):
    lam = torch.distributions.Beta(torch.tensor(alpha), torch.tensor(alpha)).sample().item()
    rand_index = torch.randperm(x.size()[0])
    bby1, bby2, bbx1, bbx2 = rand_bbox(x.size(), lam)
    out = x.detach().clone()
    out[:, :, bby1:bby2, bbx1:bbx2] = x[rand_index, :, bby1:bby2, bbx1:bbx2]
    lam = 1 - ((bbx2 - bbx1) * (bby2 - bby1) / (x.size()[-1] * x.size()[-2]))
    target = F.one_hot(y, num_classes).to(x.dtype)
    return out, lam * target + (1 - lam) * target[rand_index], float(lam)

# %% [smooth_cross_entropy]
def smooth_cross_entropy(logits, target, smoothing=0.0):
    n, k = logits.shape
    if target.dim() == 1:
        dist = torch.zeros_like(logits).scatter_(1, target.unsqueeze(1), 1.0)
    else:
        dist = target.to(logits.dtype)
    dist = dist * (1.0 - smoothing) + smoothing / k
    return torch.sum(-dist * torch.log_softmax(logits, dim=1)) / n

# %% [replace_head]
def replace_head(model, num_classes):
    in_features = model.classifier[-1].in_features
    layers = list(model.classifier.children())
    layers[-1] = nn.Linear(in_features, num_classes)
    model.classifier = nn.Sequential(*layers)
    return model

# %% [freeze_backbone]
def freeze_backbone(model):
    model.features.requires_grad_(False)
    model.classifier.requires_grad_(True)
    return model

# %% [unfreeze]
def unfreeze(model):
    for p in model.parameters():
        p.requires_grad = True
    return model

# %% [set_train_mode]
def set_train_mode(model):
    model.train()
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
            params = list(module.parameters())
            if params and not any(p.requires_grad for p in params):
                module.eval()
    return model

# %% [param_groups]
def param_groups(model, backbone_lr, head_lr):
    groups = []
    for part, lr in ((model.features, backbone_lr), (model.classifier, head_lr)):
        groups.append({"params": [p for _, p in part.named_parameters()], "lr": lr})
    return groups

# %% [fine_tune]
def fine_tune(pretrained, x, y, num_classes, head_epochs=30, full_epochs=20, head_lr=1e-2, backbone_lr=1e-3):
    model = copy.deepcopy(pretrained)
    model = replace_head(model, num_classes)
    model = freeze_backbone(model)
    head_opt = torch.optim.AdamW(model.classifier.parameters(), lr=head_lr)
    model = train(model, head_opt, x, y, head_epochs, train_mode=set_train_mode)
    model = unfreeze(model)
    full_opt = torch.optim.AdamW(param_groups(model, backbone_lr, head_lr))
    return train(model, full_opt, x, y, full_epochs, train_mode=set_train_mode)
