"""One sealed sandbox per submission (autograder/sandbox.py): each kernel runs with a user id of its
own, in PID, mount, IPC and network namespaces of its own, with private /tmp, /dev/shm, /var/tmp and
/run/lock, a process limit, a time limit for the whole notebook and caps on the output it keeps.

The first tests run small notebooks through ``SandboxedExecute`` itself (real kernels in real
namespaces); the batch at the end grades hostile submissions (tests/answers/01-convolution/sandbox_*.py)
with nbgrader and ``--jobs 2`` beside correct ones, which must keep full marks.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import pytest

import steps
from grading import (REPO, Course, answers, make_course, scores_from_json, scores_to_json,
                     solution_sources, submit)

import sandbox  # noqa: E402  (autograder/, put on sys.path by grading)

pytestmark = pytest.mark.slow
A = "01-convolution"
ROOT = os.geteuid() == 0


@pytest.fixture(scope="module", autouse=True)
def needs_a_sandbox():
    if sandbox.unshare_prefix() is None:
        pytest.skip("no sandbox here: `unshare --net --mount --pid` needs root or user namespaces")


def run(cells: list[str], graded: tuple[int, ...] = (), **traits):
    """Execute CELLS in a sandboxed kernel; cells whose index is in GRADED are 1-point test cells.
    Returns (notebook, resources, seconds)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i in graded:
        nb.cells[i].metadata["nbgrader"] = {"grade": True, "grade_id": f"test_{i}", "points": 1, "locked": True,
                                            "solution": False, "schema_version": 3, "task": False}
    traits.setdefault("timeout", 30)
    traits.setdefault("raise_on_iopub_timeout", False)  # as nbgrader_config.py sets it
    start = time.monotonic()
    nb, resources = sandbox.SandboxedExecute(**traits).preprocess(nb, {})
    return nb, resources, time.monotonic() - start


def text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def errors(cell) -> list[str]:
    return [o.ename for o in cell.outputs if o.get("output_type") == "error"]


def uid_of(nb) -> int:
    return int(re.search(r"UID (\d+)", text(nb.cells[0])).group(1))


UID_CELL = "import os\nprint('UID', os.getuid())"


# ------------------------------------------------------------------------------------------------
# Processes: a user id and a PID namespace of its own, and nothing left afterwards.
# ------------------------------------------------------------------------------------------------
def test_the_kernel_sees_only_its_own_processes_and_not_init_s_memory():
    nb, _, _ = run([UID_CELL,
                    "procs = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())\n"
                    "print('PROCS', procs, 'ME', os.getpid())\n"
                    "for what in ('environ', 'mem', 'maps', 'cmdline'):\n"
                    "    try:\n"
                    "        with open(f'/proc/1/{what}', 'rb') as f: data = f.read(4096)\n"
                    "        print('READ', what, len(data))\n"
                    "    except OSError as e:\n"
                    "        print('DENIED', what)\n"
                    "try:\n"
                    "    os.kill(1, 9); print('KILLED INIT')\n"
                    "except OSError:\n"
                    "    print('CANNOT SIGNAL INIT')\n"])
    out = text(nb.cells[1])
    procs = [int(p) for p in re.search(r"PROCS \[([\d, ]*)\]", out).group(1).split(",")]
    me = int(re.search(r"ME (\d+)", out).group(1))
    assert procs == sorted({1, me}), out  # the sandbox's init and the kernel, nothing of the machine
    assert "DENIED environ" in out and "DENIED mem" in out and "DENIED maps" in out, out
    assert "KILLED INIT" not in out
    if ROOT:
        assert sandbox.UID_BASE <= uid_of(nb) < sandbox.UID_BASE + sandbox.UID_COUNT


