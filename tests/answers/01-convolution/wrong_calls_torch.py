# Wrong for this course: correct values, but computed by PyTorch instead of NumPy. The grader's kernel
# for this exercise has no torch (autograder/checker.py): every test that calls it fails on ImportError.
# expect-fail: test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# visible-fail: test_conv2d_against_torch test_conv2d_basic test_conv2d_bias test_conv2d_pairs
# visible-hint: test_conv2d_basic: torch is not available in this exercise
# %% [conv2d_forward]
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    import torch
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("bad shapes")
    tb = None if b is None else torch.from_numpy(np.asarray(b))
    return torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), tb, stride=stride,
                                      padding=padding, dilation=dilation).numpy()
