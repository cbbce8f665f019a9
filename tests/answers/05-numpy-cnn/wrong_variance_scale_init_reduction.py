# Four independent mistakes (the later functions that call a wrong one fail their tests too):
# batch norm normalises with the UNBIASED variance (1/(N-1)); dropout does not rescale the kept units;
# init_cnn starts every weight at zero; the cross-entropy is summed over the batch, not averaged.
# expect-fail: test_batchnorm_train test_dropout_train test_init_cnn test_softmax_cross_entropy test_batchnorm_backward test_cnn_forward test_dropout_backward test_softmax_cross_entropy_stable test_spatial_batchnorm_backward test_spatial_batchnorm_forward test_train_cnn
# visible-fail: test_batchnorm_backward test_batchnorm_train test_cnn_forward test_dropout_backward test_dropout_train test_init_cnn test_softmax_cross_entropy test_softmax_cross_entropy_stable test_spatial_batchnorm_backward test_spatial_batchnorm_forward test_train_cnn
# visible-hint: test_batchnorm_train: BIASED variance
# visible-hint: test_spatial_batchnorm_forward: Normalise with the BIASED variance
# visible-hint: test_init_cnn: He's standard deviation sqrt(2 / fan_in)
# visible-hint: test_cnn_forward: MEAN softmax cross-entropy
# visible-hint: test_dropout_train: Kept units are scaled by 1 / (1 - p)
# %% [batchnorm_forward]
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.1)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1], dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(x.shape[1], dtype=x.dtype))
    if mode == "train":
        mu, var = x.mean(axis=0), x.var(axis=0, ddof=1)
        out = gamma * (x - mu) / np.sqrt(var + eps) + beta
        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var = (1 - momentum) * running_var + momentum * var
        cache = (x, mu, var, gamma, eps)
    else:
        out, cache = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return out, cache

# %% [batchnorm_backward]
def batchnorm_backward(dout, cache):
    x, mu, var, gamma, eps = cache
    xhat = (x - mu) / np.sqrt(var + eps)
    dx = gamma / np.sqrt(var + eps) * (dout - dout.mean(axis=0) - xhat * (dout * xhat).mean(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)

# %% [dropout_forward]
def dropout_forward(x, p, mode, rng):
    if mode == "train":
        mask = rng.random(x.shape) >= p
        return x * mask, (mode, mask / (1 - p))
    return x.copy(), (mode, None)

# %% [init_cnn]
def init_cnn(seed, num_filters=16):
    return {"w1": np.zeros((num_filters, 1, 3, 3), np.float32), "b1": np.zeros(num_filters, np.float32),
            "w2": np.zeros((10, 16 * num_filters), np.float32), "b2": np.zeros(10, np.float32)}

# %% [softmax_cross_entropy]
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), y] -= 1
    return float(-logp[np.arange(n), y].sum()), d
