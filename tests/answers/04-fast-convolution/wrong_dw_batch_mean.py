# Wrong: dw is averaged over the batch instead of summed (and db averaged over positions).
# expect-fail: test_backward_dw_db
# visible-fail: test_backward_dw_db
# visible-hint: test_backward_dw_db: the batch MEAN of the per-image gradients
# %% [conv2d_backward_fast]
def conv2d_backward_fast(dout, x, w, stride=1, padding=0, dilation=1):
    n = x.shape[0]
    co, _, kh, kw = w.shape
    cols = im2col(x, kh, kw, stride, padding, dilation)
    d = dout.reshape(n, co, -1)
    dw_ = np.mean(np.matmul(d, cols.transpose(0, 2, 1)), axis=0).reshape(w.shape)
    db = dout.sum(axis=0).mean(axis=(1, 2))
    dx = col2im(np.matmul(w.reshape(co, -1).T, d), x.shape, kh, kw, stride, padding, dilation)
    return dx, dw_, db
