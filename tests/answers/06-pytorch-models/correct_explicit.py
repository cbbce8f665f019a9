# A correct answer with explicit forward methods and functional calls (F.relu, F.max_pool2d, mean over H, W).
# %% [simple_cnn]
class ConvStage(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel_size=(3, 3), padding=(1, 1))
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x):
        return F.max_pool2d(F.relu(self.bn(self.conv(x))), kernel_size=2, stride=2)


class GapLinear(nn.Module):
    def __init__(self, n, m):
        super().__init__()
        self.fc = nn.Linear(n, m)

    def forward(self, x):
        return self.fc(x.mean(dim=(2, 3)))


class SimpleCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.stage1 = ConvStage(in_channels, 32)
        self.stage2 = ConvStage(32, 64)
        self.stage3 = ConvStage(64, 128)
        self.head = GapLinear(128, num_classes)

    def forward(self, x):
        for stage in (self.stage1, self.stage2, self.stage3, self.head):
            x = stage(x)
        return x

# %% [residual_block]
class ResidualBlock(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.c1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(c_out)
        self.c2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(c_out)
        self.project = stride != 1 or c_in != c_out
        if self.project:
            self.pc = nn.Conv2d(c_in, c_out, 1, stride, bias=False)
            self.pb = nn.BatchNorm2d(c_out)

    def forward(self, x):
        identity = self.pb(self.pc(x)) if self.project else x
        h = F.relu(self.b1(self.c1(x)))
        h = self.b2(self.c2(h))
        h = h + identity
        return torch.clamp(h, min=0)

# %% [lenet5]
class LeNet5(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.f5 = nn.Linear(400, 120)
        self.f6 = nn.Linear(120, 84)
        self.out = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.avg_pool2d(torch.tanh(self.c1(x)), 2)
        x = F.avg_pool2d(torch.tanh(self.c3(x)), 2)
        x = x.reshape(x.shape[0], -1)
        x = torch.tanh(self.f5(x))
        x = torch.tanh(self.f6(x))
        return self.out(x)

# %% [vgg_block]
def vgg_block(c_in, c_out, n_convs):
    block = nn.Sequential()
    channels = c_in
    for i in range(n_convs):
        block.add_module(f"conv{i}", nn.Conv2d(channels, c_out, 3, padding=1))
        block.add_module(f"relu{i}", nn.ReLU(inplace=True))
        channels = c_out
    block.add_module("pool", nn.MaxPool2d(kernel_size=2, stride=2))
    return block

# %% [depthwise_separable]
class DepthwiseSeparableConv(nn.Module):
    def __init__(self, c_in, c_out, k):
        super().__init__()
        self.dw = nn.Conv2d(c_in, c_in, (k, k), padding="same", groups=c_in)
        self.pw = nn.Conv2d(c_in, c_out, (1, 1))

    def forward(self, x):
        x = self.dw(x)
        x = self.pw(x)
        return x

# %% [gray_net]
class GrayNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))

# %% [flexible_net]
class FlexibleNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).mean(dim=(-2, -1)))

# %% [classifier]
class Classifier(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.fc1 = nn.Linear(64, 32)
        self.fc2 = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.flatten(1))))
