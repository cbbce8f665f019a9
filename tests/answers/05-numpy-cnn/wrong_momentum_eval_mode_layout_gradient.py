# Four independent mistakes: the running statistics use CS231n's momentum direction
# (momentum * running + (1 - momentum) * batch); dropout stays active in eval mode; init_cnn's w2 has
# the (in, out) layout; dlogits is not divided by the batch size.
# expect-fail: test_batchnorm_running test_dropout_eval test_init_cnn test_softmax_cross_entropy test_cnn_forward test_cnn_gradients test_dropout_backward test_softmax_cross_entropy_stable test_spatial_batchnorm_forward test_train_cnn
# visible-fail: test_batchnorm_running test_cnn_forward test_cnn_gradients test_dropout_backward test_dropout_eval test_init_cnn test_softmax_cross_entropy test_softmax_cross_entropy_stable test_spatial_batchnorm_forward test_train_cnn
# visible-hint: test_batchnorm_running: The momentum weighs the NEW batch
# visible-hint: test_spatial_batchnorm_forward: The momentum weighs the NEW batch
# visible-hint: test_dropout_eval: In eval mode dropout does nothing
# visible-hint: test_dropout_backward: In eval mode dropout is the identity
# visible-hint: test_init_cnn: (out_features, in_features) layout
# visible-hint: test_softmax_cross_entropy: the loss is a mean over the batch
# %% [batchnorm_forward]
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.1)
    running_mean = bn_param.get("running_mean", np.zeros(x.shape[1], dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(x.shape[1], dtype=x.dtype))
    if mode == "train":
        n = x.shape[0]
        mu, var = x.mean(axis=0), x.var(axis=0)
        x_hat = (x - mu) / np.sqrt(var + eps)
        out, cache = gamma * x_hat + beta, (x_hat, gamma, 1 / np.sqrt(var + eps))
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var * n / (n - 1)
    else:
        out, cache = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return out, cache

# %% [dropout_forward]
def dropout_forward(x, p, mode, rng):
    scale = (rng.random(x.shape) >= p) / (1 - p)
    return x * scale, ("train", scale)

# %% [init_cnn]
def init_cnn(seed, num_filters=16):
    gen = np.random.default_rng(seed)
    return {"w1": gen.normal(0, np.sqrt(2 / 9), (num_filters, 1, 3, 3)).astype(np.float32),
            "b1": np.zeros(num_filters, np.float32),
            "w2": gen.normal(0, np.sqrt(2 / (16 * num_filters)), (16 * num_filters, 10)).astype(np.float32),
            "b2": np.zeros(10, np.float32)}

# %% [softmax_cross_entropy]
def softmax_cross_entropy(logits, y):
    n = logits.shape[0]
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    d = np.exp(logp)
    d[np.arange(n), y] -= 1
    return float(-logp[np.arange(n), y].mean()), d
