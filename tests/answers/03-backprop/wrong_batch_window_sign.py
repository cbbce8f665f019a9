# Wrong, one typical mistake per function (each function's tests call only that function):
# conv dw not summed over the batch (overwritten image by image); max-pool gradient sent to every pixel of
# the window; avg-pool gradient not divided by the window size; relu_backward masking with dout > 0;
# one-sided numerical differences; relative error without the denominator.
# expect-fail: test_conv2d_backward_basic test_conv2d_backward_dw test_maxpool2d_backward test_maxpool2d_backward_ties test_avgpool2d_backward test_relu_backward test_numerical_gradient test_relative_error
# visible-fail: test_avgpool2d_backward test_conv2d_backward_basic test_conv2d_backward_dw test_maxpool2d_backward test_maxpool2d_backward_ties test_numerical_gradient test_relative_error test_relu_backward
# visible-hint: test_conv2d_backward_basic: one image's gradient only: sum over the batch
# visible-hint: test_relu_backward: Use the sign of x (x > 0), not of dout
# visible-hint: test_maxpool2d_backward: Only the maximum (3) receives the gradient
# visible-hint: test_avgpool2d_backward: gets dout / 4
# visible-hint: test_numerical_gradient: Perturb each element by +h and -h
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
def numerical_gradient(f, x, h=1e-5):
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
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    return float(np.max(np.abs(a - b)))
