# A correct answer built from containers: OrderedDict-named nn.Sequential, nn.ModuleList, nn.Sequential subclasses.
# %% [simple_cnn]
from collections import OrderedDict


class SimpleCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        chans = [in_channels, 32, 64, 128]
        for i in range(3):
            setattr(self, f"stage{i + 1}", nn.Sequential(OrderedDict([
                ("conv", nn.Conv2d(chans[i], chans[i + 1], 3, 1, 1)),
                ("bn", nn.BatchNorm2d(chans[i + 1])),
                ("act", nn.ReLU(inplace=True)),
                ("pool", nn.MaxPool2d(2, 2)),
            ])))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(1), nn.Linear(chans[-1], num_classes))

    def forward(self, x):
        return nn.Sequential(self.stage1, self.stage2, self.stage3, self.head)(x)

# %% [residual_block]
class ResidualBlock(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out))
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, kernel_size=1, stride=stride, bias=False),
                                          nn.BatchNorm2d(c_out))
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.main(x) + self.shortcut(x))

# %% [lenet5]
class LeNet5(nn.Sequential):
    def __init__(self, num_classes=10):
        super().__init__(
            nn.Conv2d(1, 6, kernel_size=5), nn.Tanh(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Tanh(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
            nn.Linear(84, num_classes))

# %% [vgg_block]
def vgg_block(c_in, c_out, n_convs):
    convs = [nn.Conv2d(c, c_out, 3, padding=1) for c in [c_in] + [c_out] * (n_convs - 1)]
    return nn.Sequential(*[layer for conv in convs for layer in (conv, nn.ReLU())], nn.MaxPool2d(2))

# %% [depthwise_separable]
class DepthwiseSeparableConv(nn.Sequential):
    def __init__(self, c_in, c_out, k):
        super().__init__(nn.Conv2d(c_in, c_in, k, padding=(k - 1) // 2, groups=c_in), nn.Conv2d(c_in, c_out, 1))

# %% [gray_net]
class GrayNet(BrokenGrayNet):
    def __init__(self):
        super().__init__()
        self.features[0] = nn.Conv2d(1, 16, 3, padding=1)

# %% [flexible_net]
class FlexibleNet(nn.Sequential):
    def __init__(self, num_classes=10):
        super().__init__(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes))

    @property
    def features(self):
        return nn.Sequential(*list(self)[:6])

    @property
    def classifier(self):
        return self[-1]

# %% [classifier]
class Classifier(BrokenClassifier):
    def __init__(self, num_classes=10):
        super().__init__(num_classes)
        self.net = self.net[:-1]
