# A correct answer with plain loops over every output position (must earn full marks).
# %% [conv2d_backward]
def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw_ = as_pair(dilation, "dilation")
    N, C, H, W = x.shape
    F_, _, kh, kw = w.shape
    Ho, Wo = dout.shape[2], dout.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.zeros(F_, dtype=w.dtype)
    span_h, span_w = dh * (kh - 1) + 1, dw_ * (kw - 1) + 1
    for n in range(N):
        for f in range(F_):
            for i in range(Ho):
                for j in range(Wo):
                    r, c = i * sh, j * sw
                    window = xp[n, :, r:r + span_h:dh, c:c + span_w:dw_]
                    dw[f] += dout[n, f, i, j] * window
                    dxp[n, :, r:r + span_h:dh, c:c + span_w:dw_] += dout[n, f, i, j] * w[f]
                    db[f] += dout[n, f, i, j]
    return dxp[:, :, ph:ph + H, pw:pw + W], dw, db

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
                    best = None
                    for a in range(kh):          # scan row by row; keep the first maximum
                        for b in range(kw):
                            if best is None or window[a, b] > window[best]:
                                best = (a, b)
                    dx[n, c, i * sh + best[0], j * sw + best[1]] += dout[n, c, i, j]
    return dx

# %% [avgpool2d_backward]
def avgpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    dx = np.zeros_like(x)
    N, C, Ho, Wo = dout.shape
    for i in range(Ho):
        for j in range(Wo):
            dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += dout[:, :, i:i + 1, j:j + 1] / (kh * kw)
    return dx

# %% [relu_backward]
def relu_backward(dout, x):
    dx = dout.copy()
    dx[x <= 0] = 0
    return dx

# %% [numerical_gradient]
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)
        x[ix] = oldval - h
        fxmh = f(x)
        x[ix] = oldval
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad

# %% [relative_error]
def relative_error(a, b):
    if np.shape(a) != np.shape(b):
        raise ValueError("a and b must have the same shape")
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))
