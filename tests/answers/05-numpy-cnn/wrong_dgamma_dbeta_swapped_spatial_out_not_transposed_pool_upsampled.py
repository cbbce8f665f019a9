# Three independent mistakes: batchnorm_backward swaps dgamma and dbeta; spatial batch norm flattens
# correctly but reshapes the output straight to (N, C, H, W) without moving the channels back;
# cnn_loss sends the max-pool gradient to all four pixels of each window (np.repeat) instead of the maximum.
# expect-fail: test_batchnorm_backward test_spatial_batchnorm_forward test_cnn_gradients test_spatial_batchnorm_backward
# visible-fail: test_batchnorm_backward test_cnn_gradients test_spatial_batchnorm_backward test_spatial_batchnorm_forward
# visible-hint: test_batchnorm_backward: dgamma and dbeta are swapped
# visible-hint: test_spatial_batchnorm_forward: move them back (transpose(0, 3, 1, 2))
# visible-hint: test_cnn_gradients: Backpropagate through the max pool (only the maximum of each window)
# %% [batchnorm_backward]
def batchnorm_backward(dout, cache):
    x_hat, gamma, inv_std = cache
    dx = gamma * inv_std * (dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))
    return dx, dout.sum(axis=0), (dout * x_hat).sum(axis=0)

# %% [spatial_batchnorm_forward]
def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    n, c, h, w = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, beta, bn_param)
    return out.reshape(n, c, h, w), cache

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
    da1 = np.repeat(np.repeat(dflat.reshape(p1.shape), 2, axis=2), 2, axis=3)
    dh1 = layers.relu_backward(da1, c2)
    _, dw1, db1 = layers.conv_backward(dh1, c1)
    return loss, {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}