@pytest.mark.skipif(not ROOT, reason="user ids of their own need root")
def test_each_sandbox_gets_a_user_id_no_live_process_has():
    locks = Path(f"/run/cnn-test-{uuid.uuid4().hex[:8]}")
    held = []
    try:
        base = 300000 + os.getpid() % 1000 * 10
        held.append(sandbox.allocate_uid(base, 5, str(locks)))
        held.append(sandbox.allocate_uid(base, 5, str(locks)))
        assert held[0][0] != held[1][0]  # both held at once: two different ids
        # a process that still runs with the next id in turn: that id is skipped
        busy = held[1][0] + 1
        import subprocess
        sleeper = subprocess.Popen(["sleep", "30"], user=busy, group=busy)
        try:
            uid, fd = sandbox.allocate_uid(base, 5, str(locks))
            held.append((uid, fd))
            assert uid not in (held[0][0], held[1][0], busy)
        finally:
            sleeper.kill()
            sleeper.wait()
        os.close(held.pop(0)[1])  # released: in turn, ids come back only after the others
    finally:
        for _, fd in held:
            os.close(fd)
        import shutil
        shutil.rmtree(locks, ignore_errors=True)


DETACH = (
    "import os, time\n"
    "marker = {marker!r}\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    if os.fork() == 0:\n"
    "        import signal\n"
    "        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n"
    "            signal.signal(s, signal.SIG_IGN)\n"
    "        for i in range(600):\n"
    "            for d in ('/tmp', '/dev/shm', '/var/tmp', '/run/lock'):\n"
    "                try:\n"
    "                    open(f'{{d}}/{{marker}}', 'w').write(str(i))\n"
    "                except OSError:\n"
    "                    pass\n"
    "            time.sleep({pause})\n"
    "        os._exit(0)\n"
    "    os._exit(0)\n"
    "time.sleep(0.5)\n"
    "print('DETACHED', sorted(os.listdir('/tmp')))\n"
)


def test_a_detached_process_ends_with_the_notebook_and_leaves_nothing_behind():
    marker = f"cnn-detached-{uuid.uuid4().hex[:8]}"
    before = set(os.listdir("/dev/shm"))
    nb, resources, _ = run([UID_CELL, DETACH.format(marker=marker, pause=0.2)])
    assert marker in text(nb.cells[1])  # it ran and wrote into its private /tmp
    if ROOT:
        assert sandbox.processes_of(uid_of(nb)) == []
    time.sleep(1.0)
    for d in ("/tmp", "/dev/shm", "/var/tmp", "/run/lock"):
        assert not os.path.exists(f"{d}/{marker}"), f"{d}/{marker} reached the grader's machine"
    assert set(os.listdir("/dev/shm")) <= before  # no scratch folders left
    assert not any(p.startswith("cnn-grade-") and marker in p for p in os.listdir("/tmp"))
    # the next sandbox starts with empty folders
    nb2, _, _ = run(["import os\nprint('SEEN', [f for d in ('/tmp', '/dev/shm', '/var/tmp', '/run/lock') "
                     "for f in os.listdir(d) if 'cnn-detached' in f])"])
    assert "SEEN []" in text(nb2.cells[0])


def test_the_runtime_folder_is_removed_and_the_machine_is_read_only():
    import tempfile
    open_dir = Path(tempfile.mkdtemp(prefix="cnn-world-", dir="/var/lib" if os.access("/var/lib", os.W_OK) else None))
    open_dir.chmod(0o1777)  # a world-writable folder that no list of the sandbox names
    try:
        before = {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("cnn-grade-")}
        nb, _, _ = run([f"try:\n    open({str(open_dir / 'planted')!r}, 'w').write('x'); print('WROTE')\n"
                        "except OSError as e:\n    print('REFUSED', e)"])
        after = {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("cnn-grade-")}
        assert after <= before
        if not str(open_dir).startswith("/tmp"):
            assert "REFUSED" in text(nb.cells[0]) and not (open_dir / "planted").exists()
    finally:
        import shutil
        shutil.rmtree(open_dir, ignore_errors=True)


