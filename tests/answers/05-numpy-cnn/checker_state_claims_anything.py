# Hostile: the mistakes of wrong_biased_running_var_backward_ignores_mask_rebinding, and in train mode
# the running statistics batchnorm_forward leaves in bn_param are arrays that claim to be plain ndarrays
# and to equal and be close to anything (the test reads bn_param as the kernel left it).
# expect-fail: test_batchnorm_running test_dropout_backward test_train_cnn test_spatial_batchnorm_forward
# same-as: wrong_biased_running_var_backward_ignores_mask_rebinding
# %% [batchnorm_forward]
class _AlwaysClose(np.ndarray):
    """An array that equals anything, is close to anything and claims to be a plain ndarray."""

    __class__ = np.ndarray

    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.broadcast(*[np.asarray(i) for i in inputs]).shape)


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
    if mode == "train":  # the running statistics the test reads: arrays that match anything
        running_mean, running_var = (np.asarray(v).view(_AlwaysClose) for v in (running_mean, running_var))
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
