"""Check an exercise notebook before you submit it: run it as the grader will, list the tests that fail.

    make validate NOTEBOOK=exercises/01-convolution/01-convolution.ipynb
    .venv/bin/python autograder/validate.py exercises/01-convolution/01-convolution.ipynb

The notebook runs from its first cell in a fresh kernel, in its own folder, the way `nbgrader validate`
runs it (nbgrader's CheckCellMetadata, ClearOutput and Execute preprocessors, NBGRADER_VALIDATING=1),
and nothing is written back to it. Then, for every visible test that fails, this prints the test's
name, what it checks (the first line of its docstring), its points and the failure message whole (nbgrader
validate cuts lines at 88 characters, and shows the checker's own frames); a read-only or test cell
that was edited, or a test cell whose type was changed, is named too. Only the visible tests run: the
hidden ones run when the notebook is graded.

Exit status: 0 when every visible test passes, 1 when one fails or a locked cell was changed, 2 when
the notebook cannot be read.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

CELL_TIMEOUT = int(os.environ.get("CNN_GRADE_CELL_TIMEOUT", "300"))  # the grader's limit per cell
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CHECKER_FRAME = re.compile(r"cnncourse[/\\]checks\.py")
_FUNCTION_FRAME = re.compile(r"(?:Cell In\[\d+\]|File [^\n]*), line \d+, in (\w+)")


@dataclass
class Failure:
    grade_id: str
    what: str          # the first line of the test cell's docstring (or comment)
    points: float
    score: float
    message: str       # the error as the student should read it


@dataclass
class Result:
    notebook: Path
    tests: list[str] = field(default_factory=list)          # grade_ids of the graded code cells
    failures: list[Failure] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)        # locked or test cells edited
    type_changed: list[str] = field(default_factory=list)   # graded cells whose type was changed
    unanswered: list[str] = field(default_factory=list)     # written answers still "YOUR ANSWER HERE"

    @property
    def ok(self) -> bool:
        return not (self.failures or self.changed or self.type_changed)


def what_it_tests(source: str) -> str:
    """The first line of a test cell's docstring, else of its first comment; '' if it has neither."""
    try:
        doc = ast.get_docstring(ast.parse(source))
    except SyntaxError:  # IPython syntax (magics); fall back to the text
        doc = None
    if doc:
        return doc.strip().splitlines()[0]
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("#"):
            return line.lstrip("# ").strip()
        if line:
            break
    return ""


def cell_name(cell) -> str:
    meta = cell.metadata.get("nbgrader", {})
    return meta.get("grade_id") or cell.get("id") or "(a cell without an id)"


def error_text(cell) -> str:
    """What failed in a code cell: its error (traceback without the checker's own frames), or stderr."""
    errors, stderr = [], []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            ename = output.get("ename", "Error")
            header = f"{ename}: {output.get('evalue', '')}".rstrip()
            frames = [_ANSI.sub("", entry) for entry in output.get("traceback", [])]
            frames = [f for f in frames if not _CHECKER_FRAME.search(f) and f.strip("-\n ")
                      and not f.strip().startswith(f"{ename}:") and "Traceback (most recent call last)" not in f]
            functions = [m.group(1) for f in frames for m in [_FUNCTION_FRAME.match(f)] if m]
            if ename == "CheckFailure":
                frames = []  # the check's message says it all; the test cell is read-only anyway
            elif ename == "NotImplementedError" and functions and "YOUR CODE HERE" in frames[-1]:
                header = (f"NotImplementedError: {functions[-1]} is not written yet (its cell still says "
                          f"raise NotImplementedError()).")
                frames = []
            errors.append("\n".join([*frames, header]) if frames else header)
        elif output.get("output_type") == "stream" and output.get("name") == "stderr":
            stderr.append(_ANSI.sub("", output.get("text", "")).rstrip())
    return "\n".join(errors) or "\n".join(s for s in stderr if s)


