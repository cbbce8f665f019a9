# Wrong: a true convolution (kernel flipped), as scipy.signal.convolve2d would compute.
# expect-fail: test_cross_correlate2d test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias test_conv2d_basic
# visible-fail: test_conv2d_against_torch test_conv2d_basic test_conv2d_pairs test_cross_correlate2d
# visible-hint: test_cross_correlate2d: you flipped the kernel. Cross-correlation does not flip
# visible-hint: test_conv2d_basic: you flipped the kernel
# visible-hint: test_conv2d_against_torch: you flipped the kernel
# visible-hint: test_conv2d_pairs: you flipped the kernel
# %% [cross_correlate2d]
def cross_correlate2d(image, kernel):
    kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    h_out, w_out = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    if image.ndim != 2 or kernel.ndim != 2 or h_out < 1 or w_out < 1:
        raise ValueError("bad shapes")
    out = np.zeros((h_out, w_out), dtype=np.result_type(image, kernel))
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * image[a:a + h_out, b:b + w_out]
    return out

# %% [conv2d_forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw = as_pair(dilation, "dilation")
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("bad shapes")
    w = w[:, :, ::-1, ::-1]
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    h_out, w_out = conv_output_size(h, kh, ph, sh, dh), conv_output_size(wd, kw, pw, sw, dw)
    xp = zero_pad(x, (ph, pw))
    y = np.zeros((n, c_out, h_out, w_out), dtype=np.result_type(x, w))
    for a in range(kh):
        for beta in range(kw):
            patch = xp[:, :, a * dh:a * dh + sh * (h_out - 1) + 1:sh, beta * dw:beta * dw + sw * (w_out - 1) + 1:sw]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, a, beta])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y
