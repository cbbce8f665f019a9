# Wrong, one typical mistake per function (each function's tests call only that function):
# max pool with stride defaulting to 1 instead of kernel_size; avg pool dividing by kh * kh (breaks for
# non-square kernels); global pool summing instead of averaging; relu returning its derivative (the 0/1 mask);
# leaky relu as max(slope * x, x) (wrong for slopes above 1); gelu with erf(x) instead of erf(x / sqrt(2));
# receptive field ignoring dilation; conv params with c_in biases; separable params forgetting the depthwise
# bias; fc params with n_in biases; conv mults counting the bias additions; separable mults with a k x k
# pointwise part.
# expect-fail: test_maxpool_basic test_maxpool_against_torch test_avgpool_basic test_avgpool_against_torch test_global_avg_pool test_relu test_leaky_relu test_gelu test_receptive_field test_conv_params test_depthwise_separable_params test_fc_params test_conv_mults test_depthwise_separable_mults
# visible-fail: test_avgpool_against_torch test_avgpool_basic test_conv_mults test_conv_params test_depthwise_separable_mults test_depthwise_separable_params test_fc_params test_gelu test_global_avg_pool test_leaky_relu test_maxpool_against_torch test_maxpool_basic test_receptive_field test_relu
# visible-hint: test_avgpool_against_torch: not kh * kh
# visible-hint: test_leaky_relu: max(negative_slope * x, x) is only right when negative_slope <= 1
# visible-hint: test_relu: not its derivative
# visible-hint: test_global_avg_pool: not the sum
# visible-hint: test_maxpool_against_torch: stride=None means stride = kernel_size
# %% [maxpool2d_forward]
def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    from numpy.lib.stride_tricks import sliding_window_view
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(1 if stride is None else stride, "stride")
    ph, pw = as_pair(padding, "padding")
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError("padding too large")
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    return sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw].max(axis=(-2, -1))

# %% [avgpool2d_forward]
def avgpool2d_forward(x, kernel_size, stride=None, padding=0):
    from numpy.lib.stride_tricks import sliding_window_view
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    ph, pw = as_pair(padding, "padding")
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError("padding too large")
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    total = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw].sum(axis=(-2, -1))
    return (total / (kh * kh)).astype(x.dtype)

# %% [global_avg_pool]
def global_avg_pool(x):
    return x.sum(axis=(2, 3))

# %% [relu]
def relu(x):
    return (x > 0).astype(x.dtype)

# %% [leaky_relu]
def leaky_relu(x, negative_slope=0.01):
    return np.maximum(negative_slope * x, x).astype(x.dtype)

# %% [gelu]
def gelu(x):
    from scipy.special import erf
    return (0.5 * x * (1 + erf(x))).astype(x.dtype)

# %% [receptive_field]
def receptive_field(layers):
    r, jump = 1, 1
    for k, s, d in layers:
        r += (k - 1) * jump
        jump *= s
    return r

# %% [conv_params]
def conv_params(c_in, c_out, k, bias=True):
    kh, kw = as_pair(k, "k")
    return c_out * c_in * kh * kw + (c_in if bias else 0)

# %% [depthwise_separable_params]
def depthwise_separable_params(c_in, c_out, k, bias=True):
    kh, kw = as_pair(k, "k")
    return c_in * kh * kw + c_in * c_out + (c_out if bias else 0)

# %% [fc_params]
def fc_params(n_in, n_out, bias=True):
    return n_in * n_out + (n_in if bias else 0)

# %% [conv_mults]
def conv_mults(c_in, c_out, k, h_out, w_out):
    kh, kw = as_pair(k, "k")
    return (c_in * kh * kw + 1) * c_out * h_out * w_out

# %% [depthwise_separable_mults]
def depthwise_separable_mults(c_in, c_out, k, h_out, w_out):
    kh, kw = as_pair(k, "k")
    return kh * kw * c_in * h_out * w_out + kh * kw * c_in * c_out * h_out * w_out
