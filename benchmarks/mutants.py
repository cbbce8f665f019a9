"""Mutation testing of the exercises' hidden tests: what do the tests miss?

Each mutant is the instructor's solution with one small change in one graded solution cell (``a + b`` to
``a - b``, ``<`` to ``<=``, a number plus one, an argument dropped...), made by mutmut's mutation operators
(its libcst visitor, ``mutmut.mutation.file_mutation.MutationVisitor``; not its test runner, which expects
a package with a test suite). A mutant is *killed* when a graded test cell raises (or the run times out or
crashes); a mutant that earns full marks *survives*: a missing test, or an equivalent program. Survivors
explained as equivalent are listed in tests/mutants_equivalent.txt and subtracted, and so are survivors
whose change lies in the arguments of a raised exception (its message, which no test reads).

    python benchmarks/mutants.py                          # exercises 01-05 (the NumPy ones)
    python benchmarks/mutants.py --exercise 01 03         # some of them; 06-08 too
    python benchmarks/mutants.py --exercise 02 --cell relu --jobs 2

Fast, not faithful to nbgrader in every detail: one Python process per exercise runs the notebook's cells
in order (setup, solutions, tests, hidden tests included) and, before each graded solution cell, forks
one child per mutant that runs the mutated cell and every cell after it (stopping at the first graded
test cell that raises). No kernel, no sandbox, no gradebook. Prints per exercise the mutants generated,
killed, surviving and equivalent, the kill rate over the non-equivalent ones, and each survivor (cell,
line, the mutated line); writes benchmarks/results/mutants.json and mutants.md (exercises not run this
time keep their last results).
"""

from __future__ import annotations

import os

# One thread per process: the children are forked from a process that has run NumPy and PyTorch.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import difflib  # noqa: E402
import hashlib  # noqa: E402
import importlib.metadata  # noqa: E402
import json  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import libcst as cst  # noqa: E402
import nbformat  # noqa: E402
from libcst.metadata import MetadataWrapper  # noqa: E402
from mutmut.mutation.file_mutation import MutationVisitor, deep_replace  # noqa: E402
from mutmut.mutation.mutators import mutation_operators  # noqa: E402
from mutmut.mutation.pragma_handling import IgnoredCode  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "autograder"))

from samples import solution_cells  # noqa: E402  (autograder/samples.py)

EQUIVALENT = REPO / "tests" / "mutants_equivalent.txt"
RESULTS = REPO / "benchmarks" / "results"
NUMPY_EXERCISES = ["01", "02", "03", "04", "05"]


# --- the notebook's cells ------------------------------------------------------------------------------

@dataclass
class Cell:
    """One code cell of an exercise notebook: ``kind`` is "solution" (a graded answer), "test" (a graded
    test cell) or "other" (setup, helpers, demonstrations)."""
    kind: str
    grade_id: str | None
    source: str


@dataclass
class Exercise:
    name: str          # the folder under solutions/, e.g. 01-convolution
    cells: list[Cell]


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def load_exercise(folder: Path) -> Exercise:
    """The code cells of the instructor's notebook in FOLDER, in order. Solution sources are those that
    autograder/samples.py hands to the grader (``solution_cells``)."""
    folder = Path(folder)
    answers = solution_cells(folder)
    cells = []
    for nb_path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            meta = _nbgrader(cell)
            gid = meta.get("grade_id")
            if meta.get("solution") and gid in answers:
                cells.append(Cell("solution", gid, answers[gid]))
            elif meta.get("grade"):
                cells.append(Cell("test", gid, cell.source))
            else:
                cells.append(Cell("other", gid, cell.source))
    return Exercise(folder.name, cells)


def find_exercise(selector: str, root: Path = REPO) -> Path:
    """solutions/NAME for a selector "01" or "01-convolution"."""
    matches = sorted(p for p in (root / "solutions").iterdir()
                     if p.is_dir() and (p.name == selector or p.name.split("-", 1)[0] == selector))
    if len(matches) != 1:
        known = ", ".join(sorted(p.name for p in (root / "solutions").iterdir() if p.is_dir()))
        raise SystemExit(f"no single exercise {selector!r}; known: {known}")
    return matches[0]


# --- mutants ---------------------------------------------------------------------------------------

@dataclass
class Mutant:
    cell: str          # grade_id of the solution cell
    line: int          # first changed line, 1-based in the cell
    original: str      # the changed line(s) before, stripped
    mutated: str       # and after ("" when a line is deleted)
    key: str           # stable across edits elsewhere in the cell: hash of (cell, original, mutated, occurrence)
    source: str = field(repr=False)  # the whole mutated cell
    message: bool = False  # the change is in the arguments of a raised exception: its message only


