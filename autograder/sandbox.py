"""Run each submission's kernel in a sandbox, and never give marks for a test that did not run.

nbgrader runs a student's code in a Jupyter kernel with the grader's own permissions, so by default
that code can read the hidden tests (`solutions/`), the gradebook and other students' notebooks, use
the network, exhaust memory, or kill the kernel (after which nbgrader used to count the test cells that
never ran as passed). Here the trusted side (nbgrader, its gradebook and this preprocessor) stays in
the grading process, and only the kernel is confined:

- ``SandboxedExecute`` replaces nbgrader's ``Execute`` preprocessor. It starts the notebook's kernel
  through ``python sandbox.py CONNECTION_FILE`` inside ``unshare --net --mount --ipc --pid --mount-proc``:
  a network namespace with no interface but loopback, an IPC namespace, a PID namespace whose /proc
  shows only the submission's own processes, and a mount namespace in which the course folder, the
  repository and the home folder are replaced by empty filesystems, /tmp, /dev/shm, /var/tmp and
  /run/lock by empty private ones, and everything else is read-only. Only the Python environment,
  the helper package and the folder of the kernel's sockets stay visible. The kernel talks to nbgrader
  over Unix sockets (ZeroMQ ``ipc``), which cross network namespaces.
- ``sandbox.py`` stays as the namespace's init (PID 1, root): it forks the kernel with a user id of its
  own (``allocate_uid``: 200000 and up, when grading runs as root; without root a nested user namespace
  in which the kernel is an unprivileged user), limits on address space, file size and processes
  (RLIMIT_NPROC, per user id, so per submission), and ``no_new_privs``; it passes the grader's
  interrupts on, and exits when the kernel exits, which ends every other process of the sandbox.
  After the notebook, no process of the sandbox's user may remain (``end_processes``).
- A watchdog ends the sandbox when the whole notebook runs past ``notebook_timeout``; output beyond
  ``output_cell_kb`` per cell and ``output_notebook_kb`` per notebook is dropped with a notice.
- After execution, every graded cell that did not run (the kernel died: ``os._exit``, a segfault, the
  memory limit, a timeout, the notebook's time limit) gets an error output, so it earns nothing; the
  other cells keep their marks.

The sandbox needs ``unshare`` (util-linux) and either root or unprivileged user namespaces. Where
neither works, grading refuses to start unless ``SandboxedExecute.require_sandbox`` is False.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

NOBODY = 65534
ENV_HIDE, ENV_KEEP, ENV_MEMORY = "CNN_SANDBOX_HIDE", "CNN_SANDBOX_KEEP", "CNN_SANDBOX_MEMORY_MB"
ENV_UID, ENV_NPROC, ENV_WRITABLE = "CNN_SANDBOX_UID", "CNN_SANDBOX_NPROC", "CNN_SANDBOX_WRITABLE"
ENV_BLOCK = "CNN_SANDBOX_BLOCK"
KERNEL_ENV = {"PATH", "PYTHONPATH", "LANG", "LANGUAGE", "TZ", "TERM", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES",
              "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES", "MPLBACKEND", "PYTHONHASHSEED",
              "PYDEVD_DISABLE_FILE_VALIDATION"}
# Folders every user may write to: each sandbox gets empty ones of its own (tmpfs), gone with it.
PRIVATE_DIRS = ["/tmp", "/dev/shm", "/var/tmp", "/run/lock"]
PRIVATE_MB = {"/tmp": 1024}  # size of each private tmpfs (its pages count as the machine's memory); others 64
# Pseudo-filesystems left as they are when the rest of the tree is made read-only.
_LIVE_FS = {"proc", "sysfs", "devtmpfs", "devpts", "mqueue", "cgroup", "cgroup2", "securityfs", "debugfs",
            "tracefs", "bpf", "pstore", "configfs", "fusectl", "hugetlbfs", "binfmt_misc", "autofs", "efivarfs"}
UID_BASE = int(os.environ.get("CNN_SANDBOX_UID_BASE", "200000"))
UID_COUNT = int(os.environ.get("CNN_SANDBOX_UID_COUNT", "10000"))
UID_LOCKS = os.environ.get("CNN_SANDBOX_UID_LOCKS", "/run/cnn-sandbox-uids")
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 4, 38
CLONE_NEWNS, CLONE_NEWUSER = 0x00020000, 0x10000000


# ------------------------------------------------------------------------------------------------
# Inside the sandbox: set up the mounts, then stay as the sandbox's init (PID 1) while the kernel runs
# as a child with its own user id and limits.
# ------------------------------------------------------------------------------------------------
def _run(*cmd: str, check: bool = True) -> bool:
    return subprocess.run(cmd, check=check, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL if not check else None).returncode == 0


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _libc():
    import ctypes
    return ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> None:
    _libc().prctl(option, value, 0, 0, 0)


def _mounts() -> list[tuple[str, str, list[str]]]:
    """(mount point, filesystem type, per-mount options) of every mount this process sees."""
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        sep = fields.index("-")
        point = fields[4].encode().decode("unicode_escape")  # \040 for a space, as mountinfo writes it
        out.append((point, fields[sep + 1], fields[5].split(",")))
    return out


def _seal_mounts(hide: list[str], keep: list[str], private: list[str], writable: list[str]) -> None:
    """Build the sandbox's view of the filesystem (run as root in the new mount namespace)."""
    _run("mount", "--make-rprivate", "/")
    # Park the paths to keep in a scratch tmpfs, hide whole folders behind empty ones, put the kept
    # paths back, then drop the scratch tmpfs: nothing is written to the grader's disk.
    scratch = "/dev/shm" if os.path.isdir("/dev/shm") else "/mnt"
    _run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", scratch)
    parked = []
    for i, path in enumerate(keep):
        if any(_under(path, h) for h in hide + private):
            spot = Path(scratch) / str(i)
            spot.mkdir() if os.path.isdir(path) else spot.touch()
            _run("mount", "--bind", path, str(spot))
            parked.append((path, spot))
    covers = set(hide) | set(private)
    outermost = [h for h in covers if not any(h != o and _under(h, o) for o in covers)]
    for path in sorted(outermost, key=len):
        if path == scratch:
            continue
        if path in private:
            size = PRIVATE_MB.get(path, 64)
            _run("mount", "-t", "tmpfs", "-o", f"size={size}m,mode=1777,nosuid,nodev", "tmpfs", path)
        else:
            _run("mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "tmpfs", path)
    for path, spot in parked:
        os.makedirs(path, exist_ok=True) if spot.is_dir() else (
            os.makedirs(os.path.dirname(path), exist_ok=True), Path(path).touch())
        _run("mount", "--move", str(spot), path)
    _run("umount", scratch)
    if scratch in private:
        _run("mount", "-t", "tmpfs", "-o", f"size={PRIVATE_MB.get(scratch, 64)}m,mode=1777,nosuid,nodev",
             "tmpfs", scratch)
    # Everything else read-only (in this namespace only): a world-writable folder of the grader's
    # machine that no list names cannot carry files from one submission to the next either.
    for point, fstype, options in reversed(_mounts()):
        if fstype in _LIVE_FS or any(_under(point, w) for w in private + writable):
            continue
        flags = [o for o in options if o not in ("rw", "ro")]
        _run("mount", "-o", ",".join(["remount", "bind", "ro", *flags]), point, check=False)


def block_modules(names: list[str]) -> None:
    """Hide the packages NAMES from the kernel (in its mount namespace, as root there): each package's
    folder is covered by a read-only tmpfs holding only an ``__init__.py`` that raises ImportError, so
    no import of any kind (a thread, ``importlib``, a path) finds the real files. A NumPy-only
    exercise is then NumPy-only because nothing else is there (autograder/checker.py)."""
    import importlib.util
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        for folder in (spec.submodule_search_locations or []) if spec else []:
            if not os.path.isdir(folder):
                continue
            _run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", folder)
            Path(folder, "__init__.py").write_text(
                f"raise ImportError({name + ' is not available in this exercise (NumPy only)'!r})\n")
            _run("mount", "-o", "remount,ro", folder)
        for extra in Path(spec.origin).parent.parent.glob(f"{name}.libs") if spec and spec.origin else ():
            _run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0755,ro", "tmpfs", str(extra))


def _own_user_namespace() -> None:
    """Without root, the kernel's user id is the grader's, mapped to root in the sandbox's user
    namespace: give the kernel a nested user namespace and mount namespace in which it is an ordinary
    user (1000) without capabilities, and the mounts made above are locked (cannot be undone)."""
    import ctypes
    outer_uid, outer_gid = os.geteuid(), os.getegid()  # unmapped (65534) once in the new namespace
    if _libc().unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER | CLONE_NEWNS) failed")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"1000 {outer_uid} 1")
    Path("/proc/self/gid_map").write_text(f"1000 {outer_gid} 1")


