# Four independent mistakes: batchnorm_backward treats the batch mean and variance as constants
# (dx = dout * gamma / std); spatial batch norm flattens with x.reshape(-1, C), mixing channels;
# dropout's backward pass scales by 1/p; train_cnn runs one epoch with a tiny learning rate.
# expect-fail: test_batchnorm_backward test_spatial_batchnorm_forward test_dropout_backward test_train_cnn test_spatial_batchnorm_backward
# visible-fail: test_batchnorm_backward test_dropout_backward test_spatial_batchnorm_backward test_spatial_batchnorm_forward test_train_cnn
# visible-hint: test_batchnorm_backward: dx has three terms
# visible-hint: test_dropout_backward: dx = dout * mask / (1 - p)
# visible-hint: test_spatial_batchnorm_forward: flatten with the channels last
# visible-hint: test_train_cnn: the learning rate and the epochs
# %% [batchnorm_backward]
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std = cache
    return dout * gamma * inv_std, (dout * x_hat).sum(axis=0), dout.sum(axis=0)

# %% [spatial_batchnorm_forward]
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    out, cache = batchnorm_forward(x.reshape(-1, x.shape[1]), gamma, beta, bn_param)
    return out.reshape(x.shape), cache

# %% [dropout_forward]
def dropout_forward(x, p, mode, rng):
    if mode == "train":
        mask = rng.random(x.shape) >= p
        return x * mask / (1 - p), (mode, mask, p)
    return x.copy(), (mode, None, p)

# %% [dropout_backward]
def dropout_backward(dout, cache):
    mode, mask, p = cache
    return dout * mask / p if mode == "train" else dout

# %% [train_cnn]
def train_cnn(x, y, seed=0):
    params = init_cnn(seed)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    for start in range(0, len(x), 32):
        b = order[start:start + 32]
        _, grads = cnn_loss(params, x[b], y[b])
        for k in params:
            params[k] -= 0.001 * grads[k]
    return params
