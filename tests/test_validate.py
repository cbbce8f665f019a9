"""`make validate`'s script (autograder/validate.py) on real notebooks in real kernels: the solution
passes (exit 0), the release fails (exit 1) naming every test, a long message is printed whole and
without the checker's frames; and a failed check shows its message alone in Jupyter too."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest

from grading import REPO, answers, solution_cells, write_submission

pytestmark = pytest.mark.slow
A = "01-convolution"
RELEASE = REPO / "exercises" / A


def validate(notebook):
    return subprocess.run([sys.executable, str(REPO / "autograder" / "validate.py"), str(notebook)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)


def code_tests(notebook):
    return [c.metadata.nbgrader["grade_id"] for c in nbformat.read(notebook, as_version=4).cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


def test_solution_validates(tmp_path):
    folder = write_submission(RELEASE, tmp_path / "solution", solution_sources_of_repo())
    proc = validate(folder / f"{A}.ipynb")
    assert proc.returncode == 0, proc.stdout
    assert f"all {len(code_tests(RELEASE / f'{A}.ipynb'))} visible tests pass" in proc.stdout
    assert "FAILED" not in proc.stdout


def test_release_fails_naming_every_test():
    notebook = RELEASE / f"{A}.ipynb"
    before = notebook.read_bytes()
    proc = validate(notebook)
    assert proc.returncode == 1, proc.stdout
    tests = code_tests(notebook)
    for grade_id in tests:
        assert f"FAILED {grade_id} (" in proc.stdout, grade_id
    assert f"{len(tests)} of {len(tests)} visible tests fail" in proc.stdout
    assert "conv_output_size is not written yet" in proc.stdout
    assert "Not answered yet (graded by hand): written_flip" in proc.stdout
    assert notebook.read_bytes() == before, "validate must not write to the notebook"


def test_long_message_printed_whole(tmp_path):
    wrong = {a.name: a for a in answers(A, "wrong_")}["wrong_bias_forgotten"]
    folder = write_submission(RELEASE, tmp_path / "wrong", {**solution_sources_of_repo(), **wrong.cells})
    proc = validate(folder / f"{A}.ipynb")
    assert proc.returncode == 1, proc.stdout
    assert set(re.findall(r"^FAILED (\S+)", proc.stdout, re.M)) == {"test_conv2d_basic", "test_conv2d_bias"}
    # check_close's message, whole: longer than nbgrader validate's 88 columns, ends as the check wrote it
    line = next(line.strip() for line in proc.stdout.splitlines()
                if "CheckFailure: conv2d_forward(x, zero kernels" in line)
    assert len(line) > 120, line
    assert re.fullmatch(r"CheckFailure: conv2d_forward\(x, zero kernels, b\): output has the right shape and dtype "
                        r"but \d+ of \d+ values differ from the reference \(relative error [\d.e+-]+%\); first at "
                        r"index \(\d+, \d+, \d+, \d+\): got [-\d.e+]+, expected [-\d.e+]+\.", line), line
    assert "Hint: With zero kernels every output of channel o equals b[o]." in proc.stdout
    assert "checks.py" not in proc.stdout and "Traceback" not in proc.stdout


def test_check_failure_shows_its_message_alone_in_jupyter(tmp_path):
    """IPython renders a CheckFailure through its _render_traceback_: no frame of cnncourse/checks.py."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from cnncourse import checks\n"
                                          "checks.check_int(2.0, 2, 'conv_output_size(7, 3)')")]
    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3").execute()
    (error,) = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert error.ename == "CheckFailure"
    assert "conv_output_size(7, 3): returned 2.0 of type float; expected an int." in error.evalue
    text = "\n".join(error.traceback)
    assert "checks.py" not in text and "_fail" not in text
    assert "conv_output_size(7, 3): returned 2.0 of type float" in text


def solution_sources_of_repo():
    return solution_cells(REPO / "solutions" / A)


def test_edited_and_retyped_test_cells_are_named(tmp_path):
    """A test cell edited (grading puts it back) or turned into Markdown (nbgrader refuses to run it)."""
    folder = write_submission(RELEASE, tmp_path / "edited", solution_sources_of_repo())
    notebook = folder / f"{A}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_zero_pad")
    cell.source = "pass  # the student made this test pass"
    nbformat.write(nb, notebook)
    proc = validate(notebook)
    assert proc.returncode == 1, proc.stdout
    assert "CHANGED: these read-only or test cells were edited" in proc.stdout and "test_zero_pad" in proc.stdout
    cell.cell_type = "markdown"
    del cell["outputs"], cell["execution_count"]
    nbformat.write(nb, notebook)
    proc = validate(notebook)
    assert proc.returncode == 1, proc.stdout
    assert "test_zero_pad (was code, is markdown)" in proc.stdout
