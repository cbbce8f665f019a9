# Two independent mistakes: col2im places the columns as if the stride were 1;
# conv2d_forward_fast gets correct values from PyTorch instead of NumPy (the grader's kernel has no torch:
# every test that calls it fails, the speed test too).
# expect-fail: test_col2im test_forward test_backward_dx test_speed
# %% [col2im]
def col2im(cols, x_shape, kh, kw, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, c, h, wd = x_shape
    ho, wo = out_size(h, kh, ph, sh, dh), out_size(wd, kw, pw, sw, dw)
    cols = cols.reshape(n, c, kh, kw, ho, wo)
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw), dtype=cols.dtype)
    for a in range(kh):
        for b in range(kw):
            xp[:, :, a * dh:a * dh + ho, b * dw:b * dw + wo] += cols[:, :, a, b]
    return xp[:, :, ph:ph + h, pw:pw + wd]

# %% [conv2d_forward_fast]
def conv2d_forward_fast(x, w, b=None, stride=1, padding=0, dilation=1):
    import torch
    tb = None if b is None else torch.from_numpy(b)
    return torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), tb, stride=stride,
                                      padding=padding, dilation=dilation).numpy()