def _changed_lines(before: str, after: str) -> tuple[int, str, str]:
    a, b = before.splitlines(), after.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            return i1 + 1, " / ".join(s.strip() for s in a[i1:i2]), " / ".join(s.strip() for s in b[j1:j2])
    return 0, "", ""


def _in_raise_arguments(module: cst.Module) -> set[int]:
    """ids of the nodes inside the arguments of ``raise SomeError(...)``: the exception's message."""
    inside: set[int] = set()

    class Visitor(cst.CSTVisitor):
        def visit_Raise(self, node: cst.Raise) -> None:
            if isinstance(node.exc, cst.Call):  # the call itself too: an argument dropped or None
                inside.add(id(node.exc))
                stack = list(node.exc.args)
                while stack:
                    current = stack.pop()
                    inside.add(id(current))
                    stack.extend(current.children)

    module.visit(Visitor())
    return inside


def solution_lines(source: str) -> set[int]:
    """Line numbers (1-based) of the student's part of a solution cell: between ``### BEGIN SOLUTION`` and
    ``### END SOLUTION`` (every line when the cell has no such markers). The rest (signature, docstring,
    argument parsing) is given in the release, the same for every student."""
    lines = source.splitlines()
    inside, out, marked = False, set(), False
    for number, text in enumerate(lines, 1):
        if text.strip() == "### BEGIN SOLUTION":
            inside = marked = True
        elif text.strip() == "### END SOLUTION":
            inside = False
        elif inside:
            out.add(number)
    return out if marked else set(range(1, len(lines) + 1))


def mutants_of(cell: str, source: str) -> list[Mutant]:
    """Every mutant that mutmut's operators make of the student's part (``solution_lines``) of the functions
    and methods in SOURCE (mutmut mutates code inside functions only), one change each; mutants identical
    to the source or to an earlier one are dropped. Those that change only the arguments of a raised
    exception are marked ``message``: they run like the others, but one that survives changed only words
    that no test reads (the tests check the exception's type) and is set apart, not counted as a survivor."""
    wrapper = MetadataWrapper(cst.parse_module(source))
    given = set(range(1, source.count("\n") + 2)) - solution_lines(source)
    visitor = MutationVisitor(mutation_operators, IgnoredCode(no_mutate_lines=given, ignore_node_lines=set(),
                                                              ignore_pattern_lines=set()))
    module = wrapper.visit(visitor)
    messages = _in_raise_arguments(module)
    out, seen, occurrences = [], {source}, {}
    for mutation in visitor.mutations:
        if mutation.contained_by_top_level_function is None:
            continue
        code = deep_replace(module, mutation.original_node, mutation.mutated_node).code
        if code in seen:
            continue
        seen.add(code)
        line, original, mutated = _changed_lines(source, code)
        ident = (cell, original, mutated)
        occurrences[ident] = occurrences.get(ident, 0) + 1
        digest = hashlib.sha1("\0".join(ident).encode()).hexdigest()[:10]
        key = digest if occurrences[ident] == 1 else f"{digest}-{occurrences[ident]}"
        out.append(Mutant(cell, line, original, mutated, key, code, id(mutation.original_node) in messages))
    return out


def generate(exercise: Exercise, cells: list[str] | None = None) -> list[Mutant]:
    """The mutants of every graded solution cell of EXERCISE (or of CELLS only), in notebook order."""
    return [m for c in exercise.cells if c.kind == "solution" and (cells is None or c.grade_id in cells)
            for m in mutants_of(c.grade_id, c.source)]


# --- running them ---------------------------------------------------------------------------------

@dataclass
class Outcome:
    killed: bool
    how: str           # "test_x: AssertionError: ...", "timeout after 12 s", "crashed (signal 11)", "survived"


def _run_cells(ns: dict, cells: list[Cell], start: int, replacements: dict[int, str], stop: bool = True) -> dict:
    """Run CELLS[start:] in NS, cell i's source replaced by REPLACEMENTS[i] where given; with STOP, stop at
    the first graded test cell that raises. Returns {"failed": {grade_id: error}, "durations": seconds per
    cell}."""
    durations, failed = [], {}
    for i in range(start, len(cells)):
        cell = cells[i]
        t0 = time.perf_counter()
        try:
            exec(compile(replacements.get(i, cell.source), f"<cell {cell.grade_id or i}>", "exec"), ns)
        except BaseException as exc:  # noqa: B036  a cell's error, whatever it is, is the cell's
            if cell.kind == "test":
                text = f"{type(exc).__name__}: {exc}".splitlines()[0][:200] if str(exc) else type(exc).__name__
                failed[cell.grade_id] = text
                if stop:
                    break
        durations.append(time.perf_counter() - t0)
    return {"failed": failed, "durations": durations}


