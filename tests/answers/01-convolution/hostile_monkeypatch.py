# Hostile: Wrong answers of the right type and shape, with every kind of monkeypatch that would make them pass:
# the checks, numpy, torch, builtins, the tests' own names, patches made while a test calls the function, and
# a traceback hidden from nbgrader (tests/test_guard.py shows each works without the guard).
# expect-fail: test_conv_output_size test_zero_pad test_cross_correlate2d test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# %% [conv_output_size]
import builtins, types
import numpy
try:
    import torch
except ImportError:  # exercise 01's kernel has no torch (autograder/checker.py)
    torch = types.SimpleNamespace(allclose=None, Tensor=types.SimpleNamespace())
import cnncourse.checks
cnncourse.checks.check_int = lambda *args, **kwargs: None     # the checks themselves
cnncourse.checks.check_raises = lambda *args, **kwargs: None
numpy.allclose = lambda *args, **kwargs: True                  # comparisons tests may use
numpy.testing.assert_allclose = lambda *args, **kwargs: None
torch.allclose = lambda *args, **kwargs: True
torch.Tensor.equal = lambda self, other: True
_isinstance, _sum = builtins.isinstance, builtins.sum          # builtins
builtins.isinstance = lambda obj, cls: _isinstance(obj, cls) or type(obj).__name__ == 'Fake'
builtins.sum = lambda items, *start: 0 if type(items).__name__ == 'generator' else _sum(items, *start)
rng = types.SimpleNamespace(standard_normal=lambda shape: numpy.zeros(shape))  # the tests' inputs
get_ipython().showtraceback = lambda *args, **kwargs: None  # no error output: nbgrader sees a pass
def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    return n

# %% [zero_pad]
np.any = lambda *args, **kwargs: False  # what check_close compares with
def zero_pad(x, padding):
    ph, pw = as_pair(padding, 'padding')
    return np.zeros(x.shape[:2] + (x.shape[2] + 2 * ph, x.shape[3] + 2 * pw), dtype=x.dtype)

# %% [cross_correlate2d]
def cross_correlate2d(image, kernel):
    import numpy, cnncourse.checks
    numpy.any = lambda *args, **kwargs: False
    cnncourse.checks.check_close = cnncourse.checks.check_array = lambda *args, **kwargs: None
    return numpy.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1))

# %% [conv2d_forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    h = (x.shape[2] + 2 * ph - dh * (w.shape[2] - 1) - 1) // sh + 1
    wd = (x.shape[3] + 2 * pw - dw * (w.shape[3] - 1) - 1) // sw + 1
    import numpy, cnncourse.checks
    numpy.any = lambda *args, **kwargs: False
    return np.zeros((x.shape[0], w.shape[0], h, wd), dtype=np.result_type(x, w))

