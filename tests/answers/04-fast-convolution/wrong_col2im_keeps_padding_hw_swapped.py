# Two independent mistakes: col2im returns the PADDED image (padding rows and columns not dropped);
# conv2d_forward_fast reshapes the product to (N, C_out, W_out, H_out), which is wrong for non-square outputs.
# expect-fail: test_col2im test_forward test_backward_dx test_speed
# visible-fail: test_backward_dx test_col2im test_forward test_speed
# visible-hint: test_col2im: drop the padding rows and columns
# visible-hint: test_forward: (H_out first)
# %% [col2im]
def col2im(cols, x_shape, kh, kw, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, c, h, wd = x_shape
    ho, wo = out_size(h, kh, ph, sh, dh), out_size(wd, kw, pw, sw, dw)
    cols = cols.reshape(n, c, kh, kw, ho, wo)
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw), dtype=cols.dtype)
    for a in range(kh):
        for b in range(kw):
            xp[:, :, a * dh:a * dh + sh * (ho - 1) + 1:sh, b * dw:b * dw + sw * (wo - 1) + 1:sw] += cols[:, :, a, b]
    return xp

# %% [conv2d_forward_fast]
def conv2d_forward_fast(x, w, b=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    co, _, kh, kw = w.shape
    ho, wo = out_size(x.shape[2], kh, ph, sh, dh), out_size(x.shape[3], kw, pw, sw, dw)
    y = (w.reshape(co, -1) @ im2col(x, kh, kw, stride, padding, dilation)).reshape(x.shape[0], co, wo, ho)
    y = y.transpose(0, 1, 3, 2)
    return y if b is None else y + b.reshape(1, -1, 1, 1)
