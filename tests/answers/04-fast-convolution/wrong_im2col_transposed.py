# Wrong: im2col returns one ROW per output position, shape (N, H_out*W_out, C*kh*kw), the transpose of
# the documented layout (the forward pass below is adapted to it, so only im2col's test fails).
# expect-fail: test_im2col test_col2im
# visible-fail: test_col2im test_im2col
# visible-hint: test_im2col: cols has shape (N, C*kh*kw, H_out*W_out)
# %% [im2col]
def im2col(x, kh, kw, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, c, h, wd = x.shape
    ho, wo = out_size(h, kh, ph, sh, dh), out_size(wd, kw, pw, sw, dw)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.empty((n, c, kh, kw, ho, wo), dtype=x.dtype)
    for a in range(kh):
        for b in range(kw):
            cols[:, :, a, b] = xp[:, :, a * dh:a * dh + sh * (ho - 1) + 1:sh, b * dw:b * dw + sw * (wo - 1) + 1:sw]
    return cols.reshape(n, c * kh * kw, ho * wo).transpose(0, 2, 1)

# %% [conv2d_forward_fast]
def conv2d_forward_fast(x, w, b=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    co, _, kh, kw = w.shape
    ho, wo = out_size(x.shape[2], kh, ph, sh, dh), out_size(x.shape[3], kw, pw, sw, dw)
    y = (im2col(x, kh, kw, stride, padding, dilation) @ w.reshape(co, -1).T).transpose(0, 2, 1)
    y = y.reshape(x.shape[0], co, ho, wo)
    return y if b is None else y + b.reshape(1, -1, 1, 1)

# %% [conv2d_backward_fast]
def conv2d_backward_fast(dout, x, w, stride=1, padding=0, dilation=1):
    co, _, kh, kw = w.shape
    cols = im2col(x, kh, kw, stride, padding, dilation).transpose(0, 2, 1)
    d = dout.reshape(x.shape[0], co, -1)
    dw_ = np.einsum("nol,nkl->ok", d, cols).reshape(w.shape)
    dx = col2im(np.matmul(w.reshape(co, -1).T, d), x.shape, kh, kw, stride, padding, dilation)
    return dx, dw_, dout.sum(axis=(0, 2, 3))
