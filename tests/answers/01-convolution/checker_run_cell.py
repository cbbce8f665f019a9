# Hostile: the bias is never added, and the shell's run_cell is replaced: a cell that calls the checks
# runs as 'pass'.
# expect-fail: test_conv2d_basic test_conv2d_bias
# same-as: wrong_bias_forgotten
# %% [conv2d_forward]
_ip = get_ipython()
_run_cell, _run_cell_async = _ip.run_cell, _ip.run_cell_async


def _no_tests(raw_cell, kwargs):
    if "checks." in raw_cell:
        raw_cell = "pass"
        if kwargs.get("transformed_cell") is not None:
            kwargs["transformed_cell"] = "pass\n"
    return raw_cell, kwargs


def _run_cell_patched(raw_cell, *args, **kwargs):
    raw_cell, kwargs = _no_tests(raw_cell, kwargs)
    return _run_cell(raw_cell, *args, **kwargs)


async def _run_cell_async_patched(raw_cell, *args, **kwargs):
    raw_cell, kwargs = _no_tests(raw_cell, kwargs)
    return await _run_cell_async(raw_cell, *args, **kwargs)


_ip.run_cell, _ip.run_cell_async = _run_cell_patched, _run_cell_async_patched


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