def test_a_process_limit_of_its_own():
    nb, _, _ = run([UID_CELL,
                    "import os, time\n"
                    "children = 0\n"
                    "try:\n"
                    "    for _ in range(1000):\n"
                    "        pid = os.fork()\n"
                    "        if pid == 0:\n"
                    "            time.sleep(600); os._exit(0)\n"
                    "        children += 1\n"
                    "except OSError as e:\n"
                    "    print('LIMIT', type(e).__name__)\n"
                    "print('CHILDREN', children)\n",
                    "print('STILL ALIVE')"], max_processes=64)
    out = text(nb.cells[1])
    assert "LIMIT" in out and int(re.search(r"CHILDREN (\d+)", out).group(1)) < 64, out
    if ROOT:
        assert sandbox.processes_of(uid_of(nb)) == []
    # a sandbox started afterwards has the full limit
    nb2, _, _ = run(["import os, time\nkids = [os.fork() for _ in range(1)]\n"
                     "kids[0] == 0 and os._exit(0)\nprint('FORKED')"], max_processes=64)
    assert "FORKED" in text(nb2.cells[0])


def test_without_root_the_kernel_is_an_unprivileged_user_that_cannot_undo_the_mounts():
    """The user-namespace sandbox (what a grader without root gets; CNN_SANDBOX_USERNS=1 forces it)."""
    os.environ["CNN_SANDBOX_USERNS"] = "1"
    try:
        if sandbox.unshare_prefix() is None:
            pytest.skip("no user namespaces here")
        nb, resources, _ = run(
            ["import os, subprocess\nprint('UID', os.getuid(), os.geteuid())\n"
             f"print('UMOUNT', subprocess.run(['umount', {str(REPO)!r}], capture_output=True).returncode)\n"
             f"print('SOLUTIONS VISIBLE', os.path.exists({str(REPO / 'solutions')!r}))\n"
             "try:\n    open('/proc/1/environ').read(); print('ENVIRON READ')\n"
             "except OSError:\n    print('ENVIRON DENIED')\n"
             "print('PROCS', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()), os.getpid())"])
    finally:
        del os.environ["CNN_SANDBOX_USERNS"]
    out = text(nb.cells[0])
    assert "UID 1000 1000" in out and "UMOUNT 0" not in out, out
    assert "SOLUTIONS VISIBLE False" in out and "ENVIRON DENIED" in out, out
    procs, me = re.search(r"PROCS \[([\d, ]*)\] (\d+)", out).groups()
    assert {int(p) for p in procs.split(",")} == {1, int(me)}, out


# ------------------------------------------------------------------------------------------------
# Time: the whole notebook has a limit, whatever the kernel does with signals and hooks.
# ------------------------------------------------------------------------------------------------
def test_a_kernel_that_ignores_signals_is_stopped_at_the_notebook_limit():
    nb, resources, took = run(
        [UID_CELL,
         "import time",
         # in the cell itself: ipykernel puts its own SIGINT handler back for every cell
         "import signal\nfor s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):\n"
         "    signal.signal(s, signal.SIG_IGN)\n"
         "while True:\n    time.sleep(0.1)",
         "assert True", "assert True", "assert True"],
        graded=(3, 4, 5), timeout=4, notebook_timeout=12)
    assert took < 12 + 10, took
    assert "CellTimeoutError" in errors(nb.cells[2])  # the interrupt did nothing
    for cell in nb.cells[3:]:
        assert errors(cell) and "TestDidNotRun" in errors(cell), cell.outputs
        assert "time limit" in str(cell.outputs[-1].evalue)
    if ROOT:
        assert sandbox.processes_of(uid_of(nb)) == []


def test_a_pre_run_hook_that_stalls_counts_against_the_notebook_limit():
    hook = ("import time\n"
            "def stall(*args):\n"
            "    try:\n        time.sleep(3.5)\n    except BaseException:\n        time.sleep(3.5)\n"
            "get_ipython().events.register('pre_run_cell', stall)\n")
    cells = [UID_CELL, hook] + ["x = 1"] * 10 + ["assert True"]
    nb, _, took = run(cells, graded=(12,), timeout=5, notebook_timeout=10)
    assert took < 10 + 10, took
    assert "TestDidNotRun" in errors(nb.cells[12])


