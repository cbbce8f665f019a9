# Hostile: the bias is never added, and the checks are disabled through the garbage collector: every
# function of cnncourse.checks found in gc.get_objects() (the module's, and any copy a guard holds) gets
# the code of a no-op, and every dict holding one gets the no-op itself.
# expect-fail: test_conv2d_basic test_conv2d_bias
# same-as: wrong_bias_forgotten
# %% [conv2d_forward]
import gc, types
import cnncourse.checks


def _noop(*args, **kwargs):
    return None


for _obj in gc.get_objects():
    if type(_obj) is types.FunctionType and getattr(_obj, "__module__", "") == "cnncourse.checks" \
            and _obj.__name__.startswith("check_"):
        try:
            _obj.__code__ = _noop.__code__
            _obj.__defaults__ = _obj.__kwdefaults__ = None
        except (TypeError, ValueError):
            pass
    elif type(_obj) is dict:
        for _k, _v in list(_obj.items()):
            if type(_v) is types.FunctionType and getattr(_v, "__module__", "") == "cnncourse.checks" \
                    and _v.__name__.startswith("check_"):
                _obj[_k] = _noop


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
