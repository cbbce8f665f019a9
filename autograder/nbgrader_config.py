"""nbgrader's configuration for this course.

The course root is the folder above this one (the repository, or a temporary copy made by the tests):
- solutions/   nbgrader's *source* directory: solutions and hidden tests (instructors edit here)
- exercises/   nbgrader's *release* directory: the student notebooks, generated and committed
- autograder/submitted, autograder/autograded, autograder/feedback and autograder/gradebook.db
               the grading work; git-ignored, never committed (the gradebook is elsewhere when the
               environment variable GRADEBOOK holds a database URL: autograder/README.md)

Run nbgrader from this folder (`cd autograder && nbgrader ...`) or through `make release` / `make grade`.
"""
import os
import sys

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

c.CourseDirectory.course_id = "cnn-course"
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "autograder/submitted"
c.CourseDirectory.autograded_directory = "autograder/autograded"
c.CourseDirectory.feedback_directory = "autograder/feedback"
# The gradebook: GRADEBOOK (any SQLAlchemy URL, postgresql://USER@HOST/DB for a large class), else
# autograder/gradebook.db (SQLite). course.py's --gradebook sets GRADEBOOK for the nbgrader it runs.
c.CourseDirectory.db_url = os.environ.get("GRADEBOOK") or "sqlite:///" + os.path.join(HERE, "gradebook.db")
# Only notebooks are assignment material; the helper package is installed, not copied.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

# Release: each solution region becomes a stub that fails loudly.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograde: a cell that runs longer than the timeout (below) is interrupted; later cells still run.
c.Execute.interrupt_on_timeout = True
c.Execute.raise_on_iopub_timeout = False

# Student code runs in a sandboxed kernel (sandbox.py): its own user id and namespaces, no network, the
# course folder, the repository and the home folder hidden, private /tmp, memory, processes, time and
# output limited, and a test that did not run earns nothing.
sys.path.insert(0, HERE)
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern, LimitOutput,
    OverwriteCells, OverwriteKernelspec, SaveAutoGrades)
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from cells import RestoreCells  # noqa: E402
from guard import GuardChecks, UnguardChecks  # noqa: E402
from checker import CheckedExecute  # noqa: E402

# Sanitize: first the released notebook's locked and graded cells are put back (cells.py: deleted,
# duplicated, retyped, re-pointed or renamed test cells, invented graded cells), then nbgrader's own
# steps (its default list in nbgrader 0.9) restore the hidden tests' sources from the gradebook.
c.Autograde.sanitize_preprocessors = [
    RestoreCells, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata,
]
c.RestoreCells.course_root = ROOT

# CheckedExecute (checker.py) is SandboxedExecute (sandbox.py), except for the assignments of this table:
# their test cells run in the grading process, never in the student's kernel, and the kernel cannot
# import the packages listed (they are not there). The other assignments' test cells run in the kernel
# under GuardChecks/UnguardChecks (guard.py): the hidden checks use references taken before student code.
NO_TORCH = ["torch", "torchvision", "torchaudio", "functorch", "torchgen"]
CHECKED = {
    "01-convolution": NO_TORCH + ["scipy"],
    "02-pooling-activations": NO_TORCH,  # gelu may use scipy.special.erf (the exercise says so)
    "03-backprop": NO_TORCH + ["scipy"],
    "04-fast-convolution": NO_TORCH + ["scipy"],
    "05-numpy-cnn": NO_TORCH + ["scipy"],  # no scikit-learn either (it imports scipy): the digits are read with NumPy
}
c.CheckedExecute.assignments = CHECKED
c.GuardChecks.skip_assignments = c.UnguardChecks.skip_assignments = list(CHECKED)
c.Autograde.autograde_preprocessors = [
    GuardChecks, CheckedExecute, UnguardChecks, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
c.SandboxedExecute.course_root = ROOT
c.SandboxedExecute.timeout = int(os.environ.get("CNN_GRADE_CELL_TIMEOUT", "300"))  # seconds per cell
c.SandboxedExecute.memory_mb = int(os.environ.get("CNN_GRADE_MEMORY_MB", "6144"))  # per kernel
c.SandboxedExecute.notebook_timeout = int(os.environ.get("CNN_GRADE_NOTEBOOK_TIMEOUT", "1800"))  # seconds
c.SandboxedExecute.max_processes = int(os.environ.get("CNN_GRADE_PROCESSES", "512"))  # processes and threads
# Output kept per cell and per notebook (KiB); the rest is dropped with a notice (feedback stays small).
c.SandboxedExecute.output_cell_kb = int(os.environ.get("CNN_GRADE_OUTPUT_CELL_KB", "512"))
c.SandboxedExecute.output_notebook_kb = int(os.environ.get("CNN_GRADE_OUTPUT_NOTEBOOK_KB", "2048"))
# A flood of output is cut: at most this many lines per stream, this many outputs per cell.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Feedback shows which checks failed and their messages, not the hidden tests' code; each test is named
# by the first line of its docstring, and a written answer not graded yet says so (templates/cnn_feedback).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402
from feedback import FeedbackExporter, HideHiddenTests, NameTests  # noqa: E402

_hide = [] if os.environ.get("CNN_FEEDBACK_SHOW_HIDDEN") == "1" else [HideHiddenTests]
c.GenerateFeedback.preprocessors = [GetGrades, *_hide, NameTests, CSSHTMLHeaderPreprocessor]
# Its own exporter class, so that the formgrader's HTMLExporter keeps nbgrader's templates.
c.GenerateFeedback.exporter_class = FeedbackExporter
