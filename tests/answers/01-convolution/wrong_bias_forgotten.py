# Wrong: the bias is accepted but never added.
# expect-fail: test_conv2d_bias test_conv2d_basic
# visible-fail: test_conv2d_basic test_conv2d_bias
# visible-hint: test_conv2d_basic: The bias is missing
# %% [conv2d_forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw = as_pair(dilation, "dilation")
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("bad shapes")
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    h_out, w_out = conv_output_size(h, kh, ph, sh, dh), conv_output_size(wd, kw, pw, sw, dw)
    xp = zero_pad(x, (ph, pw))
    y = np.zeros((n, c_out, h_out, w_out), dtype=np.result_type(x, w))
    for a in range(kh):
        for beta in range(kw):
            patch = xp[:, :, a * dh:a * dh + sh * (h_out - 1) + 1:sh, beta * dw:beta * dw + sw * (w_out - 1) + 1:sw]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, a, beta])
    return y
