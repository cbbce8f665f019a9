# Wrong: the output size rounded up instead of down.
# expect-fail: test_conv_output_size test_conv2d_against_torch test_conv2d_pairs
# visible-fail: test_conv2d_against_torch test_conv2d_pairs test_conv_output_size
# visible-hint: test_conv_output_size: The formula has a floor
# visible-hint: test_conv2d_against_torch: see test_conv_output_size
# %% [conv_output_size]
def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    import math
    size = math.ceil((n + 2 * padding - dilation * (k - 1) - 1) / stride) + 1
    if size < 1:
        raise ValueError("kernel does not fit")
    return size
