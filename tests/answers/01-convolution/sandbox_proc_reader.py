# Hostile: while another submission is graded beside it (--jobs 2), looks for that kernel through /proc
# (its environment, command line, memory maps, memory, its connection file through /proc/PID/root),
# then signals every process it can (kill(-1, SIGKILL)). It must find nothing and harm nobody.
# expect-fail: test_cross_correlate2d
# %% [cross_correlate2d]
import os, signal, time
print("UID", os.getuid())
_found, _others, _start = [], set(), time.time()
while time.time() - _start < 20:
    for _pid in [int(p) for p in os.listdir("/proc") if p.isdigit()]:
        if _pid == os.getpid():
            continue
        try:
            with open(f"/proc/{_pid}/cmdline", "rb") as _f:
                if b"ipykernel" in _f.read():
                    _others.add(_pid)
        except OSError:
            pass
        for _what in ("environ", "maps", "mem", "root/tmp/work/connection.json"):
            try:
                with open(f"/proc/{_pid}/{_what}", "rb") as _f:
                    if _f.read(4096):
                        _found.append((_pid, _what))
            except OSError:
                pass
    time.sleep(0.5)
print("SCANNED", _start, time.time())
print("OTHER KERNELS:", sorted(_others))
print("FOUND:", sorted(set(_found)))
try:
    os.kill(-1, signal.SIGKILL)  # every process this user may signal, but itself
except OSError as _e:
    print("kill(-1):", _e)


def cross_correlate2d(image, kernel):
    raise NotImplementedError()