def _fork(ns: dict, cells: list[Cell], start: int, replacements: dict[int, str], stop: bool = True) -> tuple[int, int]:
    """Fork a child that runs _run_cells and writes its result as JSON to a pipe: (pid, read end)."""
    sys.stdout.flush()
    sys.stderr.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        status = 0
        try:
            os.close(read)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            result = _run_cells(ns, cells, start, replacements, stop)
            with os.fdopen(write, "w") as pipe:
                json.dump(result, pipe)
        except BaseException:  # noqa: B036
            status = 1
        finally:
            os._exit(status)
    os.close(write)
    return pid, read


def _reap(pid: int, read: int, kill: bool) -> tuple[dict | None, int]:
    if kill:
        os.kill(pid, signal.SIGKILL)
    data = b""
    if not kill:
        while chunk := os.read(read, 65536):
            data += chunk
    os.close(read)
    _, status = os.waitpid(pid, 0)
    try:
        return json.loads(data), status
    except ValueError:
        return None, status


def failed_tests(exercise: Exercise, answers: dict[str, str], timeout: float | None = None) -> dict:
    """Run the whole notebook of EXERCISE once, in a child, with the solution cells named in ANSWERS
    (grade_id -> source) replaced: {"failed": {test grade_id: error}, "durations": seconds per cell}, every
    test cell run. This is how the mutants' runs begin, and a fast preview of what grading would say."""
    replacements = {i: answers[c.grade_id] for i, c in enumerate(exercise.cells)
                    if c.kind == "solution" and c.grade_id in answers}
    unknown = set(answers) - {c.grade_id for c in exercise.cells if c.kind == "solution"}
    if unknown:
        raise ValueError(f"{exercise.name} has no solution cells {sorted(unknown)}")
    pid, read = _fork({"__name__": "__main__"}, exercise.cells, 0, replacements, stop=False)
    ready, _, _ = select.select([read], [], [], timeout)
    result, status = _reap(pid, read, kill=not ready)
    if result is None:
        raise RuntimeError(f"{exercise.name}: the run " + ("timed out" if not ready else f"crashed (status {status})"))
    return result


def run_exercise(exercise: Exercise, mutants: list[Mutant], jobs: int = 1, timeout_factor: float = 5.0,
                 min_timeout: float = 10.0, progress=None) -> tuple[list[Outcome], dict]:
    """Run every mutant of EXERCISE (see the module's docstring). First the notebook as it is, in a child:
    every graded test cell must pass, and its cell times set each mutant's time limit (TIMEOUT_FACTOR
    times what the cells from the mutated one on took, at least MIN_TIMEOUT seconds). Returns the
    outcomes, in the order of MUTANTS, and the baseline {"seconds": ..., "failed": ...}."""
    ns = {"__name__": "__main__"}
    cells = exercise.cells
    base = failed_tests(exercise, {})
    if base["failed"]:
        raise RuntimeError(f"{exercise.name}: the solution itself fails {base['failed']}; mutants mean nothing")
    durations = base["durations"]
    by_cell: dict[str, list[int]] = {}
    for n, m in enumerate(mutants):
        by_cell.setdefault(m.cell, []).append(n)
    outcomes: list[Outcome | None] = [None] * len(mutants)
    done = 0
    for i, cell in enumerate(cells):
        if cell.kind == "solution" and cell.grade_id in by_cell:
            limit = max(min_timeout, timeout_factor * sum(durations[i:]))
            queue = list(by_cell[cell.grade_id])
            running: dict[int, tuple[int, int, float]] = {}  # read fd -> (pid, mutant index, deadline)
            while queue or running:
                while queue and len(running) < jobs:
                    n = queue.pop(0)
                    pid, read = _fork(ns, cells, i, {i: mutants[n].source})
                    running[read] = (pid, n, time.monotonic() + limit)
                wait = max(0.0, min(d for _, _, d in running.values()) - time.monotonic())
                ready, _, _ = select.select(list(running), [], [], wait)
                now = time.monotonic()
                for read in list(running):
                    pid, n, deadline = running[read]
                    if read in ready:
                        result, status = _reap(pid, read, kill=False)
                    elif now >= deadline:
                        _reap(pid, read, kill=True)
                        result, status = {"failed": {"timeout": ""}}, None
                    else:
                        continue
                    del running[read]
                    if result is None:
                        outcomes[n] = Outcome(True, f"crashed (status {status})")
                    elif "timeout" in result["failed"]:
                        outcomes[n] = Outcome(True, f"timeout after {limit:.0f} s")
                    elif result["failed"]:
                        outcomes[n] = Outcome(True, "; ".join(f"{k}: {v}" for k, v in result["failed"].items()))
                    else:
                        outcomes[n] = Outcome(False, "survived")
                    done += 1
                    if progress:
                        progress(done, len(mutants), mutants[n], outcomes[n])
        # then the cell itself, as the notebook has it, in this process
        try:
            with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
                exec(compile(cell.source, f"<cell {cell.grade_id or i}>", "exec"), ns)
        except BaseException:  # noqa: B036
            if cell.kind == "test":
                raise RuntimeError(f"{exercise.name}: {cell.grade_id} fails on the solution "
                                   f"in the main run:\n{traceback.format_exc()}") from None
    return outcomes, {"seconds": round(sum(durations), 2)}


