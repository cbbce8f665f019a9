# Hostile: an IPython pre_run_cell hook that stalls every later cell just under the cell timeout (and
# swallows the interrupt), so that the notebook would take many times the cell timeout. The notebook's
# time limit stops it (and where the checker runs the test cells, the hook never delays a test); the tests
# that ran before keep their marks.
# expect-fail: test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# %% [conv2d_forward]
import os, time
print("UID", os.getuid())


def _stall(*args):
    try:
        time.sleep(25)
    except BaseException:
        time.sleep(25)


get_ipython().events.register("pre_run_cell", _stall)


def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    raise NotImplementedError()
