# Wrong: the right layers, shapes and parameter counts, but the wrong computation (one mistake per graded item).
# SimpleCNN with the ReLU before the BatchNorm; ResidualBlock with a ReLU on F(x) before the addition (and
# the final one after it); LeNet5 with max pooling; vgg_block with average pooling; DepthwiseSeparableConv
# with a dilated depthwise convolution (padding k - 1 keeps the size); GrayNet with average pooling;
# FlexibleNet with average pooling in its stages; Classifier with a tanh hidden activation.
# expect-fail: test_simple_cnn_behaviour test_residual_identity test_residual_projection test_lenet5 test_vgg_block test_depthwise_separable test_gray_net test_flexible_net test_classifier
# visible-fail: test_classifier test_depthwise_separable test_flexible_net test_gray_net test_lenet5 test_residual_identity test_residual_projection test_simple_cnn_behaviour test_vgg_block
# visible-hint: test_simple_cnn_behaviour: The ReLU comes before the BatchNorm
# visible-hint: test_residual_identity: A ReLU on F(x) before the addition
# visible-hint: test_lenet5: average poolings
# visible-hint: test_vgg_block: max pooling
# visible-hint: test_classifier: not a tanh
# %% [simple_cnn]
class SimpleCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        def stage(c_in, c_out):
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(c_out), nn.MaxPool2d(2))
        self.stage1 = stage(in_channels, 32)
        self.stage2 = stage(32, 64)
        self.stage3 = stage(64, 128)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, num_classes))

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
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return F.relu(out + self.shortcut(x))

# %% [lenet5]
class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.MaxPool2d(2),
                                      nn.Conv2d(6, 16, 5), nn.Tanh(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.Tanh(),
                                        nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))

# %% [vgg_block]
def vgg_block(c_in, c_out, n_convs):
    layers = []
    for i in range(n_convs):
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers, nn.AvgPool2d(2))

# %% [depthwise_separable]
class DepthwiseSeparableConv(nn.Module):
    def __init__(self, c_in, c_out, k):
        super().__init__()
        self.depthwise = nn.Conv2d(c_in, c_in, k, padding=k - 1, dilation=2, groups=c_in)
        self.pointwise = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))

# %% [gray_net]
class GrayNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(32, 10)

    def forward(self, x):
        return self.classifier(self.features(x))

# %% [flexible_net]
class FlexibleNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.pool(self.features(x)), 1))

# %% [classifier]
class Classifier(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, num_classes))

    def forward(self, x):
        return self.net(x)
