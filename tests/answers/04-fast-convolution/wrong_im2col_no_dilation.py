# Wrong: im2col computes the output size with the dilation but reads adjacent pixels (a, b) instead
# of pixels dilation apart (a*dilation, b*dilation).
# expect-fail: test_im2col test_backward_dw_db test_forward
# visible-fail: test_backward_dw_db test_forward test_im2col
# visible-hint: test_im2col: Kernel taps are dilation pixels apart
# %% [im2col]
def im2col(x, kh, kw, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, c, h, wd = x.shape
    ho, wo = out_size(h, kh, ph, sh, dh), out_size(wd, kw, pw, sw, dw)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = np.empty((n, c, kh, kw, ho, wo), dtype=x.dtype)
    for a in range(kh):
        for b in range(kw):
            cols[:, :, a, b] = xp[:, :, a:a + sh * (ho - 1) + 1:sh, b:b + sw * (wo - 1) + 1:sw]
    return cols.reshape(n, c * kh * kw, ho * wo)
