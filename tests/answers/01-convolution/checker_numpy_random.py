# Hostile: the bias is never added, and numpy.random.default_rng is replaced so that the tests' random
# biases (the 1-D draws) are zeros: with zero biases the wrong answer is right.
# expect-fail: test_conv2d_basic test_conv2d_bias
# same-as: wrong_bias_forgotten
# %% [conv2d_forward]
import numpy.random

_real_default_rng = numpy.random.default_rng


class _Generator:
    def __init__(self, *args, **kwargs):
        self._g = _real_default_rng(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._g, name)

    def standard_normal(self, size=None, *args, **kwargs):
        if np.ndim(size) == 0 or len(size) == 1:
            return np.zeros(size)
        return self._g.standard_normal(size, *args, **kwargs)


numpy.random.default_rng = np.random.default_rng = _Generator
try:
    rng = _Generator(2024)  # the tests' own rng, too
except Exception:
    pass


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
