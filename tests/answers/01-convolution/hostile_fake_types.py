# Hostile: Objects that claim to be right: an int subclass whose int() reads the expected value from the check's frame, an
# ndarray subclass equal to anything, an object equal to everything. conv2d_forward is right (with private
# copies of the real helpers) and keeps its marks.
# expect-fail: test_conv_output_size test_zero_pad test_cross_correlate2d
# %% [conv_output_size]
import sys
class SneakyInt(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__
    def __int__(self):
        frame = sys._getframe(1)
        return int(frame.f_locals.get('expected', 0))
def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    return SneakyInt(0)

# %% [zero_pad]
class AnyArray(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), dtype=bool)
    def __sub__(self, other): return np.zeros(np.shape(other))
def zero_pad(x, padding):
    ph, pw = as_pair(padding, 'padding')
    shape = (x.shape[0], x.shape[1], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw)
    return np.zeros(shape, dtype=x.dtype).view(AnyArray)

# %% [cross_correlate2d]
class Anything:
    shape, dtype, ndim = (2, 2), np.float64, 2
    def __eq__(self, other): return True
    def __array__(self, dtype=None, copy=None): return np.zeros(self.shape)
def cross_correlate2d(image, kernel):
    return Anything()

# %% [conv2d_forward]
def _size(n, k, padding=0, stride=1, dilation=1):
    """Size of a convolution's output along one dimension.

    n: input size, k: kernel size, padding: zeros added on each side,
    stride: step between windows, dilation: spacing between kernel taps.
    Returns floor((n + 2*padding - dilation*(k - 1) - 1) / stride) + 1 as an int.
    Raises ValueError if that is less than 1 (the dilated kernel does not fit).
    """
    ### BEGIN SOLUTION
    size = (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    if size < 1:
        raise ValueError(
            f"a kernel of size {k} with dilation {dilation} covers {dilation * (k - 1) + 1} pixels, "
            f"more than the padded input of size {n + 2 * padding}")
    return int(size)
    ### END SOLUTION
def _pad(x, padding):
    """Pad a batch of images with zeros on all four sides.

    x: shape (N, C, H, W); padding: int or (ph, pw).
    Returns an array of shape (N, C, H + 2*ph, W + 2*pw) and x's dtype, with x in the middle.
    """
    ph, pw = as_pair(padding, "padding")
    ### BEGIN SOLUTION
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"zero_pad expects x of shape (N, C, H, W), got shape {x.shape}")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be non-negative, got {(ph, pw)}")
    out = np.zeros(x.shape[:2] + (x.shape[2] + 2 * ph, x.shape[3] + 2 * pw), dtype=x.dtype)
    out[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]] = x
    return out
    ### END SOLUTION
def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    """2-D cross-correlation of a batch, as torch.nn.functional.conv2d computes it.

    x: input, shape (N, C_in, H, W)
    w: kernels, shape (C_out, C_in, kH, kW)
    b: biases, shape (C_out,), or None
    stride, padding, dilation: int or (h, w) pair
    Returns y, shape (N, C_out, H_out, W_out), dtype np.result_type(x, w), where
        H_out = floor((H + 2*padding - dilation*(kH - 1) - 1) / stride) + 1   (W_out likewise)
    """
    sh, sw = as_pair(stride, "stride")
    ph, pw = as_pair(padding, "padding")
    dh, dw = as_pair(dilation, "dilation")
    ### BEGIN SOLUTION
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"expected x (N, C_in, H, W) and w (C_out, C_in, kH, kW), got {x.shape} and {w.shape}")
    n, c_in, h, wd = x.shape
    c_out, c_in_w, kh, kw = w.shape
    if c_in != c_in_w:
        raise ValueError(f"x has {c_in} channels but the kernels expect {c_in_w}")
    h_out = _size(h, kh, ph, sh, dh)
    w_out = _size(wd, kw, pw, sw, dw)
    xp = _pad(x, (ph, pw))
    y = np.zeros((n, c_out, h_out, w_out), dtype=np.result_type(x, w))
    # One kernel tap (a, beta) at a time: the input pixels it meets form a strided slice of xp.
    for a in range(kh):
        for beta in range(kw):
            rows = slice(a * dh, a * dh + sh * (h_out - 1) + 1, sh)
            cols = slice(beta * dw, beta * dw + sw * (w_out - 1) + 1, sw)
            y += np.einsum("nchw,oc->nohw", xp[:, :, rows, cols], w[:, :, a, beta])
    if b is not None:
        y += np.asarray(b).reshape(1, c_out, 1, 1)
    return y
    ### END SOLUTION

