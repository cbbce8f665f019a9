# Wrong, one typical mistake per function (each function's tests call only that function):
# max and avg pool accepting any padding (no ValueError); global pool also averaging over the batch;
# relu returning float64 for float32 input; leaky relu with default slope 0.1; gelu as x * sigmoid(1.702 x);
# receptive field multiplying by the layer's own stride too; conv params with a k-tap instead of k x k kernel;
# separable params with a full (not depthwise) first convolution; fc params (n_in + 1) * (n_out + 1);
# conv mults with kh instead of kh * kw; separable mults forgetting the depthwise part.
# expect-fail: test_maxpool_basic test_avgpool_basic test_global_avg_pool test_relu test_leaky_relu test_gelu test_receptive_field test_conv_params test_depthwise_separable_params test_fc_params test_conv_mults test_depthwise_separable_mults
# visible-fail: test_avgpool_basic test_conv_mults test_conv_params test_depthwise_separable_mults test_depthwise_separable_params test_fc_params test_gelu test_global_avg_pool test_leaky_relu test_maxpool_basic test_receptive_field test_relu
# visible-hint: test_relu: Keep x's dtype
# visible-hint: test_maxpool_basic: raise ValueError
# visible-hint: test_receptive_field: a layer's own stride does not widen its own field
# %% [maxpool2d_forward]
def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    ph, pw = as_pair(padding, "padding")
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
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
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    Ho, Wo = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].mean(axis=(2, 3))
    return out

# %% [global_avg_pool]
def global_avg_pool(x):
    return x.mean(axis=(0, 2, 3))

# %% [relu]
def relu(x):
    return np.array([max(v, 0.0) for v in x.ravel()]).reshape(x.shape)

# %% [leaky_relu]
def leaky_relu(x, negative_slope=0.1):
    return np.where(x >= 0, x, negative_slope * x).astype(x.dtype)

# %% [gelu]
def gelu(x):
    return (x / (1 + np.exp(-1.702 * x))).astype(x.dtype)

# %% [receptive_field]
def receptive_field(layers):
    r, jump = 1, 1
    for k, s, d in layers:
        jump *= s
        r += (k - 1) * d * jump
    return r

# %% [conv_params]
def conv_params(c_in, c_out, k, bias=True):
    kh, kw = as_pair(k, "k")
    return c_out * c_in * kh + (c_out if bias else 0)

# %% [depthwise_separable_params]
def depthwise_separable_params(c_in, c_out, k, bias=True):
    kh, kw = as_pair(k, "k")
    b = 1 if bias else 0
    return c_in * c_in * kh * kw + b * c_in + c_in * c_out + b * c_out

# %% [fc_params]
def fc_params(n_in, n_out, bias=True):
    return (n_in + 1) * (n_out + 1) if bias else n_in * n_out

# %% [conv_mults]
def conv_mults(c_in, c_out, k, h_out, w_out):
    kh, kw = as_pair(k, "k")
    return c_in * c_out * kh * h_out * w_out

# %% [depthwise_separable_mults]
def depthwise_separable_mults(c_in, c_out, k, h_out, w_out):
    return c_in * c_out * h_out * w_out
