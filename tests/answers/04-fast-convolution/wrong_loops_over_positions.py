# Correct values, but a Python loop over output positions (vectorised over the batch and channels):
# no faster than the naive loops, so the speed test fails.
# expect-fail: test_speed
# visible-fail: test_speed
# visible-hint: test_speed: do not loop over output positions in Python
# %% [conv2d_forward_fast]
def conv2d_forward_fast(x, w, b=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, _, h, wd = x.shape
    co, ci, kh, kw = w.shape
    ho, wo = out_size(h, kh, ph, sh, dh), out_size(wd, kw, pw, sw, dw)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    wm = w.reshape(co, -1).T
    y = np.zeros((n, co, ho, wo), np.result_type(x, w))
    for i in range(ho):
        for j in range(wo):
            win = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            y[:, :, i, j] = win.reshape(n, -1) @ wm
    return y if b is None else y + b.reshape(1, -1, 1, 1)

# %% [conv2d_backward_fast]
def conv2d_backward_fast(dout, x, w, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, _, h, wd = x.shape
    co, ci, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp, dwm = np.zeros_like(xp), np.zeros((co, ci * kh * kw), w.dtype)
    wm = w.reshape(co, -1)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            r = slice(i * sh, i * sh + dh * (kh - 1) + 1, dh)
            c = slice(j * sw, j * sw + dw * (kw - 1) + 1, dw)
            g = dout[:, :, i, j]
            dwm += g.T @ xp[:, :, r, c].reshape(n, -1)
            dxp[:, :, r, c] += (g @ wm).reshape(n, ci, kh, kw)
    return dxp[:, :, ph:ph + h, pw:pw + wd], dwm.reshape(w.shape), dout.sum(axis=(0, 2, 3))
