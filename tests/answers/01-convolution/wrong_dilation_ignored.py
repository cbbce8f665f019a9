# Wrong: dilation ignored everywhere (kernel taps always adjacent; output size without the d(k-1) term).
# expect-fail: test_conv_output_size test_conv2d_against_torch test_conv2d_pairs
# visible-fail: test_conv2d_against_torch test_conv2d_pairs test_conv_output_size
# visible-hint: test_conv_output_size: with dilation 2 covers 5 pixels
# visible-hint: test_conv2d_against_torch: conv_output_size gives (3, 3) here, not (2, 2)
# %% [conv_output_size]
def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    size = (n + 2 * padding - k) // stride + 1
    if size < 1:
        raise ValueError("kernel does not fit")
    return size

# %% [conv2d_forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("bad shapes")
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    h_out, w_out = conv_output_size(h, kh, ph, sh), conv_output_size(wd, kw, pw, sw)
    xp = zero_pad(x, (ph, pw))
    y = np.zeros((n, c_out, h_out, w_out), dtype=np.result_type(x, w))
    for a in range(kh):
        for beta in range(kw):
            patch = xp[:, :, a:a + sh * (h_out - 1) + 1:sh, beta:beta + sw * (w_out - 1) + 1:sw]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, a, beta])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y
