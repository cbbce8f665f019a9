# Wrong: SimpleCNN with a flatten + Linear(128 * 4 * 4, 10) head (more parameters, 32x32 inputs only), and a
# ResidualBlock that always adds x itself (no projection when the shapes differ).
# expect-fail: test_simple_cnn_shapes test_residual_shapes test_residual_projection test_simple_cnn_behaviour
# visible-fail: test_residual_projection test_residual_shapes test_simple_cnn_behaviour test_simple_cnn_shapes
# visible-hint: test_residual_shapes: the shortcut is a projection
# %% [simple_cnn]
class SimpleCNN(nn.Module):
    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        def stage(c_in, c_out):
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2))
        self.stage1 = stage(in_channels, 32)
        self.stage2 = stage(32, 64)
        self.stage3 = stage(64, 128)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(128 * 4 * 4, num_classes))

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

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + x)
