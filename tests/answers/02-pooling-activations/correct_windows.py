# A correct answer with sliding_window_view, np.where and scipy's erf (must earn full marks).
# %% [maxpool2d_forward]
def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    from numpy.lib.stride_tricks import sliding_window_view
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(stride if stride is not None else (kh, kw), "stride")
    ph, pw = as_pair(padding, "padding")
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError("padding too large")
    xp = np.full(x.shape[:2] + (x.shape[2] + 2 * ph, x.shape[3] + 2 * pw), -np.inf, dtype=x.dtype)
    xp[:, :, ph:xp.shape[2] - ph, pw:xp.shape[3] - pw] = x
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows.max(axis=(-2, -1))

# %% [avgpool2d_forward]
def avgpool2d_forward(x, kernel_size, stride=None, padding=0):
    from numpy.lib.stride_tricks import sliding_window_view
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(stride if stride is not None else (kh, kw), "stride")
    ph, pw = as_pair(padding, "padding")
    if 2 * ph > kh or 2 * pw > kw:
        raise ValueError("padding too large")
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)], mode="constant")
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows.mean(axis=(-2, -1))

# %% [global_avg_pool]
def global_avg_pool(x):
    return np.mean(x, axis=(-2, -1))

# %% [relu]
def relu(x):
    return np.where(x > 0, x, 0).astype(x.dtype)

# %% [leaky_relu]
def leaky_relu(x, negative_slope=0.01):
    return np.where(x < 0, x * negative_slope, x).astype(x.dtype)

# %% [gelu]
def gelu(x):
    import scipy.special
    return x * (scipy.special.erf(x / np.sqrt(2).astype(x.dtype)) + 1) / 2

# %% [receptive_field]
def receptive_field(layers):
    # work backwards from one output unit: r_{l-1} = s_l * (r_l - 1) + d_l * (k_l - 1) + 1
    r = 1
    for k, s, d in reversed(layers):
        r = s * (r - 1) + d * (k - 1) + 1
    return r

# %% [conv_params]
def conv_params(c_in, c_out, k, bias=True):
    return int(np.prod(as_pair(k, "k"))) * c_in * c_out + bias * c_out

# %% [depthwise_separable_params]
def depthwise_separable_params(c_in, c_out, k, bias=True):
    kh, kw = as_pair(k, "k")
    return c_in * (kh * kw + bias) + c_out * (c_in + bias)

# %% [fc_params]
def fc_params(n_in, n_out, bias=True):
    return n_out * n_in + n_out * bias

# %% [conv_mults]
def conv_mults(c_in, c_out, k, h_out, w_out):
    return math.prod(as_pair(k, "k")) * c_in * c_out * h_out * w_out

# %% [depthwise_separable_mults]
def depthwise_separable_mults(c_in, c_out, k, h_out, w_out):
    kh, kw = as_pair(k, "k")
    return h_out * w_out * c_in * (kh * kw + c_out)
