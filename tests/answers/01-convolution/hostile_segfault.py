# Hostile: conv2d_forward crashes the kernel (a segfault through ctypes): the tests that never ran earn nothing.
# expect-fail: test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# %% [conv2d_forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    """2-D cross-correlation of a batch, as torch.nn.functional.conv2d computes it.

    x: input, shape (N, C_in, H, W)
    w: kernels, shape (C_out, C_in, kH, kW)
    b: biases, shape (C_out,), or None
    stride, padding, dilation: int or (h, w) pair
    Returns y, shape (N, C_out, H_out, W_out), dtype np.result_type(x, w), where
        H_out = floor((H + 2*padding - dilation*(kH - 1) - 1) / stride) + 1   (W_out likewise)
    """
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw = as_pair(dilation, "dilation")
    ### BEGIN SOLUTION
    import ctypes
    ctypes.string_at(0)
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"expected x (N, C_in, H, W) and w (C_out, C_in, kH, kW), got {x.shape} and {w.shape}")
    n, c_in, h, wd = x.shape
    c_out, c_in_w, kh, kw = w.shape
    if c_in != c_in_w:
        raise ValueError(f"x has {c_in} channels but the kernels expect {c_in_w}")
    h_out = conv_output_size(h, kh, ph, sh, dh)
    w_out = conv_output_size(wd, kw, pw, sw, dw)
    xp = zero_pad(x, (ph, pw))
    y = np.zeros((n, c_out, h_out, w_out), dtype=np.result_type(x, w))
    # One kernel tap (a, beta) at a time: the input pixels it meets form a strided slice of xp.
    for a in range(kh):
        for beta in range(kw):
            rows = slice(a * dh, a * dh + sh * (h_out - 1) + 1, sh)
            cols = slice(beta * dw, beta * dw + sw * (w_out - 1) + 1, sw)
            y += np.einsum("nchw,oc->nohw", xp[:, :, rows, cols], w[:, :, a, beta])
    if b is not None:
        y += np.asarray(b).reshape(1, c_out, 1, 1)
    return y
    ### END SOLUTION

