# Hostile: a double-forked, setsid process that ignores signals outlives its kernel and keeps writing
# files into /tmp, /dev/shm, /var/tmp and /run/lock for the submissions graded after it. It must end
# with its sandbox, and nothing of it may reach the machine or the next submission.
# expect-fail: test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# %% [conv2d_forward]
import os, signal, time
print("UID", os.getuid())
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(_s, signal.SIG_IGN)
        for _i in range(1200):
            for _d in ("/tmp", "/dev/shm", "/var/tmp", "/run/lock"):
                try:
                    with open(f"{_d}/cnn-hostile-detached", "w") as _f:
                        _f.write(str(_i))
                except OSError:
                    pass
            time.sleep(0.5)
        os._exit(0)
    os._exit(0)
time.sleep(1)
print("DETACHED", os.path.exists("/tmp/cnn-hostile-detached"))


def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    raise NotImplementedError()
