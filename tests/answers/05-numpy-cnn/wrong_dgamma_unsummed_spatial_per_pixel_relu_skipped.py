# Three independent mistakes: batchnorm_backward returns dgamma and dbeta per example (not summed over
# the batch); spatial batch norm computes statistics per (channel, row, column) over the batch only;
# cnn_loss skips the ReLU in the backward pass.
# expect-fail: test_batchnorm_backward test_spatial_batchnorm_forward test_cnn_gradients test_spatial_batchnorm_backward
# visible-fail: test_batchnorm_backward test_cnn_gradients test_spatial_batchnorm_backward test_spatial_batchnorm_forward
# visible-hint: test_batchnorm_backward: dbeta sums dout over the batch
# visible-hint: test_spatial_batchnorm_forward: not per pixel over the batch only
# visible-hint: test_cnn_gradients: the ReLU (only where its input > 0)
# %% [batchnorm_backward]
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std = cache
    dx = gamma * inv_std * (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))
    return dx, dout * x_hat, dout

# %% [spatial_batchnorm_forward]
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    n, c, h, w = x.shape
    eps, m = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.1)
    mu, var = x.mean(axis=0), x.var(axis=0)                  # per (c, h, w)
    x_hat = (x - mu) / np.sqrt(var + eps)
    if bn_param["mode"] == "train":
        bn_param["running_mean"] = (1 - m) * bn_param.get("running_mean", np.zeros(c)) + m * mu.mean(axis=(1, 2))
        bn_param["running_var"] = (1 - m) * bn_param.get("running_var", np.ones(c)) + m * var.mean(axis=(1, 2))
    else:
        x_hat = (x - bn_param["running_mean"].reshape(1, c, 1, 1)) / np.sqrt(bn_param["running_var"].reshape(1, c, 1, 1) + eps)
    out = gamma.reshape(1, c, 1, 1) * x_hat + beta.reshape(1, c, 1, 1)
    return out, (x_hat.transpose(0, 2, 3, 1).reshape(-1, c), gamma, 1 / np.sqrt(var.mean(axis=(1, 2)) + eps))

# %% [cnn_loss]
def cnn_loss(params, x, y=None):
    h1, c1 = layers.conv_forward(x, params["w1"], params["b1"], padding=1)
    a1, c2 = layers.relu_forward(h1)
    p1, c3 = layers.maxpool_forward(a1)
    scores, c4 = layers.linear_forward(p1.reshape(x.shape[0], -1), params["w2"], params["b2"])
    if y is None:
        return scores
    loss, ds = softmax_cross_entropy(scores, y)
    dflat, dw2, db2 = layers.linear_backward(ds, c4)
    da1 = layers.maxpool_backward(dflat.reshape(p1.shape), c3)
    _, dw1, db1 = layers.conv_backward(da1, c1)
    return loss, {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}
