# Hostile: A correct cross_correlate2d whose cell tries to reach a server on the grader's loopback ({{LISTENER_PORT}}, filled in
# by the test) and one on the internet: both are blocked, the marks are unaffected.
# expect-fail:
# %% [cross_correlate2d]
import socket
_status = []
for _addr in [('127.0.0.1', {{LISTENER_PORT}}), ('1.1.1.1', 80)]:
    try:
        socket.create_connection(_addr, timeout=3).close()
        _status.append('reached')
    except OSError as _e:
        _status.append('blocked')
print('NETWORK:', _status)

def cross_correlate2d(image, kernel):
    """'Valid' 2-D cross-correlation of one channel (no padding, stride 1, kernel not flipped).

    image: shape (H, W); kernel: shape (kH, kW).
    Returns y of shape (H - kH + 1, W - kW + 1), y[i, j] = sum(image[i:i+kH, j:j+kW] * kernel).
    """
    ### BEGIN SOLUTION
    image, kernel = np.asarray(image), np.asarray(kernel)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"expected 2-D image and kernel, got shapes {image.shape} and {kernel.shape}")
    kh, kw = kernel.shape
    h_out, w_out = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    if h_out < 1 or w_out < 1:
        raise ValueError(f"kernel {kernel.shape} is larger than image {image.shape}")
    out = np.zeros((h_out, w_out), dtype=np.result_type(image, kernel))
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * image[a:a + h_out, b:b + w_out]
    return out
    ### END SOLUTION

