# Hostile: graded after the others, looks for what they left: files in /tmp, /dev/shm, /var/tmp and
# /run/lock, and processes. It must find an empty sandbox.
# expect-fail: test_cross_correlate2d
# %% [cross_correlate2d]
import os
print("UID", os.getuid())
print("LEFTOVERS:", sorted(f"{d}/{f}" for d in ("/tmp", "/dev/shm", "/var/tmp", "/run/lock") if os.path.isdir(d)
                          for f in os.listdir(d) if f != "work" and not f.startswith("cnn-grade-")))
print("PROCESSES:", sorted(int(p) for p in os.listdir("/proc") if p.isdigit()), "ME", os.getpid())


def cross_correlate2d(image, kernel):
    raise NotImplementedError()
