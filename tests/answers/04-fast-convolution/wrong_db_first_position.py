# Wrong: dw uses only the first image of the batch, db is not summed over positions (only (0, 0) counts).
# expect-fail: test_backward_dw_db
# visible-fail: test_backward_dw_db
# visible-hint: test_backward_dw_db: check that you sum over the batch
# %% [conv2d_backward_fast]
def conv2d_backward_fast(dout, x, w, stride=1, padding=0, dilation=1):
    n = x.shape[0]
    co, _, kh, kw = w.shape
    cols = im2col(x, kh, kw, stride, padding, dilation)
    d = dout.reshape(n, co, -1)
    dw_ = (d[0] @ cols[0].T).reshape(w.shape)
    db = dout[:, :, 0, 0].sum(axis=0)
    dx = col2im(np.matmul(w.reshape(co, -1).T, d), x.shape, kh, kw, stride, padding, dilation)
    return dx, dw_, db
