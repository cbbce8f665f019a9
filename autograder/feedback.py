"""Feedback that tells students which checks failed and why, without showing the hidden tests.

nbgrader's feedback is the autograded notebook rendered as HTML: by default it shows the full source
of every test cell, hidden tests included, and IPython's tracebacks quote the lines around the failing
check. ``HideHiddenTests`` (a feedback preprocessor) removes the hidden-test regions from the test
cells' source and reduces the error output of every graded cell to its last line, the check's message
(``CheckFailure: conv2d_forward: output has shape ...``). Instructors who want the hidden tests in the
feedback set ``CNN_FEEDBACK_SHOW_HIDDEN=1``.
"""

from __future__ import annotations

import re

from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from nbgrader.utils import is_grade

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HideHiddenTests(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        clear = ClearHiddenTests(enforce_metadata=False)
        for cell in nb.cells:
            if cell.cell_type != "code" or not is_grade(cell):
                continue
            if "### BEGIN HIDDEN TESTS" in cell.source:
                clear._remove_hidden_test_region(cell)
                cell.source = cell.source.rstrip() + "\n# (hidden tests ran here)"
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
                    output["traceback"] = [_ANSI.sub("", message)]
        return nb, resources
