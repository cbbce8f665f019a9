# Hostile: forks until the process limit, and the children keep every slot (sleeping), so that the
# submissions graded after it could start no process if they shared the limit.
# expect-fail: test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# %% [conv2d_forward]
import os, time
print("UID", os.getuid())
_children = 0
try:
    for _ in range(100_000):
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
        _children += 1
except OSError as _e:
    print("LIMIT HIT after", _children, "children:", type(_e).__name__)


def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    raise NotImplementedError()
