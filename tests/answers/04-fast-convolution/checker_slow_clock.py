# Hostile: the loops over output positions of wrong_loops_over_positions (correct values, too slow), and
# the kernel's clocks slowed down and its timing helpers faked so that the code looks fast.
# expect-fail: test_speed
# same-as: wrong_loops_over_positions
# %% [conv2d_forward_fast]
import time as _time
import timeit as _timeit

import cnncourse.timing as _timing
from cnncourse import checks as _checks

# Clocks that run ten times slower (so that everything looks ten times faster), and timing helpers that
# report one nanosecond: in the kernel only. The speed test times the calls in the grader, around each
# request; the kernel's clock decides only how many calls each timed run makes (more, here: slower runs).
_real = _time.perf_counter
_start = _real()
_time.perf_counter = lambda: _start + (_real() - _start) / 10
_time.monotonic = _time.perf_counter
_timeit.default_timer = _time.perf_counter
_timing.best_time = lambda *args, **kwargs: 1e-9
_checks.time_call = lambda *args, **kwargs: 1e-9

def conv2d_forward_fast(x, w, b=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, _, h, wd = x.shape
    co, ci, kh, kw = w.shape
    ho, wo = out_size(h, kh, ph, sh, dh), out_size(wd, kw, pw, sw, dw)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    wm = w.reshape(co, -1).T
    y = np.zeros((n, co, ho, wo), np.result_type(x, w))
    for i in range(ho):
        for j in range(wo):
            win = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            y[:, :, i, j] = win.reshape(n, -1) @ wm
    return y if b is None else y + b.reshape(1, -1, 1, 1)

# %% [conv2d_backward_fast]
def conv2d_backward_fast(dout, x, w, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, _, h, wd = x.shape
    co, ci, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp, dwm = np.zeros_like(xp), np.zeros((co, ci * kh * kw), w.dtype)
    wm = w.reshape(co, -1)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            r = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
            c = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
            g = dout[:, :, i, j]
            dwm += g.T @ xp[:, :, r, c].reshape(n, -1)
            dxp[:, :, r, c] += (g @ wm).reshape(n, ci, kh, kw)
    return dxp[:, :, ph:ph + h, pw:pw + wd], dwm.reshape(w.shape), dout.sum(axis=(0, 2, 3))
