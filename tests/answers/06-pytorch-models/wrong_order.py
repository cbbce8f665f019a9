# Wrong: layers in the wrong place, or the bug left in (one mistake per graded item).
# SimpleCNN with a ReLU after the classifier; ResidualBlock applying the ReLU before the addition; LeNet5
# with a ReLU after its output layer; vgg_block giving every convolution c_in input channels;
# DepthwiseSeparableConv with the pointwise convolution first; GrayNet, FlexibleNet and Classifier left as
# broken as they were (a pooling added but the linear layer unchanged, for FlexibleNet).
# expect-fail: test_simple_cnn_behaviour test_residual_identity test_lenet5 test_vgg_block test_depthwise_separable test_gray_net test_flexible_net test_classifier test_residual_projection
# visible-fail: test_classifier test_depthwise_separable test_flexible_net test_gray_net test_lenet5 test_residual_identity test_residual_projection test_simple_cnn_behaviour test_vgg_block
# visible-hint: test_residual_identity: You applied the ReLU before the addition
# visible-hint: test_residual_projection: You applied the ReLU before the addition
# visible-hint: test_simple_cnn_behaviour: do not put a ReLU (or softmax) after it
# visible-hint: test_lenet5: No activation after the last linear layer
# %% [simple_cnn]
class SimpleCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        def stage(c_in, c_out):
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2))
        self.stage1 = stage(in_channels, 32)
        self.stage2 = stage(32, 64)
        self.stage3 = stage(64, 128)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, num_classes), nn.ReLU())

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
        return F.relu(self.bn2(self.conv2(out))) + self.shortcut(x)

# %% [lenet5]
class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
                                      nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.Tanh(),
                                        nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, num_classes), nn.ReLU())

    def forward(self, x):
        return self.classifier(self.features(x))

# %% [vgg_block]
def vgg_block(c_in, c_out, n_convs):
    layers = []
    for i in range(n_convs):
        layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers, nn.MaxPool2d(2))

# %% [depthwise_separable]
class DepthwiseSeparableConv(nn.Module):
    def __init__(self, c_in, c_out, k):
        super().__init__()
        self.pointwise = nn.Conv2d(c_in, c_out, 1)
        self.depthwise = nn.Conv2d(c_out, c_out, k, padding=k // 2, groups=c_out)

    def forward(self, x):
        return self.depthwise(self.pointwise(x))

# %% [gray_net]
class GrayNet(BrokenGrayNet):
    pass

# %% [flexible_net]
class FlexibleNet(BrokenNet):
    def forward(self, x):
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))

# %% [classifier]
class Classifier(BrokenClassifier):
    pass
