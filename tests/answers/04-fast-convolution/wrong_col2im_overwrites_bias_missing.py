# Two independent mistakes (each test cell calls one function):
# col2im ASSIGNS (=) where windows overlap instead of adding (+=), so overlapping contributions are lost;
# conv2d_forward_fast forgets the bias.
# expect-fail: test_col2im test_forward test_backward_dx test_speed
# visible-fail: test_backward_dx test_col2im test_forward test_speed
# visible-hint: test_col2im: must ADD the four copies, not overwrite
# visible-hint: test_forward: lacks the bias
# %% [col2im]
def col2im(cols, x_shape, kh, kw, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, c, h, wd = x_shape
    ho, wo = out_size(h, kh, ph, sh, dh), out_size(wd, kw, pw, sw, dw)
    cols = cols.reshape(n, c, kh, kw, ho, wo)
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw), dtype=cols.dtype)
    for a in range(kh):
        for b in range(kw):
            xp[:, :, a * dh:a * dh + sh * (ho - 1) + 1:sh, b * dw:b * dw + sw * (wo - 1) + 1:sw] = cols[:, :, a, b]
    return xp[:, :, ph:ph + h, pw:pw + wd]

# %% [conv2d_forward_fast]
def conv2d_forward_fast(x, w, b=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    co, _, kh, kw = w.shape
    ho, wo = out_size(x.shape[2], kh, ph, sh, dh), out_size(x.shape[3], kw, pw, sw, dw)
    return (w.reshape(co, -1) @ im2col(x, kh, kw, stride, padding, dilation)).reshape(x.shape[0], co, ho, wo)
