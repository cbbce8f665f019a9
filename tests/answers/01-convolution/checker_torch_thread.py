# Hostile: correct values computed by PyTorch in another thread, which a profiler set in the
# calling thread (checks.forbid_module) never sees.
# expect-fail: test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# same-as: wrong_calls_torch
# %% [conv2d_forward]
import threading


def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("bad shapes")
    out = []

    def work():
        import torch
        tb = None if b is None else torch.from_numpy(np.asarray(b))
        out.append(torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), tb, stride=stride,
                                          padding=padding, dilation=dilation).numpy())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if not out:
        raise RuntimeError("the worker thread failed")
    return out[0]
