# Hostile: correct values computed by PyTorch through map(), a builtin that calls torch's functions
# from C, where a profiler's c_call events name map, not torch.
# expect-fail: test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# same-as: wrong_calls_torch
# %% [conv2d_forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("bad shapes")
    import torch
    tensors = list(map(torch.from_numpy, [x, w] + ([] if b is None else [np.asarray(b)])))
    tb = tensors[2] if b is not None else None
    return next(map(torch.nn.functional.conv2d, [tensors[0]], [tensors[1]], [tb], [stride], [padding], [dilation])).numpy()
