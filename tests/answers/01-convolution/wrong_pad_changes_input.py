# Wrong: the padded output is right, but zero_pad also overwrites its input x with zeros. At grading
# time zero_pad runs on a copy in the kernel: the test compares the kernel's copy after the call.
# expect-fail: test_zero_pad
# visible-fail: test_zero_pad
# visible-hint: test_zero_pad: modified its input x
# %% [zero_pad]
def zero_pad(x, padding):
    ph, pw = as_pair(padding, "padding")
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"zero_pad expects x of shape (N, C, H, W), got shape {x.shape}")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be non-negative, got {(ph, pw)}")
    out = np.zeros(x.shape[:2] + (x.shape[2] + 2 * ph, x.shape[3] + 2 * pw), dtype=x.dtype)
    out[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]] = x
    x[...] = 0
    return out