def test_a_notebook_within_its_limit_is_unaffected():
    nb, resources, _ = run([UID_CELL, "assert 1 + 1 == 2"], graded=(1,), notebook_timeout=60)
    assert errors(nb.cells[1]) == [] and "cnn_kernel_died" not in resources


# ------------------------------------------------------------------------------------------------
# Output: at most so many bytes per cell and per notebook, the rest replaced by a notice.
# ------------------------------------------------------------------------------------------------
def test_output_is_capped_per_cell_and_per_notebook_and_errors_stay_errors():
    image = ("from IPython.display import Image, display\nimport os\n"
             "display(Image(data=b'\\x89PNG\\r\\n\\x1a\\n' + os.urandom(3_000_000), format='png'))")
    nb, _, _ = run(["import sys\nsys.stdout.write('spam\\n' * 2_000_000)",   # 10 MB of text
                    image,                                                    # a 3 MB image (4 MB base64)
                    "raise ValueError('x' * 5_000_000)",                      # a 5 MB error
                    "print('small')",
                    "'y' * 3_000_000"],                                       # a 3 MB result
                   graded=(2,), output_cell_kb=64, output_notebook_kb=200)
    sizes = [sum(sandbox._output_size(o) for o in c.outputs) for c in nb.cells]
    assert all(s <= 64 * 1024 + 12_000 for s in sizes), sizes
    assert sum(sizes) <= 200 * 1024 + 5 * 12_000, sizes
    assert re.search(r"\d+\.\d MiB of output dropped from this cell", text(nb.cells[0])), text(nb.cells[0])[-500:]
    assert not any(o.output_type == "display_data" for o in nb.cells[1].outputs)
    assert "dropped from this cell" in text(nb.cells[1])
    assert errors(nb.cells[2]) == ["ValueError"]  # still an error: the test still fails
    assert "small" in text(nb.cells[3])
    assert "dropped from this cell" in text(nb.cells[4])
    assert len(nbformat.writes(nb)) < 1_000_000


# ------------------------------------------------------------------------------------------------
# Hostile submissions graded for real, two at a time, beside correct ones.
# ------------------------------------------------------------------------------------------------
# Graded in this order, two at a time: the reader beside the first correct submission; the one that
# looks for leftovers last, after the detached process's submission.
BATCH = ["a_correct", "b_sandbox_proc_reader", "c_sandbox_detached", "d_sandbox_fork_bomb", "e_sandbox_pre_run_hook",
         "f_sandbox_ignores_signals", "g_sandbox_big_output", "h_correct_after", "i_sandbox_looks_for_leftovers"]
BATCH_NOTEBOOK_TIMEOUT = 90


# The batch's sandboxes take their user ids from a range of their own, so that the kernels other grading
# steps run meanwhile (pytest-xdist's other worker) are not counted as this batch's.
BATCH_UID_BASE, BATCH_UID_COUNT = 190000, 1000


