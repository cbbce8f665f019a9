# Wrong: the stride is ignored in the layer (every position is computed, as with stride 1).
# expect-fail: test_conv2d_against_torch test_conv2d_pairs
# visible-fail: test_conv2d_against_torch test_conv2d_pairs
# visible-hint: test_conv2d_against_torch: The output should be (2, 2)
# %% [conv2d_forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    ph, pw = as_pair(padding, "padding")
    dh, dw = as_pair(dilation, "dilation")
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("bad shapes")
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    h_out, w_out = conv_output_size(h, kh, ph, 1, dh), conv_output_size(wd, kw, pw, 1, dw)
    xp = zero_pad(x, (ph, pw))
    y = np.zeros((n, c_out, h_out, w_out), dtype=np.result_type(x, w))
    for a in range(kh):
        for beta in range(kw):
            y += np.einsum("nchw,oc->nohw", xp[:, :, a * dh:a * dh + h_out, beta * dw:beta * dw + w_out],
                           w[:, :, a, beta])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y