# --- equivalent mutants ---------------------------------------------------------------------------

@dataclass
class Equivalent:
    exercise: str
    cell: str
    key: str
    reason: str
    line: int  # in the list's file


def read_equivalent(path: Path = EQUIVALENT) -> list[Equivalent]:
    """The list's entries: one a line, ``EXERCISE CELL KEY REASON...``; # starts a comment."""
    out = []
    if not Path(path).is_file():
        return out
    for number, text in enumerate(Path(path).read_text().splitlines(), 1):
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split(None, 3)
        if len(parts) < 4:
            raise ValueError(f"{path}:{number}: expected EXERCISE CELL KEY REASON, got {text!r}")
        out.append(Equivalent(*parts, line=number))
    return out


# --- the report -----------------------------------------------------------------------------------

def summarize(exercise: str, mutants: list[Mutant], outcomes: list[Outcome], equivalent: list[Equivalent],
              baseline: dict) -> dict:
    listed = {(e.cell, e.key): e for e in equivalent if e.exercise == exercise}
    rows, survivors, killed_listed = [], [], []
    killed = surviving = equiv = message = 0
    for m, o in zip(mutants, outcomes, strict=True):
        entry = listed.pop((m.cell, m.key), None)
        row = {"cell": m.cell, "line": m.line, "key": m.key, "original": m.original, "mutated": m.mutated}
        if o.killed:
            killed += 1
            if entry:
                killed_listed.append(row | {"how": o.how})
        elif entry:
            equiv += 1
            rows.append(row | {"reason": entry.reason})
        elif m.message:
            message += 1
        else:
            surviving += 1
            survivors.append(row)
    considered = len(mutants) - equiv - message
    return {
        "exercise": exercise, "generated": len(mutants), "killed": killed, "surviving": surviving,
        "equivalent": equiv, "message_only": message,
        "kill_rate": round(killed / considered, 4) if considered else None,
        "survivors": survivors, "equivalents": rows, "killed_but_listed_equivalent": killed_listed,
        "stale_equivalent_entries": [asdict(e) for e in listed.values()], "baseline_seconds": baseline["seconds"],
        "timeouts": sum(o.how.startswith("timeout") for o in outcomes),
    }


def print_summary(s: dict) -> None:
    rate = "n/a" if s["kill_rate"] is None else f"{100 * s['kill_rate']:.1f}%"
    print(f"{s['exercise']}: {s['generated']} mutants, {s['killed']} killed ({s['timeouts']} by timeout), "
          f"{s['surviving']} surviving, {s['equivalent']} equivalent, {s['message_only']} surviving in an exception's "
          f"message only; kill rate {rate} of {s['generated'] - s['equivalent'] - s['message_only']}")
    for r in s["survivors"]:
        print(f"  survivor {r['cell']} line {r['line']} [{r['key']}]: {r['original']}  ->  "
              f"{r['mutated'] or '(deleted)'}")
    for r in s["killed_but_listed_equivalent"]:
        print(f"  listed equivalent but killed: {r['cell']} [{r['key']}] by {r['how']}")
    for e in s["stale_equivalent_entries"]:
        print(f"  stale entry {EQUIVALENT.name}:{e['line']}: no mutant {e['cell']} [{e['key']}]")