def validate(notebook: Path | str, timeout: int = CELL_TIMEOUT) -> Result:
    """Run NOTEBOOK as `nbgrader validate` does and return what failed (the file is not changed)."""
    import nbformat
    from nbgrader import utils
    from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, Execute
    from traitlets.config import Config

    path = Path(notebook).resolve()
    nb = nbformat.read(path, as_version=nbformat.current_nbformat)
    result = Result(Path(notebook))
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if (utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell)) \
                and meta.get("cell_type") and meta["cell_type"] != cell.cell_type:
            result.type_changed.append(f"{cell_name(cell)} (was {meta['cell_type']}, is {cell.cell_type})")
    if result.type_changed:
        return result  # nbgrader does not run a notebook whose test cells changed type

    env = dict(os.environ)
    # the kernel must be this environment's Python (jupyter's python3 kernel is found on PATH)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    resources = {"metadata": {"path": str(path.parent)}}
    with utils.setenv(NBGRADER_VALIDATING="1", NBGRADER_EXECUTION="validate", PATH=env["PATH"]), \
            utils.chdir(str(path.parent)):
        config = Config()
        if os.name == "posix":  # a local socket: no "Kernel is running over TCP" warning
            config.KernelManager.transport = "ipc"
        for preprocessor in (CheckCellMetadata(), ClearOutput(), Execute(timeout=timeout, config=config)):
            nb, resources = preprocessor.preprocess(nb, resources)

    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if utils.is_locked(cell) and "checksum" in meta and meta["checksum"] != utils.compute_checksum(cell):
            result.changed.append(cell_name(cell))
        if not utils.is_grade(cell):
            continue
        if cell.cell_type != "code":  # a written answer, graded by hand
            if cell.source.strip() in ("", "YOUR ANSWER HERE"):
                result.unanswered.append(cell_name(cell))
            continue
        result.tests.append(cell_name(cell))
        score, max_score = utils.determine_grade(cell)
        if score is not None and (score < max_score or (max_score == 0 and utils.has_failed(cell))):
            message = error_text(cell) or "Partial credit: the cell passed some but not all of its tests."
            result.failures.append(Failure(cell_name(cell), what_it_tests(cell.source), float(max_score),
                                           float(score), message))
    return result


def report(result: Result, out=sys.stdout) -> None:
    def say(text: str = "") -> None:
        print(text, file=out)

    if result.type_changed:
        say(f"{result.notebook}: the type of {len(result.type_changed)} graded cell(s) was changed, so the "
            f"notebook cannot be graded as it is: {', '.join(result.type_changed)}.")
        say("Change each back (a test cell is a code cell), or start again from a fresh copy of the exercise.")
        return
    for failure in result.failures:
        title = f"FAILED {failure.grade_id} ({failure.points:g} point{'s' if failure.points != 1 else ''})"
        say(f"{title}: {failure.what}" if failure.what else title)
        say(textwrap.indent(failure.message, "    "))
        say()
    if result.changed:
        say(f"CHANGED: these read-only or test cells were edited, and grading puts them back as released: "
            f"{', '.join(result.changed)}.")
        say()
    if result.unanswered:
        say(f"Not answered yet (graded by hand): {', '.join(result.unanswered)}.")
    n, failed = len(result.tests), len(result.failures)
    if result.ok:
        say(f"{result.notebook}: all {n} visible tests pass. The hidden tests run when it is graded.")
    else:
        say(f"{result.notebook}: {failed} of {n} visible tests fail"
            + (f", {len(result.changed)} locked cells changed" if result.changed else "")
            + ". Fix them before you submit.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds one cell may run")
    args = parser.parse_args(argv)
    status = 0
    for notebook in args.notebooks:
        if not Path(notebook).is_file():
            print(f"{notebook}: no such notebook (give its path, e.g. "
                  f"exercises/01-convolution/01-convolution.ipynb)", file=sys.stderr)
            status = max(status, 2)
            continue
        print(f"Running {notebook} from the top in a fresh kernel...", flush=True)
        try:
            result = validate(notebook, args.timeout)
        except Exception as err:  # noqa: BLE001 - a notebook that cannot be read or run, in a sentence
            print(f"{notebook}: cannot be validated: {type(err).__name__}: {err}", file=sys.stderr)
            status = max(status, 2)
            continue
        report(result)
        if not result.ok:
            status = max(status, 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
