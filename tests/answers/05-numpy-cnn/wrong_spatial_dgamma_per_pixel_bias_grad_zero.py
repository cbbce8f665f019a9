# Two independent mistakes: spatial_batchnorm_backward sums dgamma and dbeta over the batch only (one
# value per channel AND pixel); cnn_loss returns a zero gradient for the convolution's bias.
# expect-fail: test_spatial_batchnorm_backward test_cnn_gradients
# visible-fail: test_cnn_gradients test_spatial_batchnorm_backward
# visible-hint: test_spatial_batchnorm_backward: dbeta[c] sums dout[:, c] over the batch and all positions
# visible-hint: test_cnn_gradients: db1 comes from layers.conv_backward
# %% [spatial_batchnorm_backward]
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, _, _ = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    x_hat = cache[0].reshape(n, h, w, c).transpose(0, 3, 1, 2)
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), (dout * x_hat).sum(axis=0), dout.sum(axis=0)

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
    dh1 = layers.relu_backward(layers.maxpool_backward(dflat.reshape(p1.shape), c3), c2)
    _, dw1, _ = layers.conv_backward(dh1, c1)
    return loss, {"w1": dw1, "b1": np.zeros_like(params["b1"]), "w2": dw2, "b2": db2}
