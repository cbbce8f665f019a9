"""Run each submission's kernel in a sandbox, and never give marks for a test that did not run.

nbgrader runs a student's code in a Jupyter kernel with the grader's own permissions, so by default
that code can read the hidden tests (`solutions/`), the gradebook and other students' notebooks, use
the network, exhaust memory, or kill the kernel (after which nbgrader used to count the test cells that
never ran as passed). Here the trusted side (nbgrader, its gradebook and this preprocessor) stays in
the grading process, and only the kernel is confined:

- ``SandboxedExecute`` replaces nbgrader's ``Execute`` preprocessor. It starts the notebook's kernel
  through ``python sandbox.py CONNECTION_FILE`` inside ``unshare --net --mount``: a network namespace
  with no interface but loopback, and a mount namespace in which the course folder, the repository,
  the home folder and /tmp are replaced by empty filesystems. Only the Python environment, the helper
  package and the kernel's own runtime folder stay visible (read-only where they are hidden paths).
  The kernel talks to nbgrader over Unix sockets (ZeroMQ ``ipc``), which cross network namespaces.
- The kernel runs as ``nobody`` when grading runs as root (so it cannot touch the grading process),
  with limits on address space (memory), file size, and number of processes.
- After execution, every graded cell that did not run (the kernel died: ``os._exit``, a segfault, the
  memory limit, a timeout) gets an error output, so it earns nothing; the other cells keep their marks.

The sandbox needs ``unshare`` (util-linux) and either root or unprivileged user namespaces. Where
neither works, grading refuses to start unless ``SandboxedExecute.require_sandbox`` is False.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NOBODY = 65534
ENV_HIDE, ENV_KEEP, ENV_MEMORY = "CNN_SANDBOX_HIDE", "CNN_SANDBOX_KEEP", "CNN_SANDBOX_MEMORY_MB"
ENV_BLOCK = "CNN_SANDBOX_BLOCK"
KERNEL_ENV = {"PATH", "PYTHONPATH", "LANG", "LANGUAGE", "TZ", "TERM", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES",
              "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES", "MPLBACKEND", "PYTHONHASHSEED", "PYDEVD_DISABLE_FILE_VALIDATION"}


# ------------------------------------------------------------------------------------------------
# Inside the sandbox: set up the mounts and limits, drop privileges, exec the real kernel.
# ------------------------------------------------------------------------------------------------
def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


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


def kernel_main(connection_file: str) -> None:
    hide = [p for p in os.environ.get(ENV_HIDE, "").split(os.pathsep) if p and os.path.isdir(p)]
    keep = [p for p in os.environ.get(ENV_KEEP, "").split(os.pathsep) if p and os.path.exists(p)]
    memory_mb = int(os.environ.get(ENV_MEMORY, "6144"))
    in_namespace = os.environ.get("CNN_SANDBOX_NS") == "1"

    connection = Path(connection_file).read_text()
    if in_namespace:
        _run("mount", "--make-rprivate", "/")
        # Park the paths to keep, hide whole folders behind empty tmpfs, then put the kept ones back.
        stash = Path(tempfile.mkdtemp(prefix="keep-", dir="/dev/shm" if os.path.isdir("/dev/shm") else "/run"))
        parked = []
        for i, path in enumerate(keep):
            if any(_under(path, h) for h in hide):
                spot = stash / str(i)
                spot.mkdir() if os.path.isdir(path) else spot.touch()
                _run("mount", "--bind", path, str(spot))
                parked.append((path, spot))
        outermost = [h for h in set(hide) if not any(h != o and _under(h, o) for o in hide)]
        for path in sorted(outermost, key=len):
            _run("mount", "-t", "tmpfs", "-o", "size=64m,mode=0755", "tmpfs", path)
        for path, spot in parked:
            os.makedirs(path, exist_ok=True) if spot.is_dir() else (
                os.makedirs(os.path.dirname(path), exist_ok=True), Path(path).touch())
            _run("mount", "--move", str(spot), path)
        block_modules([m for m in os.environ.get(ENV_BLOCK, "").split(os.pathsep) if m])
    work = Path("/tmp/work")
    work.mkdir(parents=True, exist_ok=True)
    conn = work / "connection.json"
    conn.write_text(connection)
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
    if os.geteuid() == 0 and in_namespace:
        for p in (work, conn):
            os.chown(p, NOBODY, NOBODY)
        os.chmod(conn, 0o600)
    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 2**20, 256 * 2**20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.chdir(work)
    if os.geteuid() == 0 and in_namespace:
        resource.setrlimit(resource.RLIMIT_NPROC, (512, 512))
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    os.execve(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", str(conn),
                               "--HistoryManager.hist_file=:memory:"], env)


# ------------------------------------------------------------------------------------------------
# Outside: which unshare works here.
# ------------------------------------------------------------------------------------------------
def unshare_prefix() -> list[str] | None:
    """The unshare command that gives a new network and mount namespace here, or None."""
    if not shutil.which("unshare"):
        return None
    candidates = [["unshare", "--net", "--mount", "--fork", "--kill-child"],
                  ["unshare", "--user", "--map-root-user", "--net", "--mount", "--fork", "--kill-child"]]
    for cmd in candidates:
        probe = subprocess.run([*cmd, "sh", "-c", "mount -t tmpfs tmpfs /mnt 2>/dev/null || mount -t tmpfs tmpfs /tmp"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if probe.returncode == 0:
            return cmd
    return None


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

        def preprocess(self, nb, resources, *args, **kwargs):
            prefix = unshare_prefix()
            if prefix is None and self.require_sandbox:
                raise RuntimeError("cannot sandbox student code here: `unshare --net --mount` is not available "
                                   "(needs util-linux and root or user namespaces)")
            runtime = Path(tempfile.mkdtemp(prefix="cnn-grade-"))
            runtime.chmod(0o777)
            try:
                self._install_kernelspec(runtime, prefix)
                self.kernel_name = "cnn-sandbox"
                self._runtime = runtime
                self._completed: set[int] = set()
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
                shutil.rmtree(runtime, ignore_errors=True)
            self._mark_cells_that_did_not_run(nb, self._completed, resources.get("cnn_kernel_died"))
            self._keep_stderr_from_failing_tests(nb)
            return nb, resources

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
            km.ip = str(self._runtime / "kernel-ipc")
            return km

        def _install_kernelspec(self, runtime: Path, prefix: list[str] | None) -> None:
            spec_dir = runtime / "kernels" / "cnn-sandbox"
            spec_dir.mkdir(parents=True)
            root = Path(self.course_root or os.getcwd()).resolve()
            repo = Path(__file__).resolve().parent.parent
            hide = [str(root), str(repo), os.path.expanduser("~"), "/tmp", *self.hide]
            keep = [sys.prefix, str(runtime)]
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
        def _mark_cells_that_did_not_run(nb, completed: set[int], died: str | None) -> None:
            """A graded cell without an execute reply (the kernel died in it or before it) fails."""
            reason = "the kernel died before this cell finished" + (f" ({died.splitlines()[0]})" if died else "")
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not is_grade(cell):
                    continue
                if index not in completed:
                    cell.setdefault("outputs", []).append(NotebookNode(
                        output_type="error", ename="TestDidNotRun", evalue=reason,
                        traceback=[f"TestDidNotRun: {reason}; it earns no marks."]))

    return SandboxedExecute


if __name__ == "__main__":
    kernel_main(sys.argv[1])
else:
    try:
        SandboxedExecute = _make_preprocessor()
    except ImportError:  # nbgrader not installed: only kernel_main is usable
        pass
