# Hostile: 100 MB of text and a 20 MB image in one cell, and an error whose message is 20 MB in the
# test cell that calls the function. The graded notebook and the feedback must stay small, and the
# error must still fail its test.
# expect-fail: test_cross_correlate2d
# %% [cross_correlate2d]
import os, sys
from IPython.display import Image, display
sys.stdout.write("spam " * 20_000_000 + "\n")
display(Image(data=b"\x89PNG\r\n\x1a\n" + os.urandom(20_000_000), format="png"))


def cross_correlate2d(image, kernel):
    raise ValueError("x" * 20_000_000)
