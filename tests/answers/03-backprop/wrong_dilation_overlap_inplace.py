# Wrong, one typical mistake per function (each function's tests call only that function):
# conv backward ignoring the dilation (kernel taps taken as adjacent); max-pool gradient overwritten instead
# of accumulated where windows overlap; avg-pool with stride defaulting to 1 instead of kernel_size;
# relu_backward zeroing dout in place; numerical gradient returned flattened; relative error divided by
# |a| only.
# expect-fail: test_conv2d_backward_basic test_conv2d_backward_dx test_conv2d_backward_dw test_maxpool2d_backward test_maxpool2d_backward_ties test_avgpool2d_backward test_relu_backward test_numerical_gradient test_relative_error
# visible-fail: test_avgpool2d_backward test_conv2d_backward_dw test_conv2d_backward_dx test_maxpool2d_backward test_maxpool2d_backward_ties test_numerical_gradient test_relative_error test_relu_backward
# visible-hint: test_conv2d_backward_dx: Kernel taps are dilation pixels apart
# visible-hint: test_conv2d_backward_dw: Kernel taps are dilation pixels apart
# visible-hint: test_maxpool2d_backward: its gradients add up
# visible-hint: test_maxpool2d_backward_ties: its two gradients add up
# visible-hint: test_relu_backward: modified its input dout
# %% [conv2d_backward]
def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    h_out, w_out = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp = np.zeros(xp.shape, dtype=np.result_type(dout, x, w))
    dw = np.zeros(w.shape, dtype=dxp.dtype)
    for a in range(kh):
        for b in range(kw):
            rows = slice(a, a + sh * (h_out - 1) + 1, sh)
            cols = slice(b, b + sw * (w_out - 1) + 1, sw)
            dw[:, :, a, b] = np.einsum("nohw,nchw->oc", dout, xp[:, :, rows, cols])
            dxp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", dout, w[:, :, a, b])
    return dxp[:, :, ph:ph + h, pw:pw + wd], dw, dout.sum(axis=(0, 2, 3))

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
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * sh + a, j * sw + b] = dout[n, c, i, j]
    return dx

# %% [avgpool2d_backward]
def avgpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(1 if stride is None else stride, "stride")
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += dout[:, :, i:i + 1, j:j + 1] / (kh * kw)
    return dx

# %% [relu_backward]
def relu_backward(dout, x):
    dout[x <= 0] = 0
    return dout

# %% [numerical_gradient]
def numerical_gradient(f, x, h=1e-5):
    grad = []
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        f_plus = f(x)
        x[k] = old - h
        f_minus = f(x)
        x[k] = old
        grad.append((f_plus - f_minus) / (2 * h))
    return np.array(grad)

# %% [relative_error]
def relative_error(a, b):
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-8)))
