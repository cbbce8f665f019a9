# Wrong, one typical mistake per function (each function's tests call only that function):
# conv dx as a full convolution with the kernel NOT flipped; max-pool gradient to every tied maximum (ties
# double counted); avg-pool gradient overwritten instead of accumulated where windows overlap; relu_backward
# passing the gradient at x == 0 (x >= 0); numerical gradient that does not restore x; relative error
# without the 1e-8 floor (nan for zeros).
# expect-fail: test_conv2d_backward_basic test_conv2d_backward_dx test_maxpool2d_backward test_maxpool2d_backward_ties test_avgpool2d_backward test_relu_backward test_numerical_gradient test_relative_error
# visible-fail: test_avgpool2d_backward test_conv2d_backward_dx test_maxpool2d_backward test_maxpool2d_backward_ties test_numerical_gradient test_relative_error test_relu_backward
# visible-hint: test_conv2d_backward_dx: the kernel NOT flipped
# visible-hint: test_maxpool2d_backward: only the first in row-major order
# visible-hint: test_relu_backward: not where x >= 0
# visible-hint: test_numerical_gradient: restore each element
# visible-hint: test_relative_error: divide by the floor 1e-8
# %% [conv2d_backward]
def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw_ = as_pair(dilation, "dilation")
    N, C, H, W = x.shape
    kh, kw = w.shape[2:]
    Ho, Wo = dout.shape[2:]
    Hp, Wp = H + 2 * ph, W + 2 * pw
    u = np.zeros(dout.shape[:2] + (sh * (Ho - 1) + 1, sw * (Wo - 1) + 1), dtype=dout.dtype)
    u[:, :, ::sh, ::sw] = dout
    U = np.pad(u, ((0, 0), (0, 0), (dh * (kh - 1), Hp - u.shape[2]), (dw_ * (kw - 1), Wp - u.shape[3])))
    dxp = conv2d_reference_forward(U, np.ascontiguousarray(w.transpose(1, 0, 2, 3)), dilation=(dh, dw_))
    dx = dxp[:, :, ph:ph + H, pw:pw + W]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dwt = conv2d_reference_forward(xp.transpose(1, 0, 2, 3), dout.transpose(1, 0, 2, 3),
                                   stride=(dh, dw_), dilation=(sh, sw))
    dw = dwt[:, :, :kh, :kw].transpose(1, 0, 2, 3)
    return dx, dw, dout.sum(axis=(0, 2, 3))

# %% [maxpool2d_backward]
def maxpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            mask = window == window.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += mask * dout[:, :, i:i + 1, j:j + 1]
    return dx

# %% [avgpool2d_backward]
def avgpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] = dout[:, :, i:i + 1, j:j + 1] / (kh * kw)
    return dx

# %% [relu_backward]
def relu_backward(dout, x):
    return dout * (x >= 0)

# %% [numerical_gradient]
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        x[k] += h
        f_plus = f(x)
        x[k] -= 2 * h
        f_minus = f(x)
        grad[k] = (f_plus - f_minus) / (2 * h)
    return grad

# %% [relative_error]
def relative_error(a, b):
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))
