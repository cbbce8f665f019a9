# Three independent mistakes: spatial_batchnorm_backward flattens dout with dout.reshape(-1, C) while the
# forward pass moved the channels last; cnn_loss returns softmax probabilities instead of the scores;
# train_cnn uses a learning rate so large that training diverges.
# expect-fail: test_spatial_batchnorm_backward test_cnn_forward test_train_cnn
# visible-fail: test_cnn_forward test_spatial_batchnorm_backward test_train_cnn
# visible-hint: test_cnn_forward: before any softmax
# visible-hint: test_train_cnn: the learning rate
# %% [spatial_batchnorm_backward]
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.reshape(-1, c), cache)
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), dgamma, dbeta

# %% [cnn_loss]
def cnn_loss(params, x, y=None):
    h1, c1 = layers.conv_forward(x, params["w1"], params["b1"], padding=1)
    a1, c2 = layers.relu_forward(h1)
    p1, c3 = layers.maxpool_forward(a1)
    scores, c4 = layers.linear_forward(p1.reshape(x.shape[0], -1), params["w2"], params["b2"])
    if y is None:
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    loss, ds = softmax_cross_entropy(scores, y)
    dflat, dw2, db2 = layers.linear_backward(ds, c4)
    dh1 = layers.relu_backward(layers.maxpool_backward(dflat.reshape(p1.shape), c3), c2)
    _, dw1, db1 = layers.conv_backward(dh1, c1)
    return loss, {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}

# %% [train_cnn]
def train_cnn(x, y, seed=0):
    params = init_cnn(seed)
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    rng = np.random.default_rng(seed)
    for epoch in range(15):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 32):
            b = order[start:start + 32]
            _, grads = cnn_loss(params, x[b], y[b])
            for k in params:
                velocity[k] = 0.9 * velocity[k] - 20.0 * grads[k]
                params[k] += velocity[k]
    return params
