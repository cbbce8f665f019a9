# Three independent mistakes: the running variance uses the BIASED batch variance (PyTorch uses the
# unbiased one); dropout's backward pass returns dout unchanged; train_cnn rebinds a loop variable
# (p = p - lr * g), so the parameters never change.
# expect-fail: test_batchnorm_running test_dropout_backward test_train_cnn test_spatial_batchnorm_forward
# visible-fail: test_batchnorm_running test_dropout_backward test_spatial_batchnorm_forward test_train_cnn
# visible-hint: test_batchnorm_running: running_var takes the UNBIASED batch variance
# visible-hint: test_spatial_batchnorm_forward: the UNBIASED variance of each channel
# visible-hint: test_dropout_backward: with the mask of the forward pass
# visible-hint: test_train_cnn: that params are updated in place
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
        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var = (1 - momentum) * running_var + momentum * var
    else:
        out, cache = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return out, cache

# %% [dropout_backward]
def dropout_backward(dout, cache):
    return dout

# %% [train_cnn]
def train_cnn(x, y, seed=0):
    params = init_cnn(seed)
    rng = np.random.default_rng(seed)
    for epoch in range(15):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 32):
            b = order[start:start + 32]
            _, grads = cnn_loss(params, x[b], y[b])
            for k, p in params.items():
                p = p - 0.05 * grads[k]
    return params
