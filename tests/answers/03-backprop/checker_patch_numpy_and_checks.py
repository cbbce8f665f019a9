# Hostile: the mistakes of wrong_bias_last_scale, and numpy's comparisons and every check of cnncourse.checks
# replaced in the kernel by versions that pass everything (the in-process guard would undo this at each
# restore point; the checker never looks at them).
# expect-fail: test_conv2d_backward_basic test_conv2d_backward_db test_maxpool2d_backward test_maxpool2d_backward_ties test_avgpool2d_backward test_relu_backward test_numerical_gradient test_relative_error
# same-as: wrong_bias_last_scale
# %% [conv2d_backward]
import numpy as _np
import numpy.testing as _npt
from cnncourse import checks as _checks

# What the tests compare with, made to pass everything: numpy's comparisons, the checks (their objects and
# their code), and the course's relative error. Inside the kernel only; the tests run in the grader.
_np.allclose = lambda *args, **kwargs: True
_np.isclose = lambda a, b, *args, **kwargs: _np.ones(_np.shape(a), dtype=bool)
_np.array_equal = lambda *args, **kwargs: True
_npt.assert_allclose = lambda *args, **kwargs: None
_np._core.numeric.isclose = _np.isclose


def _noop(*args, **kwargs):
    return None


for _name in ("check_array", "check_close", "check_type", "check_int", "check_float", "fail", "_fail"):
    setattr(_checks, _name, _noop)
_checks.check_raises.__code__ = _noop.__code__
_checks.relative_error = lambda a, b: 0.0
_checks.CheckFailure = type("CheckFailure", (Exception,), {})

def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw_ = as_pair(dilation, "dilation")
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    h_out, w_out = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp = np.zeros(xp.shape)
    dw = np.zeros(w.shape)
    for a in range(kh):
        for b in range(kw):
            rows = slice(a * dh, a * dh + sh * (h_out - 1) + 1, sh)
            cols = slice(b * dw_, b * dw_ + sw * (w_out - 1) + 1, sw)
            dw[:, :, a, b] = np.einsum("nohw,nchw->oc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", dout, w[:, :, a, b])
    db = dout.sum(axis=0)
    return dxp[:, :, ph:ph + h, pw:pw + wd], dw, db

# %% [maxpool2d_backward]
def maxpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    dx = np.zeros_like(x)
    N, C, Ho, Wo = dout.shape
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    best = (0, 0)
                    for a in range(kh):
                        for b in range(kw):
                            if window[a, b] >= window[best]:
                                best = (a, b)
                    dx[n, c, i * sh + best[0], j * sw + best[1]] += dout[n, c, i, j]
    return dx

# %% [avgpool2d_backward]
def avgpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += dout[:, :, i:i + 1, j:j + 1] / (kh * kh)
    return dx

# %% [relu_backward]
def relu_backward(dout, x):
    return (x > 0).astype(dout.dtype)

# %% [numerical_gradient]
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        f_plus = f(x)
        x[k] = old - h
        f_minus = f(x)
        x[k] = old
        grad[k] = (f_plus - f_minus) / h
    return grad

# %% [relative_error]
def relative_error(a, b):
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-8))