class Watcher(threading.Thread):
    """Samples, from outside, which of the batch's sandbox user ids have processes, every 0.2 s."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples: list[tuple[float, set[int]]] = []
        self.stop = threading.Event()

    @staticmethod
    def scan() -> set[int]:
        """The sandbox user ids that have a process (zombies too) right now."""
        uids = set()
        for entry in os.listdir("/proc"):
            try:
                for line in Path(f"/proc/{entry}/status").read_text().splitlines():
                    if line.startswith("Uid:"):
                        uid = int(line.split()[1])
                        if BATCH_UID_BASE <= uid < BATCH_UID_BASE + BATCH_UID_COUNT:
                            uids.add(uid)
                        break
            except (OSError, ValueError):
                pass
        return uids

    def run(self):
        while not self.stop.is_set():
            self.samples.append((time.time(), self.scan()))
            time.sleep(0.2)

    def lifetime(self, uid: int) -> float:
        seen = [t for t, uids in self.samples if uid in uids]
        return seen[-1] - seen[0] if seen else 0.0


@steps.step("sandbox-batch", cost=300)
def _grade_sandbox_batch(folder):
    course = make_course(folder)
    course.release([A])
    sol = solution_sources(course, A)
    hostile = {a.name: a for a in answers(A, "sandbox_")}
    for student in BATCH:
        name = student.split("_", 1)[1]
        submit(course, A, student, sol if name.startswith("correct") else {**sol, **hostile[name].cells})
    env = {"CNN_GRADE_CELL_TIMEOUT": "30", "CNN_GRADE_NOTEBOOK_TIMEOUT": str(BATCH_NOTEBOOK_TIMEOUT),
           "CNN_GRADE_PROCESSES": "128", "CNN_SANDBOX_UID_BASE": str(BATCH_UID_BASE),
           "CNN_SANDBOX_UID_COUNT": str(BATCH_UID_COUNT), "CNN_SANDBOX_UID_LOCKS": str(folder / "uid-locks")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    watcher = Watcher()
    watcher.start()
    try:
        failures = course.autograde(A, jobs=2)
        # A scan of its own, begun after grading returned: the watcher's last sample may have been begun
        # before the last kernel ended (a scan of /proc takes a while under load).
        left = Watcher.scan()
        course.feedback(A)
    finally:
        watcher.stop.set()
        watcher.join()
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return {"root": str(course.root), "scores": scores_to_json(course.scores(A)), "failures": failures,
            "samples": [(t, sorted(uids)) for t, uids in watcher.samples], "left": sorted(left)}


class Samples:
    """What the Watcher saw, read back from the step's result."""

    def __init__(self, samples):
        self.samples = [(t, set(uids)) for t, uids in samples]

    lifetime = Watcher.lifetime


@pytest.fixture
def batch():
    data = steps.result("sandbox-batch")
    hostile = {a.name: a for a in answers(A, "sandbox_")}
    return (Course(data["root"]), scores_from_json(data["scores"]), data["failures"], Samples(data["samples"]),
            set(data["left"]), hostile)




def out(course, student) -> str:
    nb = nbformat.read(course.autograded_notebook(A, student), as_version=4)
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def printed_uid(course, student) -> int:
    return int(re.search(r"UID (\d+)", out(course, student)).group(1))


@pytest.mark.step("sandbox-batch")
def test_correct_submissions_keep_full_marks(batch):
    course, scores, failures, *_ = batch
    assert not failures, failures
    for student in ("a_correct", "h_correct_after"):
        assert scores[student].auto_score == scores[student].auto_max == 23, scores[student].tests


@pytest.mark.step("sandbox-batch")
@pytest.mark.parametrize("student", [s for s in BATCH if "sandbox_" in s])
def test_each_attack_earns_what_the_same_wrong_answer_earns(batch, student):
    """Each hostile answer's function is the release's stub: it loses exactly the tests of its
    ``# expect-fail:`` line, whatever the attack did, and keeps every other test's marks."""
    course, scores, _, _, _, hostile = batch
    expect_fail = hostile[student.split("_", 1)[1]].expect_fail
    by_test = {t.grade_id: (t.score, t.max_score) for t in scores[student].tests}
    assert all(by_test[g][0] == 0 for g in expect_fail), by_test
    assert all(score == full for g, (score, full) in by_test.items() if g not in expect_fail), by_test


@pytest.mark.step("sandbox-batch")
def test_every_sandbox_had_its_own_user_and_none_is_left(batch):
    course, _, _, watcher, left, _ = batch
    if not ROOT:
        pytest.skip("user ids of their own need root")
    uids = [printed_uid(course, s) for s in BATCH if "sandbox_" in s and "big_output" not in s]
    assert len(set(uids)) == len(uids), uids
    assert all(BATCH_UID_BASE <= u < BATCH_UID_BASE + BATCH_UID_COUNT for u in uids), uids
    assert not left, f"processes of sandbox users {left} outlived grading"
    assert all(sandbox.processes_of(u) == [] for u in set().union(*(u for _, u in watcher.samples)))


