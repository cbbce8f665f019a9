# Three independent mistakes: spatial_batchnorm_backward reshapes dx straight to (N, C, H, W) without
# moving the channels back; cnn_loss un-flattens the gradient in (N, 4, 4, F) order although the forward
# pass flattened (N, F, 4, 4); dropout_forward calls torch.nn.functional.dropout.
# expect-fail: test_spatial_batchnorm_backward test_cnn_gradients test_dropout_train test_dropout_backward test_dropout_eval
# visible-fail: test_cnn_gradients test_dropout_backward test_dropout_eval test_dropout_train test_spatial_batchnorm_backward
# visible-hint: test_spatial_batchnorm_backward: move the channels back in dx
# visible-hint: test_cnn_gradients: in the same order as the forward flatten
# visible-hint: test_dropout_train: torch is not available in this exercise
# %% [spatial_batchnorm_backward]
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    return dx.reshape(n, c, h, w), dgamma, dbeta

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
    n, f = x.shape[0], params["w1"].shape[0]
    dp1 = dflat.reshape(n, 4, 4, f).transpose(0, 3, 1, 2)
    dh1 = layers.relu_backward(layers.maxpool_backward(dp1, c3), c2)
    _, dw1, db1 = layers.conv_backward(dh1, c1)
    return loss, {"w1": dw1, "b1": db1, "w2": dw2, "b2": db2}

# %% [dropout_forward]
def dropout_forward(x, p, mode, rng):
    import torch
    torch.manual_seed(int(rng.integers(1 << 31)))
    out = torch.nn.functional.dropout(torch.from_numpy(x), p, training=(mode == "train")).numpy()
    scale = np.divide(out, x, out=np.zeros_like(out), where=x != 0)
    return out, (mode, scale)
