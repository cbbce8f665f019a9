# Wrong: dcols = W.T @ dout is right, but col2im is called without the padding and dilation (its
# defaults 0 and 1 are used), so the columns go back to the wrong pixels (or do not fit at all).
# expect-fail: test_backward_dx test_backward_dw_db test_speed
# visible-fail: test_backward_dw_db test_backward_dx test_speed
# visible-hint: test_backward_dx: pass col2im the same stride, padding and dilation
# visible-hint: test_backward_dw_db: take the stride, padding and dilation of the convolution
# %% [conv2d_backward_fast]
def conv2d_backward_fast(dout, x, w, stride=1, padding=0, dilation=1):
    n = x.shape[0]
    co, _, kh, kw = w.shape
    cols = im2col(x, kh, kw, stride, padding, dilation)
    d = dout.reshape(n, co, -1)
    dw_ = np.einsum("nol,nkl->ok", d, cols).reshape(w.shape)
    dcols = np.matmul(w.reshape(co, -1).T, d)
    dx = col2im(dcols, x.shape, kh, kw, stride)
    return dx, dw_, dout.sum(axis=(0, 2, 3))
