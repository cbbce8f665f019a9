# Four independent mistakes: batch norm never updates its running statistics; dropout scales the kept
# units by 1/p instead of 1/(1-p); init_cnn ignores the seed; the softmax is computed without
# subtracting the maximum (overflows to nan for large logits).
# expect-fail: test_batchnorm_running test_dropout_train test_init_cnn test_softmax_cross_entropy_stable test_spatial_batchnorm_forward
# visible-fail: test_batchnorm_running test_dropout_train test_init_cnn test_softmax_cross_entropy_stable test_spatial_batchnorm_forward
# visible-hint: test_init_cnn: the same seed gives the same parameters
# visible-hint: test_dropout_train: Kept units are scaled by 1 / (1 - p)
# visible-hint: test_softmax_cross_entropy_stable: Subtract each row's maximum before np.exp
# %% [batchnorm_forward]
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.1)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1], dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(x.shape[1], dtype=x.dtype))
    if mode == "train":
        mu, var = x.mean(axis=0), x.var(axis=0)
        x_hat = (x - mu) / np.sqrt(var + eps)
        out, cache = gamma * x_hat + beta, (x_hat, gamma, 1 / np.sqrt(var + eps))
    else:
        out, cache = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return out, cache

# %% [dropout_forward]
def dropout_forward(x, p, mode, rng):
    if mode == "train":
        scale = (rng.random(x.shape) >= p) / p
        return x * scale, (mode, scale)
    return x.copy(), (mode, None)

# %% [init_cnn]
def init_cnn(seed, num_filters=16):
    gen = np.random.default_rng()
    return {"w1": gen.normal(0, np.sqrt(2 / 9), (num_filters, 1, 3, 3)).astype(np.float32),
            "b1": np.zeros(num_filters, np.float32),
            "w2": gen.normal(0, np.sqrt(2 / (16 * num_filters)), (10, 16 * num_filters)).astype(np.float32),
            "b2": np.zeros(10, np.float32)}

# %% [softmax_cross_entropy]
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    e = np.exp(logits)
    probs = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(n), y]))
    d = probs.copy()
    d[np.arange(n), y] -= 1
    return float(loss), d / n
