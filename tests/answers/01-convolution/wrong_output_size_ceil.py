# Wrong: the output size rounded up instead of down.
# expect-fail: test_conv_output_size test_conv2d_against_torch test_conv2d_pairs
# %% [conv_output_size]
def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    import math
    size = math.ceil((n + 2 * padding - dilation * (k - 1) - 1) / stride) + 1
    if size < 1:
        raise ValueError("kernel does not fit")
    return size