def _start_kernel(argv: list[str], env: dict[str, str], uid: int | None, memory_mb: int, nproc: int) -> None:
    """In the forked child: limits, own process group, the submission's user, then exec the kernel."""
    os.setpgid(0, 0)  # the grader's interrupts reach the kernel through init, whatever the kernel does
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 2**20, 256 * 2**20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # RLIMIT_NPROC counts the processes (and threads) of the real user id: with a user id of its own
    # the submission has this many, whatever the others do.
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    else:
        _own_user_namespace()
    _prctl(PR_SET_NO_NEW_PRIVS, 1)  # no set-user-id programs (su, mount) either
    os.execve(argv[0], argv, env)


def _init(argv: list[str], env: dict[str, str], uid: int | None, memory_mb: int, nproc: int) -> None:
    """The sandbox's init: fork the kernel, pass it the grader's interrupts, reap orphans, and exit
    when the kernel exits. As PID 1 of the sandbox's PID namespace, its exit kills every process left
    in it (double-forked, setsid, ignoring signals: SIGKILL from the kernel)."""
    _prctl(PR_SET_DUMPABLE, 0)  # nothing of init's memory or environment through /proc
    kernel = os.fork()
    if kernel == 0:
        try:
            _start_kernel(argv, env, uid, memory_mb, nproc)
        except BaseException:
            import traceback
            traceback.print_exc()  # to the grader's log
        os._exit(127)
    os.environ.clear()

    def forward(signum, frame):
        try:
            os.kill(kernel, signum)
        except ProcessLookupError:
            pass

    def end(signum, frame):
        os.kill(kernel, signal.SIGKILL)
        os._exit(128 + signum)

    signal.signal(signal.SIGINT, forward)  # jupyter_client's interrupt (sent to unshare's process group)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, end)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(1)
        if pid == kernel:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def kernel_main(connection_file: str) -> None:
    hide = [p for p in os.environ.get(ENV_HIDE, "").split(os.pathsep) if p and os.path.isdir(p)]
    keep = [p for p in os.environ.get(ENV_KEEP, "").split(os.pathsep) if p and os.path.exists(p)]
    memory_mb = int(os.environ.get(ENV_MEMORY, "6144"))
    nproc = int(os.environ.get(ENV_NPROC, "512"))
    in_namespace = os.environ.get("CNN_SANDBOX_NS") == "1"
    uid = int(os.environ[ENV_UID]) if os.environ.get(ENV_UID) and in_namespace else None

    connection = Path(connection_file).read_text()
    writable = [p for p in os.environ.get(ENV_WRITABLE, "").split(os.pathsep) if p]  # the kernel's IPC folder
    private = [p for p in PRIVATE_DIRS if os.path.isdir(p) and not os.path.islink(p)]
    if in_namespace:
        _seal_mounts(hide, keep, private, writable)
        block_modules([m for m in os.environ.get(ENV_BLOCK, "").split(os.pathsep) if m])
    work = Path("/tmp/work")
    work.mkdir(parents=True, exist_ok=True)
    conn = work / "connection.json"
    conn.write_text(connection)
    del connection
    # Only an allow-list of the grader's environment reaches student code: no tokens or passwords, and
    # no paths that only the grader can write (torch, once imported by the grader, exports its cache
    # folder /tmp/torchinductor_root as TORCHINDUCTOR_CACHE_DIR; a kernel running as nobody would
    # fail on it in the first `torch.optim` step).
    env = {k: v for k, v in os.environ.items() if k in KERNEL_ENV or k.startswith(("LC_", "OMP_", "MKL_"))}
    env.update(HOME=str(work), MPLCONFIGDIR=str(work / ".mpl"), TMPDIR=str(work), PYTHONNOUSERSITE="1",
               JUPYTER_RUNTIME_DIR=str(work / ".runtime"))
    # OpenMP threads (torch, BLAS) that wait for work by spinning take the cores that the Python code
    # between small operations needs, the more so with several kernels at once and the guard's restore
    # points (guard.py): exercise 01's hidden loop ran 3-4x slower. Idle threads sleep instead.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if uid is not None:
        for p in (work, conn):
            os.chown(p, uid, uid)
        os.chmod(conn, 0o600)
    os.chdir(work)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", str(conn), "--HistoryManager.hist_file=:memory:"]
    if not in_namespace:  # no sandbox (require_sandbox off): the old behaviour, the kernel in place
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 2**20, 256 * 2**20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.execve(sys.executable, argv, env)
    _init(argv, env, uid, memory_mb, nproc)


