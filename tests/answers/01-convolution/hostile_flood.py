# Hostile: A million lines of output from the zero_pad cell: the graded notebook keeps a few thousand, the marks are unaffected.
# expect-fail:
# %% [zero_pad]
print('\n'.join(f'spam {i}' for i in range(1_000_000)))
def zero_pad(x, padding):
    """Pad a batch of images with zeros on all four sides.

    x: shape (N, C, H, W); padding: int or (ph, pw).
    Returns an array of shape (N, C, H + 2*ph, W + 2*pw) and x's dtype, with x in the middle.
    """
    ph, pw = as_pair(padding, "padding")
    ### BEGIN SOLUTION
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"zero_pad expects x of shape (N, C, H, W), got shape {x.shape}")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be non-negative, got {(ph, pw)}")
    out = np.zeros(x.shape[:2] + (x.shape[2] + 2 * ph, x.shape[3] + 2 * pw), dtype=x.dtype)
    out[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]] = x
    return out
    ### END SOLUTION

