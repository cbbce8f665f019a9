# Wrong: a layer in the wrong place, or one too many, with the right shapes and parameter counts.
# SimpleCNN with a dropout before its linear layer (only training mode differs); ResidualBlock with the
# first ReLU between conv1 and bn1; LeNet5 with each tanh after its pooling; vgg_block with a ReLU only
# after the last convolution; GrayNet whose second convolution lost its padding (global pooling hides the
# size); FlexibleNet without its second max pooling (global pooling hides it too).
# expect-fail: test_simple_cnn_behaviour test_residual_identity test_residual_projection test_lenet5 test_vgg_block test_gray_net test_flexible_net
# visible-fail: test_flexible_net test_gray_net test_lenet5 test_residual_identity test_simple_cnn_behaviour test_vgg_block
# visible-hint: test_simple_cnn_behaviour: something acts in training mode only
# visible-hint: test_residual_identity: The first ReLU comes before bn1
# visible-hint: test_lenet5: Apply each tanh before its pooling
# visible-hint: test_vgg_block: A ReLU after every convolution
# %% [simple_cnn]
class SimpleCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        def stage(c_in, c_out):
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2))
        self.stage1 = stage(in_channels, 32)
        self.stage2 = stage(32, 64)
        self.stage3 = stage(64, 128)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(128, num_classes))

    def forward(self, x):
        return self.head(self.stage3(self.stage2(self.stage1(x))))

# %% [residual_block]
class ResidualBlock(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = self.bn1(F.relu(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

# %% [lenet5]
class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.AvgPool2d(2), nn.Tanh(),
                                      nn.Conv2d(6, 16, 5), nn.AvgPool2d(2), nn.Tanh())
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.Tanh(),
                                        nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))

# %% [vgg_block]
def vgg_block(c_in, c_out, n_convs):
    layers = [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1) for i in range(n_convs)]
    return nn.Sequential(*layers, nn.ReLU(), nn.MaxPool2d(2))

# %% [gray_net]
class GrayNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(32, 10)

    def forward(self, x):
        return self.classifier(self.features(x))

# %% [flexible_net]
class FlexibleNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))
