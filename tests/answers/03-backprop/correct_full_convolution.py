# A correct answer that writes the backward pass of a convolution as convolutions (with the given forward):
# dx is a full convolution of the stride-dilated dout with the flipped kernels, dw a convolution of x with
# dout as kernel; pooling by sliding windows (must earn full marks).
# %% [conv2d_backward]
def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw_ = as_pair(dilation, "dilation")
    N, C, H, W = x.shape
    kh, kw = w.shape[2:]
    Ho, Wo = dout.shape[2:]
    Hp, Wp = H + 2 * ph, W + 2 * pw
    # dout spread out by the stride: zeros between its rows and columns
    u = np.zeros(dout.shape[:2] + (sh * (Ho - 1) + 1, sw * (Wo - 1) + 1), dtype=dout.dtype)
    u[:, :, ::sh, ::sw] = dout
    # full convolution: pad by the kernel's span, then correlate with the flipped, transposed kernels
    U = np.pad(u, ((0, 0), (0, 0), (dh * (kh - 1), Hp - u.shape[2]), (dw_ * (kw - 1), Wp - u.shape[3])))
    w_flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    dxp = conv2d_reference_forward(U, w_flipped, dilation=(dh, dw_))
    dx = dxp[:, :, ph:ph + H, pw:pw + W]
    # dw: channels of x act as the batch, dout's as kernels; stride and dilation swap roles
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dwt = conv2d_reference_forward(xp.transpose(1, 0, 2, 3), dout.transpose(1, 0, 2, 3),
                                   stride=(dh, dw_), dilation=(sh, sw))
    dw = dwt[:, :, :kh, :kw].transpose(1, 0, 2, 3)
    db = np.einsum("nohw->o", dout)
    return dx, dw, db

# %% [maxpool2d_backward]
def maxpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(stride if stride is not None else kernel_size, "stride")
    N, C, Ho, Wo = dout.shape
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw][:, :, :Ho, :Wo]
    first = windows.reshape(N, C, Ho, Wo, kh * kw).argmax(axis=-1)
    a, b = np.unravel_index(first, (kh, kw))
    rows = a + sh * np.arange(Ho)[:, None]
    cols = b + sw * np.arange(Wo)[None, :]
    n_idx = np.arange(N)[:, None, None, None]
    c_idx = np.arange(C)[None, :, None, None]
    dx = np.zeros_like(x)
    np.add.at(dx, (n_idx, c_idx, rows, cols), dout)
    return dx

# %% [avgpool2d_backward]
def avgpool2d_backward(dout, x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(stride if stride is not None else kernel_size, "stride")
    # the adjoint of average pooling = a convolution with a constant kernel (one channel at a time)
    N, C = x.shape[:2]
    kernel = np.full((1, 1, kh, kw), 1.0 / (kh * kw))
    flat = dout.reshape(N * C, 1, *dout.shape[2:])
    grads = conv2d_backward(flat, np.zeros((N * C, 1) + x.shape[2:]), kernel, stride=(sh, sw))[0]
    return grads.reshape(x.shape).astype(x.dtype)

# %% [relu_backward]
def relu_backward(dout, x):
    return dout * (x > 0)

# %% [numerical_gradient]
def numerical_gradient(f, x, h=1e-5):
    grad = np.empty(x.size)
    flat = x.reshape(-1)
    for k in range(x.size):
        plus, minus = x.copy(), x.copy()
        plus.reshape(-1)[k] += h
        minus.reshape(-1)[k] -= h
        grad[k] = (f(plus) - f(minus)) / (2 * h)
    return grad.reshape(x.shape)

# %% [relative_error]
def relative_error(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"different shapes {a.shape} {b.shape}")
    denominator = np.abs(a) + np.abs(b)
    denominator[denominator < 1e-8] = 1e-8
    return float((np.abs(a - b) / denominator).max())
