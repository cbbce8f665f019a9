# A correct answer in another style (must earn full marks): im2col by stacking tap slices, a forward
# and backward pass that never build cols (one einsum per kernel tap), col2im by a loop over taps.
# %% [im2col]
def im2col(x, kh, kw, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, c, h, wd = x.shape
    ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    taps = [xp[:, :, a * dh:a * dh + sh * (ho - 1) + 1:sh, b * dw:b * dw + sw * (wo - 1) + 1:sw]
            for a in range(kh) for b in range(kw)]
    stacked = np.stack(taps, axis=2)                  # (N, C, kh*kw, ho, wo): rows (c, a, b)
    return stacked.reshape(n, c * kh * kw, ho * wo)

# %% [col2im]
def col2im(cols, x_shape, kh, kw, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, c, h, wd = x_shape
    ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cols = cols.reshape(n, c, kh * kw, ho, wo)
    out = np.zeros((n, c, h + 2 * ph, wd + 2 * pw), cols.dtype)
    t = 0
    for a in range(kh):
        for b in range(kw):
            np.add(out[:, :, a * dh:a * dh + sh * (ho - 1) + 1:sh, b * dw:b * dw + sw * (wo - 1) + 1:sw],
                   cols[:, :, t], out=out[:, :, a * dh:a * dh + sh * (ho - 1) + 1:sh, b * dw:b * dw + sw * (wo - 1) + 1:sw])
            t += 1
    return out[:, :, ph:ph + h, pw:pw + wd].copy()

# %% [conv2d_forward_fast]
def conv2d_forward_fast(x, w, b=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, _, h, wd = x.shape
    co, _, kh, kw = w.shape
    ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    y = np.zeros((n, co, ho, wo), np.result_type(x, w))
    for a in range(kh):
        for b_ in range(kw):
            patch = xp[:, :, a * dh:a * dh + sh * (ho - 1) + 1:sh, b_ * dw:b_ * dw + sw * (wo - 1) + 1:sw]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, a, b_], optimize=True)
    return y if b is None else y + b[None, :, None, None]

# %% [conv2d_backward_fast]
def conv2d_backward_fast(dout, x, w, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = as_pair(stride), as_pair(padding), as_pair(dilation)
    n, _, h, wd = x.shape
    co, _, kh, kw = w.shape
    ho, wo = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dxp = np.zeros_like(xp)
    dwt = np.zeros_like(w)
    for a in range(kh):
        for b_ in range(kw):
            rows = slice(a * dh, a * dh + sh * (ho - 1) + 1, sh)
            cols = slice(b_ * dw, b_ * dw + sw * (wo - 1) + 1, sw)
            dwt[:, :, a, b_] = np.einsum("nohw,nchw->oc", dout, xp[:, :, rows, cols], optimize=True)
            dxp[:, :, rows, cols] += np.einsum("nohw,oc->nchw", dout, w[:, :, a, b_], optimize=True)
    return dxp[:, :, ph:ph + h, pw:pw + wd], dwt, dout.sum(axis=(0, 2, 3))
