# Three independent mistakes: batch norm uses the batch's statistics in eval mode too; dropout's
# backward pass applies the mask without the 1/(1-p) scale; train_cnn climbs the gradient (+= lr * grad).
# expect-fail: test_batchnorm_eval test_dropout_backward test_train_cnn test_spatial_batchnorm_forward
# visible-fail: test_batchnorm_eval test_dropout_backward test_spatial_batchnorm_forward test_train_cnn
# visible-hint: test_batchnorm_eval: In eval mode use running_mean and running_var
# visible-hint: test_spatial_batchnorm_forward: In eval mode normalise with running_mean and running_var
# visible-hint: test_dropout_backward: dx = dout * mask / (1 - p)
# visible-hint: test_train_cnn: check the sign of the update
# %% [batchnorm_forward]
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.1)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1], dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(x.shape[1], dtype=x.dtype))
    n = x.shape[0]
    mu, var = x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    out, cache = gamma * x_hat + beta, (x_hat, gamma, 1 / np.sqrt(var + eps))
    if mode == "train":
        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var = (1 - momentum) * running_var + momentum * var * n / max(n - 1, 1)
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return out, cache

# %% [dropout_forward]
def dropout_forward(x, p, mode, rng):
    if mode == "train":
        mask = rng.random(x.shape) >= p
        return x * mask / (1 - p), (mode, mask)
    return x.copy(), (mode, None)

# %% [dropout_backward]
def dropout_backward(dout, cache):
    mode, mask = cache
    return dout * mask if mode == "train" else dout

# %% [train_cnn]
def train_cnn(x, y, seed=0):
    params = init_cnn(seed)
    rng = np.random.default_rng(seed)
    for epoch in range(15):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 32):
            b = order[start:start + 32]
            _, grads = cnn_loss(params, x[b], y[b])
            for k in params:
                params[k] += 0.05 * grads[k]
    return params
