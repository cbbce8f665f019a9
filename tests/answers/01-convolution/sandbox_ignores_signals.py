# Hostile: the kernel ignores SIGINT, SIGTERM and SIGHUP, refuses the shutdown request, and leaves a
# child in a session of its own that ignores them too. The kernel and the child must still be ended.
# expect-fail: test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# %% [conv2d_forward]
import os, signal, time
print("UID", os.getuid())
for _s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_s, signal.SIG_IGN)
_kernel = get_ipython().kernel


async def _refuse(*args, **kwargs):
    pass


for _handlers in (getattr(_kernel, "control_handlers", {}), getattr(_kernel, "shell_handlers", {})):
    if "shutdown_request" in _handlers:
        _handlers["shutdown_request"] = _refuse
if os.fork() == 0:
    os.setsid()
    while True:
        time.sleep(1)


def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    raise NotImplementedError()