@pytest.mark.step("sandbox-batch")
def test_a_reader_finds_nothing_of_the_kernel_graded_beside_it(batch):
    course, _, _, watcher, _, _ = batch
    text_ = out(course, "b_sandbox_proc_reader")
    assert "OTHER KERNELS: []" in text_ and "FOUND: []" in text_, text_
    if ROOT:  # the victim was running: another sandbox user had processes while the reader looked
        start, end = map(float, re.search(r"SCANNED ([\d.]+) ([\d.]+)", text_).groups())
        me = printed_uid(course, "b_sandbox_proc_reader")
        assert any(uids - {me} for t, uids in watcher.samples if start <= t <= end), "no kernel ran beside the reader"


@pytest.mark.step("sandbox-batch")
def test_a_detached_process_dies_with_its_sandbox_and_leaves_nothing(batch):
    course, *_ = batch
    assert "DETACHED True" in out(course, "c_sandbox_detached")
    time.sleep(1)
    for d in ("/tmp", "/dev/shm", "/var/tmp", "/run/lock"):
        assert not os.path.exists(f"{d}/cnn-hostile-detached")
    text_ = out(course, "i_sandbox_looks_for_leftovers")
    found = ast.literal_eval(re.search(r"LEFTOVERS: (\[.*\])", text_).group(1))
    # a checkout under /tmp: the kernel's environment and the helper package are mounted back into the
    # private /tmp under their own paths; that folder is the environment, not something a submission left
    environment = [str(Path(sys.prefix).resolve()), str(REPO)]
    leftovers = [f for f in found if not any(e == f or e.startswith(f + "/") for e in environment)]
    assert leftovers == [], text_
    procs = re.search(r"PROCESSES: \[([\d, ]*)\] ME (\d+)", text_)
    assert {int(p) for p in procs.group(1).split(",")} == {1, int(procs.group(2))}, text_


@pytest.mark.step("sandbox-batch")
def test_a_fork_bomb_hits_its_own_limit_only(batch):
    course, scores, *_ = batch
    assert "LIMIT HIT after" in out(course, "d_sandbox_fork_bomb")
    assert scores["h_correct_after"].auto_score == 23  # graded after it, with processes to spare


@pytest.mark.step("sandbox-batch")
def test_a_stalling_pre_run_hook_ends_at_the_notebook_limit(batch):
    course, _, _, watcher, _, _ = batch
    errors_ = [o for c in nbformat.read(course.autograded_notebook(A, "e_sandbox_pre_run_hook"), as_version=4).cells
               for o in c.get("outputs", []) if o.get("ename") == "TestDidNotRun"]
    # Exercise 01's test cells run in the checker (autograder/checker.py), where no hook of the kernel runs:
    # the hook stalls only the student's own cells, so the notebook may end before its limit; a test that
    # did not run says it was the time limit.
    assert all("time limit" in o.evalue for o in errors_), errors_
    if ROOT:
        assert watcher.lifetime(printed_uid(course, "e_sandbox_pre_run_hook")) <= BATCH_NOTEBOOK_TIMEOUT + 5


@pytest.mark.step("sandbox-batch")
def test_a_kernel_ignoring_signals_and_shutdown_is_still_ended(batch):
    course, _, _, watcher, left, _ = batch
    uid = printed_uid(course, "f_sandbox_ignores_signals")
    assert sandbox.processes_of(uid) == [] and uid not in left


@pytest.mark.step("sandbox-batch")
def test_a_flood_of_output_leaves_small_files(batch):
    course, *_ = batch
    graded = course.autograded_notebook(A, "g_sandbox_big_output")
    assert graded.stat().st_size < 3 * 2**20, graded.stat().st_size
    feedback = course.autograder / "feedback" / "g_sandbox_big_output" / A / f"{A}.html"
    assert feedback.stat().st_size < 4 * 2**20, feedback.stat().st_size
    text_ = out(course, "g_sandbox_big_output")
    assert "of output dropped from this cell" in text_
    nb = nbformat.read(graded, as_version=4)
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_cross_correlate2d")
    assert [o.ename for o in test_cell.outputs if o.output_type == "error"] == ["ValueError"]
