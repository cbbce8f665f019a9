# Hostile: the mistakes of wrong_batch_window_sign, and numerical_gradient abuses the test's function f,
# which runs in the grader when called: with objects, functions, the kernel's namespace and a proxy as
# arguments, forged and malformed callback requests, input(), and f kept and called after its call.
# expect-fail: test_conv2d_backward_basic test_conv2d_backward_dw test_maxpool2d_backward test_maxpool2d_backward_ties test_avgpool2d_backward test_relu_backward test_numerical_gradient test_relative_error
# same-as: wrong_batch_window_sign
# %% [conv2d_backward]
def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw_ = as_pair(dilation, "dilation")
    N, C, H, W = x.shape
    F_, _, kh, kw = w.shape
    Ho, Wo = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for n in range(N):
        dw_n = np.zeros_like(w)
        for i in range(Ho):
            for j in range(Wo):
                window = xp[n, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw_ * (kw - 1) + 1:dw_]
                dw_n += dout[n, :, i, j][:, None, None, None] * window[None]
                dxp[n, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw_ * (kw - 1) + 1:dw_] += \
                    np.einsum("o,ocab->cab", dout[n, :, i, j], w)
        dw = dw_n                      # the last image's gradient only
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, ph:ph + H, pw:pw + W], dw, db

# %% [maxpool2d_backward]
def maxpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += dout[:, :, i:i + 1, j:j + 1]
    return dx

# %% [avgpool2d_backward]
def avgpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += dout[:, :, i:i + 1, j:j + 1]
    return dx

# %% [relu_backward]
def relu_backward(dout, x):
    return dout * (dout > 0)

# %% [numerical_gradient]
import json as _json

_stashed = []


def _try(label, func):
    try:
        print(label, "->", repr(func())[:200])
    except BaseException as err:  # noqa: BLE001 - the attack reports what happened and goes on
        print(label, "-> raised", type(err).__name__, str(err)[:200])


def numerical_gradient(f, x, h=1e-5):
    # The test's function f comes back to the grader at each call: try to make it do something else.
    _stashed.append(f)
    _try("f(an object)", lambda: f(object()))
    _try("f(a function)", lambda: f(print))
    _try("f(the kernel's namespace)", lambda: f(globals()))
    _try("f(a proxy of a kernel object)", lambda: f([x.view(type("Sneaky", (np.ndarray,), {}))]))
    _try("input()", lambda: input("the answer? "))
    _kernel = get_ipython().kernel
    from cnncourse import remote as _remote
    _try("a forged callback", lambda: _kernel.raw_input(_remote.CALLBACK_PROMPT + _json.dumps(
        {"callback": 10 ** 9, "args": {"t": "list", "v": []}, "kwargs": {"t": "dict", "v": []}})))
    _try("a callback request that is not JSON", lambda: _kernel.raw_input(_remote.CALLBACK_PROMPT + "{"))
    grad = np.zeros(x.shape)
    fx = f(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        grad[k] = (f(x) - fx) / h
        x[k] = old
    return grad

# %% [relative_error]
def relative_error(a, b):
    for g in _stashed[-1:]:
        _try("f after its call ended", lambda: g(np.ones(2)))
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    return float(np.max(np.abs(a - b)))
