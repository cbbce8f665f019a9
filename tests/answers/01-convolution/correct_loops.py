# A correct answer written with plain loops over every output position (must earn full marks).
# %% [conv_output_size]
def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    span = dilation * (k - 1) + 1
    if n + 2 * padding < span:
        raise ValueError("kernel larger than padded input")
    return (n + 2 * padding - span) // stride + 1

# %% [zero_pad]
def zero_pad(x, padding):
    ph, pw = as_pair(padding, "padding")
    if x.ndim != 4:
        raise ValueError("x must be 4-D")
    if ph < 0 or pw < 0:
        raise ValueError("negative padding")
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="constant")

# %% [cross_correlate2d]
def cross_correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("2-D arrays only")
    H, W = image.shape
    kh, kw = kernel.shape
    if kh > H or kw > W:
        raise ValueError("kernel larger than image")
    out = np.empty((H - kh + 1, W - kw + 1), dtype=np.result_type(image, kernel))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out

# %% [conv2d_forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw = as_pair(dilation, "dilation")
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError("x and w must be 4-D")
    N, C, H, W = x.shape
    F, C2, kh, kw = w.shape
    if C != C2:
        raise ValueError(f"channel mismatch: {C} vs {C2}")
    Ho = conv_output_size(H, kh, ph, sh, dh)
    Wo = conv_output_size(W, kw, pw, sw, dw)
    xp = zero_pad(x, (ph, pw))
    out = np.empty((N, F, Ho, Wo), dtype=np.result_type(x, w))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    r, c = i * sh, j * sw
                    window = xp[n, :, r:r + dh * (kh - 1) + 1:dh, c:c + dw * (kw - 1) + 1:dw]
                    out[n, f, i, j] = np.sum(window * w[f]) + (0 if b is None else b[f])
    return out
