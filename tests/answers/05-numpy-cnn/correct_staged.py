# A correct answer in another style (must earn full marks): batch norm as a staged computation graph
# (cs231n's step-by-step backward), spatial batch norm with np.moveaxis, dropout keeping units where
# rng.random < 1 - p, cross-entropy with an explicit one-hot matrix, plain SGD without momentum.
# %% [batchnorm_forward]
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.1)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1], dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(x.shape[1], dtype=x.dtype))
    if mode == "train":
        n = x.shape[0]
        mu = np.sum(x, axis=0) / n
        xc = x - mu
        var = np.sum(xc * xc, axis=0) / n
        std = np.sqrt(var + eps)
        istd = 1 / std
        xhat = xc * istd
        out = xhat * gamma + beta
        cache = (xc, std, istd, xhat, gamma, var, eps)
        running_mean = running_mean * (1 - momentum) + mu * momentum
        running_var = running_var * (1 - momentum) + (np.sum(xc * xc, axis=0) / (n - 1)) * momentum
    else:
        out = (x - running_mean) / np.sqrt(running_var + eps) * gamma + beta
        cache = None
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return out, cache

# %% [batchnorm_backward]
def batchnorm_backward(dout, cache):
    xc, std, istd, xhat, gamma, var, eps = cache
    n = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dxc = dxhat * istd
    distd = np.sum(dxhat * xc, axis=0)
    dstd = -distd / std ** 2
    dvar = dstd * 0.5 / np.sqrt(var + eps)
    dxc += 2 * xc * dvar / n
    dmu = -np.sum(dxc, axis=0)
    dx = dxc + dmu / n
    return dx, dgamma, dbeta

# %% [spatial_batchnorm_forward]
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    moved = np.moveaxis(x, 1, -1)                     # (N, H, W, C)
    out, cache = batchnorm_forward(moved.reshape(-1, x.shape[1]), gamma, beta, bn_param)
    return np.moveaxis(out.reshape(moved.shape), -1, 1), cache

# %% [spatial_batchnorm_backward]
def spatial_batchnorm_backward(dout, cache):
    moved = np.moveaxis(dout, 1, -1)
    dx, dgamma, dbeta = batchnorm_backward(moved.reshape(-1, dout.shape[1]), cache)
    return np.moveaxis(dx.reshape(moved.shape), -1, 1), dgamma, dbeta

# %% [dropout_forward]
def dropout_forward(x, p, mode, rng):
    if mode == "eval":
        return x, {"mode": mode}
    mask = rng.random(x.shape) < 1 - p
    return np.where(mask, x / (1 - p), 0.0), {"mode": mode, "mask": mask, "p": p}

# %% [dropout_backward]
def dropout_backward(dout, cache):
    if cache["mode"] == "eval":
        return dout
    return np.where(cache["mask"], dout / (1 - cache["p"]), 0.0)

# %% [softmax_cross_entropy]
def softmax_cross_entropy(logits, y):
    n, k = logits.shape
    z = logits - np.max(logits, axis=1)[:, None]
    e = np.exp(z)
    probs = e / e.sum(axis=1)[:, None]
    onehot = np.eye(k, dtype=logits.dtype)[y]
    logsumexp = np.log(e.sum(axis=1))
    loss = np.mean(logsumexp - np.sum(z * onehot, axis=1))
    return float(loss), (probs - onehot) / n

# %% [init_cnn]
def init_cnn(seed, num_filters=16):
    gen = np.random.default_rng(seed)
    w1 = gen.standard_normal((num_filters, 1, 3, 3)) * np.sqrt(2 / 9)
    w2 = gen.standard_normal((10, 16 * num_filters)) * np.sqrt(2 / (16 * num_filters))
    return {"w1": w1.astype(np.float32), "b1": np.zeros(num_filters, np.float32),
            "w2": w2.astype(np.float32), "b2": np.zeros(10, np.float32)}

# %% [cnn_loss]
def cnn_loss(params, x, y=None):
    n = x.shape[0]
    conv, c_conv = layers.conv_forward(x, params["w1"], params["b1"], padding=1)
    act, c_act = layers.relu_forward(conv)
    pooled, c_pool = layers.maxpool_forward(act)
    flat = pooled.reshape(n, -1)
    scores, c_fc = layers.linear_forward(flat, params["w2"], params["b2"])
    if y is None:
        return scores
    loss, d = softmax_cross_entropy(scores, y)
    grads = {}
    d, grads["w2"], grads["b2"] = layers.linear_backward(d, c_fc)
    d = layers.maxpool_backward(d.reshape(pooled.shape), c_pool)
    d = layers.relu_backward(d, c_act)
    _, grads["w1"], grads["b1"] = layers.conv_backward(d, c_conv)
    return loss, grads

# %% [train_cnn]
def train_cnn(x, y, seed=0):
    params = init_cnn(seed)
    gen = np.random.default_rng(seed + 1000)
    for epoch in range(25):
        perm = gen.permutation(len(x))
        for i in range(0, len(x), 16):
            idx = perm[i:i + 16]
            _, grads = cnn_loss(params, x[idx], y[idx])
            for k in params:
                params[k] -= 0.1 * grads[k]
    return params
