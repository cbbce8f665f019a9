# Wrong: a layer forgotten in every model (one mistake per graded item; each item has its own tests).
# SimpleCNN without BatchNorm (94,538 parameters); a projection shortcut without BatchNorm; LeNet5 without
# the 84-unit layer; vgg_block without ReLUs; a "depthwise" convolution that also changes the channels and no
# pointwise one; GrayNet repeating the gray channel three times; FlexibleNet with a LazyLinear; Classifier
# ending with a softmax.
# expect-fail: test_simple_cnn_shapes test_simple_cnn_behaviour test_residual_shapes test_lenet5 test_vgg_block test_depthwise_separable test_gray_net test_flexible_net test_classifier test_residual_projection
# visible-fail: test_classifier test_depthwise_separable test_flexible_net test_gray_net test_lenet5 test_residual_projection test_residual_shapes test_simple_cnn_behaviour test_simple_cnn_shapes test_vgg_block
# visible-hint: test_residual_projection: The projection shortcut has no BatchNorm
# visible-hint: test_vgg_block: Every convolution is followed by a ReLU
# visible-hint: test_gray_net: do not repeat the channel
# %% [simple_cnn]
class SimpleCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        def stage(c_in, c_out):
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
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
            self.shortcut = nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

# %% [lenet5]
class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
                                      nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))

# %% [vgg_block]
def vgg_block(c_in, c_out, n_convs):
    layers = [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1) for i in range(n_convs)]
    return nn.Sequential(*layers, nn.MaxPool2d(2))

# %% [depthwise_separable]
class DepthwiseSeparableConv(nn.Module):
    def __init__(self, c_in, c_out, k):
        super().__init__()
        self.depthwise = nn.Conv2d(c_in, c_out * c_in, k, padding=k // 2, groups=c_in)
        self.pointwise = nn.Conv2d(c_out * c_in, c_out, 1, groups=c_out)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))

# %% [gray_net]
class GrayNet(BrokenGrayNet):
    def forward(self, x):
        return super().forward(x.repeat(1, 3, 1, 1))

# %% [flexible_net]
class FlexibleNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.LazyLinear(num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))

# %% [classifier]
class Classifier(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, num_classes), nn.Softmax(dim=1))

    def forward(self, x):
        return self.net(x)
