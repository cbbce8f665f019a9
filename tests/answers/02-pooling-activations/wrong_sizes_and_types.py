# Wrong, one typical mistake per function (each function's tests call only that function):
# max pool output size rounded up; avg pool with stride defaulting to 1; global pool averaging over
# channels too (shape (N,)); relu clipped at 1; leaky relu modifying x in place; gelu returning float64
# for float32 input (np.vectorize(math.erf) not converted back); receptive field without the 1 of the
# output unit itself; conv, separable and fc params adding biases even when bias=False; conv mults for
# one output position only; separable mults forgetting the pointwise part.
# expect-fail: test_maxpool_basic test_maxpool_against_torch test_avgpool_basic test_avgpool_against_torch test_global_avg_pool test_relu test_leaky_relu test_gelu test_receptive_field test_conv_params test_depthwise_separable_params test_fc_params test_conv_mults test_depthwise_separable_mults
# visible-fail: test_avgpool_against_torch test_avgpool_basic test_conv_mults test_conv_params test_depthwise_separable_mults test_depthwise_separable_params test_fc_params test_gelu test_global_avg_pool test_leaky_relu test_maxpool_against_torch test_maxpool_basic test_receptive_field test_relu
# visible-hint: test_leaky_relu: modified its input x
# visible-hint: test_gelu: Return x's dtype
# visible-hint: test_conv_params: bias=False
# visible-hint: test_fc_params: bias=False
# visible-hint: test_relu: no upper limit
# %% [maxpool2d_forward]
def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    ph, pw = as_pair(padding, "padding")
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError("padding too large")
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    Ho, Wo = math.ceil((H + 2 * ph - kh) / sh) + 1, math.ceil((W + 2 * pw - kw) / sw) + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].max(axis=(2, 3))
    return out

# %% [avgpool2d_forward]
def avgpool2d_forward(x, kernel_size, stride=None, padding=0):
    from numpy.lib.stride_tricks import sliding_window_view
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(1 if stride is None else stride, "stride")
    ph, pw = as_pair(padding, "padding")
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError("padding too large")
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    return sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw].mean(axis=(-2, -1))

# %% [global_avg_pool]
def global_avg_pool(x):
    return x.mean(axis=(1, 2, 3))

# %% [relu]
def relu(x):
    return np.clip(x, 0, 1)

# %% [leaky_relu]
def leaky_relu(x, negative_slope=0.01):
    x[x < 0] *= negative_slope
    return x

# %% [gelu]
def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))

# %% [receptive_field]
def receptive_field(layers):
    r, jump = 0, 1
    for k, s, d in layers:
        r += (k - 1) * d * jump
        jump *= s
    return r

# %% [conv_params]
def conv_params(c_in, c_out, k, bias=True):
    kh, kw = as_pair(k, "k")
    return c_out * (c_in * kh * kw + 1)

# %% [depthwise_separable_params]
def depthwise_separable_params(c_in, c_out, k, bias=True):
    kh, kw = as_pair(k, "k")
    return c_in * (kh * kw + 1) + c_out * (c_in + 1)

# %% [fc_params]
def fc_params(n_in, n_out, bias=True):
    return n_out * (n_in + 1)

# %% [conv_mults]
def conv_mults(c_in, c_out, k, h_out, w_out):
    kh, kw = as_pair(k, "k")
    return c_in * c_out * kh * kw

# %% [depthwise_separable_mults]
def depthwise_separable_mults(c_in, c_out, k, h_out, w_out):
    kh, kw = as_pair(k, "k")
    return kh * kw * c_in * h_out * w_out