# ------------------------------------------------------------------------------------------------
# Outside: which unshare works here, and a user id of its own for each sandbox.
# ------------------------------------------------------------------------------------------------
def unshare_prefix() -> list[str] | None:
    """The unshare command that gives new network, mount, IPC and PID namespaces here, or None."""
    if not shutil.which("unshare"):
        return None
    sealed = ["--net", "--mount", "--ipc", "--pid", "--mount-proc", "--fork", "--kill-child"]
    candidates = [["unshare", *sealed], ["unshare", "--user", "--map-root-user", *sealed]]
    if os.environ.get("CNN_SANDBOX_USERNS") == "1":  # the sandbox a grader without root gets, even as root
        candidates = candidates[1:]
    for cmd in candidates:
        if os.geteuid() != 0 and "--user" not in cmd:
            continue
        probe = subprocess.run([*cmd, "sh", "-c", "mount -t tmpfs tmpfs /mnt 2>/dev/null || mount -t tmpfs tmpfs /tmp"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if probe.returncode == 0:
            return cmd
    return None


def processes_of(uid: int) -> list[int]:
    """The PIDs of every process (zombies too) whose real user id is ``uid``."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                    if line.startswith("Uid:"):
                        if int(line.split()[1]) == uid:
                            pids.append(int(entry))
                        break
            except (OSError, ValueError):
                pass
    return pids


def end_processes(uid: int, wait: float = 10.0) -> list[int]:
    """SIGKILL every process of ``uid`` until none is left (or ``wait`` s passed); returns survivors."""
    deadline = time.monotonic() + wait
    while (pids := processes_of(uid)) and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    return processes_of(uid)


def allocate_uid(base: int = UID_BASE, count: int = UID_COUNT, locks: str = UID_LOCKS) -> tuple[int, int]:
    """A user id of the range [base, base + count) that no live sandbox holds and no process has.

    Returns ``(uid, fd)``: the id stays taken while ``fd`` (an flock on LOCKS/UID.lock) is open, so
    concurrent graders (``--jobs N``, or several courses) never share one; the lock goes with the
    process that holds it, even when it crashes. Ids are handed out in turn (LOCKS/next), so one is
    used again only after ``count`` other sandboxes.
    """
    import fcntl
    os.makedirs(locks, mode=0o700, exist_ok=True)
    with open(os.path.join(locks, "next"), "a+") as counter:
        fcntl.flock(counter, fcntl.LOCK_EX)
        counter.seek(0)
        text = counter.read().strip()
        start = int(text) % count if text.isdigit() else 0
        for k in range(count):
            i = (start + k) % count
            fd = os.open(os.path.join(locks, f"{base + i}.lock"), os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            if processes_of(base + i):  # left over from a grader that was killed: never shared
                os.close(fd)
                continue
            counter.seek(0)
            counter.truncate()
            counter.write(str((i + 1) % count))
            return base + i, fd
    raise RuntimeError(f"no free sandbox user id in [{base}, {base + count})")


# ------------------------------------------------------------------------------------------------
# The nbgrader preprocessor.
# ------------------------------------------------------------------------------------------------
def _make_preprocessor():
    from nbclient.exceptions import DeadKernelError
    from nbformat import NotebookNode
    from nbgrader.preprocessors import Execute
    from nbgrader.utils import is_grade
    from traitlets import Bool, Integer, List, Unicode

    class SandboxedExecute(Execute):
        """nbgrader's Execute, with the kernel confined (see this module's docstring)."""

        memory_mb = Integer(6144, help="address-space limit of a student's kernel, in MiB").tag(config=True)
        require_sandbox = Bool(True, help="refuse to grade when no sandbox can be made").tag(config=True)
        hide = List(Unicode(), help="extra folders to hide from student code").tag(config=True)
        course_root = Unicode("", help="the course folder (solutions, gradebook): hidden").tag(config=True)
        blocked_modules = List(Unicode(), help="packages the kernel cannot import (hidden in its mount namespace)"
                               ).tag(config=True)

        notebook_timeout = Integer(1800, help="seconds the whole notebook may run, kernel start included; "
                                   "the graded cells not run by then earn nothing").tag(config=True)
        max_processes = Integer(512, help="processes and threads of one submission (RLIMIT_NPROC of its "
                                "own user id)").tag(config=True)
        output_cell_kb = Integer(512, help="KiB of output kept per cell; the rest is dropped, with a "
                                 "notice").tag(config=True)
        output_notebook_kb = Integer(2048, help="KiB of output kept per notebook").tag(config=True)

        def preprocess(self, nb, resources, *args, **kwargs):
            prefix = unshare_prefix()
            if prefix is None and self.require_sandbox:
                raise RuntimeError("cannot sandbox student code here: `unshare --net --mount --pid` is not "
                                   "available (needs util-linux and root or user namespaces)")
            # A user id of its own (as root): no other submission's processes can be seen, read,
            # traced or signalled, and the process limit is its own. Held until every process is gone.
            uid, uid_lock = allocate_uid() if prefix and os.geteuid() == 0 and "--user" not in prefix else (None, None)
            runtime = Path(tempfile.mkdtemp(prefix="cnn-grade-"))
            runtime.chmod(0o711)
            (runtime / "ipc").mkdir(mode=0o700)
            if uid is not None:
                os.chown(runtime / "ipc", uid, uid)
            else:
                (runtime / "ipc").chmod(0o777 if prefix is None else 0o700)
            self._sandbox_uid = uid
            self._out_of_time = False
            self._output_kept: dict[int, int] = {}
            self._output_dropped: dict[int, int] = {}
            watchdog = threading.Timer(self.notebook_timeout, self._notebook_out_of_time)
            watchdog.daemon = True
            try:
                self._install_kernelspec(runtime, prefix)
                self.kernel_name = "cnn-sandbox"
                self._runtime = runtime
                self._completed: set[int] = set()
                watchdog.start()
                try:
                    nb, resources = super().preprocess(nb, resources, *args, **kwargs)
                except DeadKernelError as err:
                    self.log.warning("the kernel died: %s", err)
                    resources.setdefault("cnn_kernel_died", str(err))
                except RuntimeError as err:
                    if "Kernel died" not in str(err) and "Kernel didn't respond" not in str(err):
                        raise
                    self.log.warning("the kernel died: %s", err)
                    resources.setdefault("cnn_kernel_died", str(err))
            finally:
                watchdog.cancel()
                if uid is not None:
                    left = end_processes(uid)
                    if left:
                        self.log.error("processes of sandbox user %d survived: %s", uid, left)
                    else:
                        os.close(uid_lock)  # the id is free again only when nothing of it runs
                shutil.rmtree(runtime, ignore_errors=True)
            reason = None
            if self._out_of_time:
                reason = (f"the notebook ran past its time limit of {self.notebook_timeout} s "
                          "(CNN_GRADE_NOTEBOOK_TIMEOUT) and was stopped")
            self._cap_outputs(nb)
            self._mark_cells_that_did_not_run(nb, self._completed, resources.get("cnn_kernel_died"), reason)
            self._keep_stderr_from_failing_tests(nb)
            return nb, resources

        def _notebook_out_of_time(self) -> None:
            """The watchdog: the whole notebook took too long (slow cells, timeouts the kernel ignored,
            pre-run hooks that stall). End the sandbox; the cells not run earn nothing."""
            self._out_of_time = True
            self.log.error("the notebook ran past its time limit of %d s: ending its kernel", self.notebook_timeout)
            km = self.km
            process = getattr(getattr(km, "provisioner", None), "process", None)
            if process is not None and process.poll() is None:
                process.kill()  # unshare --kill-child: the sandbox's init and all in it go too
            if self._sandbox_uid is not None:
                end_processes(self._sandbox_uid, wait=2.0)

        async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
            if self._out_of_time:
                raise DeadKernelError("the notebook ran out of time")
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

        # -- output caps ---------------------------------------------------------------------------
        def output(self, outs, msg, display_id, cell_index):
            """Keep at most output_cell_kb per cell and output_notebook_kb per notebook, as the output
            arrives (so that a flood never piles up in the grader): a stream is cut where the budget
            ends, an image or other display that does not fit is dropped, an error is always kept
            (a failing test must stay failed) but shortened."""
            if self.clear_before_next_output:
                self._output_kept[cell_index] = 0
            content = msg.get("content", {})
            kind = msg.get("msg_type")
            left = min(self.output_cell_kb * 1024 - self._output_kept.get(cell_index, 0),
                       self.output_notebook_kb * 1024 - sum(self._output_kept.values()))
            if kind == "error":
                content.update(_short_error(content))
                size = _output_size(content)
            elif kind == "stream":
                raw = str(content.get("text", "")).encode("utf-8", "replace")
                size = min(len(raw), max(left, 0))
                if size < len(raw):
                    self._output_dropped[cell_index] = self._output_dropped.get(cell_index, 0) + len(raw) - size
                    if size == 0:
                        return None
                    content["text"] = raw[:size].decode("utf-8", "ignore")
            elif kind in ("display_data", "execute_result"):
                size = _output_size(content)
                if size > left:
                    self._output_dropped[cell_index] = self._output_dropped.get(cell_index, 0) + size
                    return None
            else:
                size = 0
            self._output_kept[cell_index] = self._output_kept.get(cell_index, 0) + size
            return super().output(outs, msg, display_id, cell_index)

        def clear_output(self, outs, msg, cell_index):
            super().clear_output(outs, msg, cell_index)
            if not msg.get("content", {}).get("wait"):
                self._output_kept[cell_index] = 0

        def _cap_outputs(self, nb) -> None:
            """The same caps over the finished notebook (outputs replaced through display ids, errors
            taken from execute replies), then a notice in each cell that lost output."""
            used_nb = 0
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                used, kept = 0, []
                dropped = self._output_dropped.get(index, 0)
                for out in cell.get("outputs", []):
                    left = min(self.output_cell_kb * 1024 - used, self.output_notebook_kb * 1024 - used_nb)
                    if out.get("output_type") == "error":
                        out.update(_short_error(out))
                        size = _output_size(out)
                    elif out.get("output_type") == "stream":
                        raw = str(out.get("text", "")).encode("utf-8", "replace")
                        size = min(len(raw), max(left, 0))
                        if size < len(raw):
                            dropped += len(raw) - size
                            if size == 0:
                                continue
                            out["text"] = raw[:size].decode("utf-8", "ignore")
                    else:
                        size = _output_size(out)
                        if size > left:
                            dropped += size
                            continue
                    used += size
                    used_nb += size
                    kept.append(out)
                if dropped:
                    kept.append(NotebookNode(output_type="stream", name="stdout", text=(
                        f"\n[grader: {_human(dropped)} of output dropped from this cell; at most "
                        f"{self.output_cell_kb} KiB per cell and {self.output_notebook_kb} KiB per notebook are kept "
                        "(CNN_GRADE_OUTPUT_CELL_KB, CNN_GRADE_OUTPUT_NOTEBOOK_KB)]\n")))
                if "outputs" in cell:
                    cell.outputs = kept

        def on_cell_executed(self, **kwargs):
            super().on_cell_executed(**kwargs)
            self._completed.add(kwargs["cell_index"])  # the kernel replied: the cell ran to its end
            # A cell whose reply says it failed fails, even if student code stopped the kernel from
            # showing the error (get_ipython().showtraceback replaced): nbgrader looks only at outputs.
            content = (kwargs.get("execute_reply") or {}).get("content", {})
            cell = kwargs["cell"]
            if content.get("status") == "error" and not any(
                    o.get("output_type") == "error" for o in cell.get("outputs", [])):
                ename, evalue = str(content.get("ename", "Error")), str(content.get("evalue", ""))
                cell.setdefault("outputs", []).append(NotebookNode(
                    output_type="error", ename=ename, evalue=evalue,
                    traceback=[f"{ename}: {evalue} (the kernel reported this error without showing it)"]))

        def create_kernel_manager(self):
            km = super().create_kernel_manager()
            km.transport = "ipc"
            km.ip = str(self._runtime / "ipc" / "kernel")
            return km

        def _install_kernelspec(self, runtime: Path, prefix: list[str] | None) -> None:
            spec_dir = runtime / "kernels" / "cnn-sandbox"
            spec_dir.mkdir(parents=True)
            root = Path(self.course_root or os.getcwd()).resolve()
            repo = Path(__file__).resolve().parent.parent
            hide = [str(root), str(repo), os.path.expanduser("~"), "/tmp", *self.hide]
            keep = [sys.prefix, str(runtime / "ipc")]
            try:
                import cnncourse
                package = Path(cnncourse.__file__).resolve().parent
                keep.append(str(package))
                hide.append(str(package.parent.parent))  # an editable install's checkout
            except ImportError:
                pass
            hide.append(str(Path(sys.prefix).resolve().parent))  # a checkout holding the environment
            # hide only folders that look like a checkout of the course, never a system folder
            hide = [h for h in hide if h in (str(root), str(repo), os.path.expanduser("~"), "/tmp", *self.hide)
                    or (Path(h) / "solutions").is_dir() or (Path(h) / ".git").exists()]
            # the interpreter of the environment may be a link to a base Python under a hidden folder
            keep.append(str(Path(sys.executable).resolve().parent.parent))
            argv = [*(prefix or []), sys.executable, str(Path(__file__).resolve()), "{connection_file}"]
            spec = {"argv": argv, "display_name": "Python 3 (sandboxed)", "language": "python",
                    "env": {ENV_HIDE: os.pathsep.join(hide), ENV_KEEP: os.pathsep.join(keep),
                            ENV_MEMORY: str(self.memory_mb), "CNN_SANDBOX_NS": "1" if prefix else "0",
                            ENV_UID: "" if getattr(self, "_sandbox_uid", None) is None else str(self._sandbox_uid),
                            ENV_NPROC: str(self.max_processes), ENV_WRITABLE: str(runtime / "ipc"),
                            ENV_BLOCK: os.pathsep.join(self.blocked_modules)}}
            (spec_dir / "kernel.json").write_text(json.dumps(spec))
            os.environ["JUPYTER_PATH"] = os.pathsep.join([str(runtime), os.environ.get("JUPYTER_PATH", "")])
            # the sandbox script must be readable where the kernel starts (before the mounts)
            shutil.copy2(__file__, runtime / "sandbox.py")

        @staticmethod
        def _keep_stderr_from_failing_tests(nb) -> None:
            """nbgrader fails a graded cell that wrote to stderr; a warning from correct code (a NumPy
            RuntimeWarning, a deprecation notice, a progress bar) must not cost marks. Such output stays
            visible, moved to stdout and marked as stderr; only errors fail a test."""
            for cell in nb.cells:
                if cell.cell_type != "code" or not is_grade(cell):
                    continue
                for output in cell.get("outputs", []):
                    if output.get("output_type") == "stream" and output.get("name") == "stderr":
                        output["name"] = "stdout"
                        output["text"] = "".join(f"[stderr] {line}" for line in output["text"].splitlines(True))

        @staticmethod
        def _mark_cells_that_did_not_run(nb, completed: set[int], died: str | None, reason: str | None = None) -> None:
            """A graded cell without an execute reply (the kernel died in it or before it) fails."""
            if not reason:
                reason = "the kernel died before this cell finished" + (f" ({died.splitlines()[0]})" if died else "")
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not is_grade(cell):
                    continue
                if index not in completed:
                    cell.setdefault("outputs", []).append(NotebookNode(
                        output_type="error", ename="TestDidNotRun", evalue=reason,
                        traceback=[f"TestDidNotRun: {reason}; it earns no marks."]))

    return SandboxedExecute


def _output_size(output) -> int:
    """Bytes an output takes in the notebook (its text, its data: base64 for images, its traceback)."""
    size = 0
    for key in ("text", "ename", "evalue"):
        size += len(str(output.get(key, "")).encode("utf-8", "replace"))
    size += sum(len(str(line).encode("utf-8", "replace")) for line in output.get("traceback", []) or [])
    for value in (output.get("data") or {}).values():
        size += len(value.encode("utf-8", "replace")) if isinstance(value, str) else len(json.dumps(value))
    return size


def _short_error(error, text: int = 2000, lines: int = 40) -> dict:
    """An error output's name, message and traceback cut to a few KiB (the last lines kept)."""
    def cut(value) -> str:
        value = str(value)
        return value if len(value) <= text else value[:text] + f"... [{_human(len(value) - text)} more]"
    traceback = [cut(line) for line in (error.get("traceback") or [])]
    if len(traceback) > lines:
        traceback = [f"[{len(traceback) - lines} traceback lines dropped]"] + traceback[-lines:]
    return {"ename": cut(error.get("ename", ""))[:200], "evalue": cut(error.get("evalue", "")), "traceback": traceback}


def _human(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} bytes"


if __name__ == "__main__":
    kernel_main(sys.argv[1])
else:
    try:
        SandboxedExecute = _make_preprocessor()
    except ImportError:  # nbgrader not installed: only kernel_main is usable
        pass
