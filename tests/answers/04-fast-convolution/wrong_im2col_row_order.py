# Wrong: im2col orders its rows (a, b, c) - tap first, channel last - which does not match
# w.reshape(C_out, -1) (rows (c, a, b)); the forward pass built on it multiplies the wrong numbers.
# expect-fail: test_im2col test_forward test_backward_dw_db test_col2im test_speed
# visible-fail: test_backward_dw_db test_col2im test_forward test_im2col test_speed
# visible-hint: test_im2col: Row (c*kh + a)*kw + b
# %% [im2col]
def im2col(x, kh, kw, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, c, h, wd = x.shape
    ho, wo = out_size(h, kh, ph, sh, dh), out_size(wd, kw, pw, sw, dw)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.empty((n, kh, kw, c, ho, wo), dtype=x.dtype)
    for a in range(kh):
        for b in range(kw):
            cols[:, a, b] = xp[:, :, a * dh:a * dh + sh * (ho - 1) + 1:sh, b * dw:b * dw + sw * (wo - 1) + 1:sw]
    return cols.reshape(n, c * kh * kw, ho * wo)
