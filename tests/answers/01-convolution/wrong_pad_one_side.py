# Wrong: padding added on one side only (bottom and right), so the output is shifted and too small.
# expect-fail: test_zero_pad test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# visible-fail: test_conv2d_against_torch test_conv2d_pairs test_zero_pad
# visible-hint: test_zero_pad: You padded on one side only (bottom and right)
# visible-hint: test_conv2d_against_torch: zero_pad(x, 1) is wrong
# visible-hint: test_conv2d_pairs: zero_pad(x, (0, 1)) is wrong
# %% [zero_pad]
def zero_pad(x, padding):
    ph, pw = as_pair(padding, "padding")
    if x.ndim != 4 or ph < 0 or pw < 0:
        raise ValueError("bad input")
    return np.pad(x, ((0, 0), (0, 0), (0, 2 * ph), (0, 2 * pw)))
