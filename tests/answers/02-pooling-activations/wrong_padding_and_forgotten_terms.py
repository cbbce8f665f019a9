# Wrong, one typical mistake per function (each function's tests call only that function):
# max pool padded with zeros instead of -inf; avg pool excluding the padding from the mean
# (count_include_pad=False); global pool keeping (N, C, 1, 1); relu modifying x in place; leaky slope
# applied to the positives; gelu with the tanh approximation; receptive field ignoring strides;
# parameter counts forgetting the bias (separable: the pointwise bias); conv mults forgetting c_out;
# separable mults with the depthwise part multiplied by c_out.
# expect-fail: test_maxpool_basic test_maxpool_against_torch test_avgpool_basic test_avgpool_against_torch test_global_avg_pool test_relu test_leaky_relu test_gelu test_receptive_field test_conv_params test_depthwise_separable_params test_fc_params test_conv_mults test_depthwise_separable_mults
# visible-fail: test_avgpool_against_torch test_avgpool_basic test_conv_mults test_conv_params test_depthwise_separable_mults test_depthwise_separable_params test_fc_params test_gelu test_global_avg_pool test_leaky_relu test_maxpool_against_torch test_maxpool_basic test_receptive_field test_relu
# visible-hint: test_maxpool_against_torch: Pad with -inf, not zeros
# visible-hint: test_avgpool_against_torch: The padded zeros count in the mean
# visible-hint: test_relu: modified its input x
# visible-hint: test_gelu: tanh approximation
# %% [maxpool2d_forward]
def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    ph, pw = as_pair(padding, "padding")
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError("padding too large")
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].max(axis=(2, 3))
    return out

# %% [avgpool2d_forward]
def avgpool2d_forward(x, kernel_size, stride=None, padding=0):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    ph, pw = as_pair(padding, "padding")
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError("padding too large")
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    inside = np.pad(np.ones((H, W)), ((ph, ph), (pw, pw)))
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            rows, cols = slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)
            out[:, :, i, j] = xp[:, :, rows, cols].sum(axis=(2, 3)) / inside[rows, cols].sum()
    return out

# %% [global_avg_pool]
def global_avg_pool(x):
    return x.mean(axis=(2, 3), keepdims=True)

# %% [relu]
def relu(x):
    x[x < 0] = 0
    return x

# %% [leaky_relu]
def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, negative_slope * x, x).astype(x.dtype)

# %% [gelu]
def gelu(x):
    return (0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))).astype(x.dtype)

# %% [receptive_field]
def receptive_field(layers):
    return 1 + sum((k - 1) * d for k, s, d in layers)

# %% [conv_params]
def conv_params(c_in, c_out, k, bias=True):
    kh, kw = as_pair(k, "k")
    return c_out * c_in * kh * kw

# %% [depthwise_separable_params]
def depthwise_separable_params(c_in, c_out, k, bias=True):
    kh, kw = as_pair(k, "k")
    return c_in * kh * kw + (c_in if bias else 0) + c_in * c_out

# %% [fc_params]
def fc_params(n_in, n_out, bias=True):
    return n_in * n_out

# %% [conv_mults]
def conv_mults(c_in, c_out, k, h_out, w_out):
    kh, kw = as_pair(k, "k")
    return c_in * kh * kw * h_out * w_out

# %% [depthwise_separable_mults]
def depthwise_separable_mults(c_in, c_out, k, h_out, w_out):
    kh, kw = as_pair(k, "k")
    return kh * kw * c_in * c_out * h_out * w_out + c_in * c_out * h_out * w_out
