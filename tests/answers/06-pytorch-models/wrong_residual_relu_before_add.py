# Wrong: a ResidualBlock with the final ReLU applied to F(x) before the addition, relu(F(x)) + s(x), instead of
# relu(F(x) + s(x)): the right layers, shapes and parameter counts, but the output can be negative.
# expect-fail: test_residual_identity test_residual_projection
# visible-fail: test_residual_identity test_residual_projection
# visible-hint: test_residual_identity: You applied the ReLU before the addition
# visible-hint: test_residual_projection: You applied the ReLU before the addition
# %% [residual_block]
class ResidualBlock(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        if stride == 1 and c_in == c_out:
            self.shortcut = nn.Identity()
        else:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return out + self.shortcut(x)
