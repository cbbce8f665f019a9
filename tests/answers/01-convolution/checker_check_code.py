# Hostile: the bias is never added, and the checks' own code and defaults are replaced: check_close
# and check_array get the code of a no-op (a guard that restores module attributes keeps the same
# function objects), check_close tolerates anything.
# expect-fail: test_conv2d_basic test_conv2d_bias
# same-as: wrong_bias_forgotten
# %% [conv2d_forward]
from cnncourse import checks as _checks


def _noop(value, *args, **kwargs):
    return None


_checks.check_array.__code__ = _noop.__code__
_checks.check_close.__kwdefaults__ = {"rtol": 1e300, "atol": 1e300, "hint": None}
_checks._fail.__code__ = _noop.__code__


def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw = as_pair(dilation, "dilation")
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("bad shapes")
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    h_out, w_out = conv_output_size(h, kh, ph, sh, dh), conv_output_size(wd, kw, pw, sw, dw)
    xp = zero_pad(x, (ph, pw))
    y = np.zeros((n, c_out, h_out, w_out), dtype=np.result_type(x, w))
    for a in range(kh):
        for beta in range(kw):
            patch = xp[:, :, a * dh:a * dh + sh * (h_out - 1) + 1:sh, beta * dw:beta * dw + sw * (w_out - 1) + 1:sw]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, a, beta])
    return y
