# A correct answer with stride tricks (sliding_window_view) and one einsum (must earn full marks).
# %% [conv_output_size]
def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    out = int(np.floor((n + 2 * padding - dilation * (k - 1) - 1) / stride)) + 1
    if out <= 0:
        raise ValueError(f"output size {out} is not positive")
    return out

# %% [zero_pad]
def zero_pad(x, padding):
    ph, pw = as_pair(padding, "padding")
    if np.ndim(x) != 4 or min(ph, pw) < 0:
        raise ValueError("bad input")
    out = np.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw), x.dtype)
    out[..., ph:out.shape[2] - ph, pw:out.shape[3] - pw] = x
    return out

# %% [cross_correlate2d]
def cross_correlate2d(image, kernel):
    from numpy.lib.stride_tricks import sliding_window_view
    if image.ndim != 2 or kernel.ndim != 2 or any(k > s for k, s in zip(kernel.shape, image.shape)):
        raise ValueError("bad shapes")
    return np.einsum("ijab,ab->ij", sliding_window_view(image, kernel.shape), kernel)

# %% [conv2d_forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    from numpy.lib.stride_tricks import sliding_window_view
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw = as_pair(dilation, "dilation")
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("shapes do not match")
    kh, kw = w.shape[2:]
    Ho = conv_output_size(x.shape[2], kh, ph, sh, dh)
    Wo = conv_output_size(x.shape[3], kw, pw, sw, dw)
    xp = zero_pad(x, (ph, pw))
    win = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    win = win[:, :, ::sh, ::sw, ::dh, ::dw][:, :, :Ho, :Wo]
    y = np.einsum("ncijab,fcab->nfij", win, w)
    if b is not None:
        y = y + b[None, :, None, None]
    return y.astype(np.result_type(x, w), copy=False)