def _md(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`" if text else "(deleted)"


def write_report(summaries: list[dict], results: Path = RESULTS) -> tuple[Path, Path]:
    """Merge SUMMARIES into results/mutants.json (other exercises keep theirs) and render mutants.md."""
    results.mkdir(parents=True, exist_ok=True)
    json_path, md_path = results / "mutants.json", results / "mutants.md"
    data = json.loads(json_path.read_text()) if json_path.is_file() else {}
    for s in summaries:
        data[s["exercise"]] = s
    data = dict(sorted(data.items()))
    json_path.write_text(json.dumps(data, indent=1) + "\n")
    lines = ["# Mutation testing of the hidden tests", "",
             "Written by `make mutants` (benchmarks/mutants.py): mutants of the graded solution cells made by "
             "mutmut's operators, run against each exercise's test cells. Kill rate = killed / (generated - "
             "equivalent - message only); the equivalent ones are explained in tests/mutants_equivalent.txt; "
             "*message only*: survivors that change only the arguments of a raised exception (its words, "
             "which no test reads).", "",
             "| exercise | run | mutants | killed | surviving | equivalent | message only | kill rate |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in data.values():
        rate = "n/a" if s["kill_rate"] is None else f"{100 * s['kill_rate']:.1f}%"
        lines.append(f"| {s['exercise']} | {s.get('date', '')} | {s['generated']} | {s['killed']} | "
                     f"{s['surviving']} | {s['equivalent']} | {s['message_only']} | {rate} |")
    for s in data.values():
        lines += ["", f"## {s['exercise']}", ""]
        if s["survivors"]:
            lines += ["Surviving mutants (a missing test, or an equivalent program not yet explained):", "",
                      "| cell | line | key | original | mutated |", "| --- | ---: | --- | --- | --- |"]
            lines += [f"| {r['cell']} | {r['line']} | {r['key']} | {_md(r['original'])} | {_md(r['mutated'])} |"
                      for r in s["survivors"]]
        else:
            lines.append("No surviving mutant.")
        if s["equivalents"]:
            lines += ["", "Equivalent mutants:", "", "| cell | line | key | mutated | why equivalent |",
                      "| --- | ---: | --- | --- | --- |"]
            lines += [f"| {r['cell']} | {r['line']} | {r['key']} | {_md(r['mutated'])} | {r['reason']} |"
                      for r in s["equivalents"]]
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exercise", nargs="+", default=NUMPY_EXERCISES,
                        help="exercises by number or name (default: the NumPy ones, 01-05)")
    parser.add_argument("--cell", nargs="+", help="only the mutants of these solution cells (grade_ids)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--timeout-factor", type=float, default=5.0,
                        help="a mutant may take this many times the solution's time (default 5)")
    parser.add_argument("--min-timeout", type=float, default=10.0, help="but at least this many seconds")
    parser.add_argument("--no-report", action="store_true", help="print only; leave benchmarks/results alone")
    args = parser.parse_args(argv)
    equivalent = read_equivalent()
    summaries = []
    for selector in args.exercise:
        exercise = load_exercise(find_exercise(selector))
        mutants = generate(exercise, args.cell)
        print(f"{exercise.name}: {len(mutants)} mutants of "
              f"{len({m.cell for m in mutants})} solution cells", flush=True)
        start = time.perf_counter()

        def progress(done, total, mutant, outcome, _start=start):
            if done % 25 == 0 or done == total:
                print(f"  {done}/{total} run ({time.perf_counter() - _start:.0f} s)", flush=True)

        outcomes, baseline = run_exercise(exercise, mutants, jobs=args.jobs, timeout_factor=args.timeout_factor,
                                          min_timeout=args.min_timeout, progress=progress)
        listed = equivalent if args.cell is None else [e for e in equivalent if e.cell in args.cell]
        summary = summarize(exercise.name, mutants, outcomes, listed, baseline)
        summary["date"] = datetime.date.today().isoformat()
        summary["seconds"] = round(time.perf_counter() - start, 1)
        summary["mutmut"] = importlib.metadata.version("mutmut")
        summary["cells"] = args.cell or "all"
        print_summary(summary)
        print(f"  ({summary['seconds']} s; the solution's own run {baseline['seconds']} s)", flush=True)
        summaries.append(summary)
    if not args.no_report:
        json_path, md_path = write_report(summaries)
        print(f"report: {md_path.relative_to(REPO)}, {json_path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
