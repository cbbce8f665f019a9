# A correct answer in another style (must earn full marks): im2col with sliding_window_view, col2im
# with index arrays and np.add.at (the cs231n way), forward and backward with tensordot.
# %% [im2col]
def im2col(x, kh, kw, stride=1, padding=0, dilation=1):
    from numpy.lib.stride_tricks import sliding_window_view
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, c = x.shape[:2]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    win = win[:, :, ::sh, ::sw, ::dh, ::dw]           # (N, C, ho, wo, kh, kw)
    ho, wo = win.shape[2:4]
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)

# %% [col2im]
def _indices(x_shape, kh, kw, stride, padding, dilation):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, c, h, wd = x_shape
    ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    a, b = np.meshgrid(np.arange(kh) * dh, np.arange(kw) * dw, indexing="ij")
    i, j = np.meshgrid(np.arange(ho) * sh, np.arange(wo) * sw, indexing="ij")
    rows = a.reshape(1, -1, 1) + i.reshape(1, 1, -1)          # (1, kh*kw, L)
    cols = b.reshape(1, -1, 1) + j.reshape(1, 1, -1)
    ch = np.repeat(np.arange(c), kh * kw).reshape(-1, 1)      # (C*kh*kw, 1)
    return ch, np.tile(rows[0], (c, 1)), np.tile(cols[0], (c, 1)), (ph, pw)

def col2im(cols, x_shape, kh, kw, stride=1, padding=0, dilation=1):
    ch, r, s, (ph, pw) = _indices(x_shape, kh, kw, stride, padding, dilation)
    n, c, h, wd = x_shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw), dtype=cols.dtype)
    np.add.at(xp, (slice(None), ch, r, s), cols)
    return xp[:, :, ph:ph + h, pw:pw + wd]

# %% [conv2d_forward_fast]
def conv2d_forward_fast(x, w, b=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    co, _, kh, kw = w.shape
    ho = (x.shape[2] + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (x.shape[3] + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cols = im2col(x, kh, kw, stride, padding, dilation)
    y = np.tensordot(cols, w.reshape(co, -1), axes=([1], [1]))    # (N, L, C_out)
    y = y.transpose(0, 2, 1).reshape(x.shape[0], co, ho, wo)
    if b is not None:
        y = y + b.reshape(-1, 1, 1)
    return y

# %% [conv2d_backward_fast]
def conv2d_backward_fast(dout, x, w, stride=1, padding=0, dilation=1):
    co, ci, kh, kw = w.shape
    cols = im2col(x, kh, kw, stride, padding, dilation)              # (N, K, L)
    d = dout.reshape(dout.shape[0], co, -1)                           # (N, C_out, L)
    dw_ = np.einsum("nol,nkl->ok", d, cols, optimize=True).reshape(w.shape)
    dcols = np.einsum("ok,nol->nkl", w.reshape(co, -1), d, optimize=True)
    return col2im(dcols, x.shape, kh, kw, stride, padding, dilation), dw_, d.sum(axis=(0, 2))
