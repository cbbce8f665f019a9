# A correct answer with plain loops over output positions and math.erf (must earn full marks).
# %% [maxpool2d_forward]
def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    ph, pw = as_pair(padding, "padding")
    if ph > kh / 2 or pw > kw / 2:
        raise ValueError("pad should be at most half of kernel size")
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    Ho = (H + 2 * ph - kh) // sh + 1
    Wo = (W + 2 * pw - kw) // sw + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            window = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out

# %% [avgpool2d_forward]
def avgpool2d_forward(x, kernel_size, stride=None, padding=0):
    kh, kw = as_pair(kernel_size, "kernel_size")
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride")
    ph, pw = as_pair(padding, "padding")
    if ph > kh / 2 or pw > kw / 2:
        raise ValueError("pad should be at most half of kernel size")
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    Ho = (H + 2 * ph - kh) // sh + 1
    Wo = (W + 2 * pw - kw) // sw + 1
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, c, i, j] = xp[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw].mean()
    return out

# %% [global_avg_pool]
def global_avg_pool(x):
    N, C, H, W = x.shape
    return x.reshape(N, C, H * W).sum(axis=2) / x.dtype.type(H * W)

# %% [relu]
def relu(x):
    return x * (x > 0)

# %% [leaky_relu]
def leaky_relu(x, negative_slope=0.01):
    out = x.copy()
    negative = x < 0
    out[negative] = negative_slope * x[negative]
    return out

# %% [gelu]
def gelu(x):
    erf = np.vectorize(math.erf)
    return (x * 0.5 * (1 + erf(x / math.sqrt(2)))).astype(x.dtype)

# %% [receptive_field]
def receptive_field(layers):
    total = 1
    for l, (k, s, d) in enumerate(layers):
        jump = 1
        for (_, s_before, _) in layers[:l]:
            jump *= s_before
        total += (k - 1) * d * jump
    return total

# %% [conv_params]
def conv_params(c_in, c_out, k, bias=True):
    kh, kw = as_pair(k, "k")
    weights = c_out * c_in * kh * kw
    if bias:
        return weights + c_out
    return weights

# %% [depthwise_separable_params]
def depthwise_separable_params(c_in, c_out, k, bias=True):
    return conv_params(1, c_in, k, bias) + conv_params(c_in, c_out, 1, bias)

# %% [fc_params]
def fc_params(n_in, n_out, bias=True):
    return (n_in + int(bias)) * n_out

# %% [conv_mults]
def conv_mults(c_in, c_out, k, h_out, w_out):
    kh, kw = as_pair(k, "k")
    per_output = c_in * kh * kw
    return per_output * c_out * h_out * w_out

# %% [depthwise_separable_mults]
def depthwise_separable_mults(c_in, c_out, k, h_out, w_out):
    return conv_mults(1, c_in, k, h_out, w_out) + conv_mults(c_in, c_out, 1, h_out, w_out)
