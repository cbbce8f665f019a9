"""Feedback that tells students which checks failed and why, without showing the hidden tests.

nbgrader's feedback is the autograded notebook rendered as HTML: by default it shows the full source
of every test cell, hidden tests included, and IPython's tracebacks quote the lines around the failing
check. ``HideHiddenTests`` (a feedback preprocessor) removes the hidden-test regions from the test
cells' source and reduces the error output of every graded cell to its last line, the check's message
(``CheckFailure: conv2d_forward: output has shape ...``). Instructors who want the hidden tests in the
feedback set ``CNN_FEEDBACK_SHOW_HIDDEN=1``.

``NameTests`` gives the page (templates/cnn_feedback) what nbgrader's does not show: each test cell's
title, the first line of its docstring ("conv2d_forward against PyTorch: random shapes..."), which
written answers nobody has graded yet, shown as "written answer: not graded yet" instead of a score of 0,
and which were left as released ("no answer written").
"""

from __future__ import annotations

import copy
import os
import re

import nbgrader
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from nbgrader.utils import is_grade

from validate import what_it_tests

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FORMGRADER = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
_TEMPLATES = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates"),
              os.path.join(_FORMGRADER, "templates")]
# where 'feedback/index.html.j2' (ours extends it) and the bootstrap.min.css it includes are found
_PATHS = [os.path.join(_FORMGRADER, "templates"),
          os.path.join(_FORMGRADER, "static", "node_modules", "bootstrap", "dist", "css")]


class FeedbackExporter(HTMLExporter):
    """nbgrader's feedback page with the course's changes (templates/cnn_feedback/index.html.j2)."""

    def __init__(self, config=None, **kwargs):
        # in the config, not set afterwards: the exporter computes its template paths when it is made
        config = copy.deepcopy(config) if config is not None else Config()
        config.FeedbackExporter.template_name = "cnn_feedback"
        config.FeedbackExporter.extra_template_basedirs = _TEMPLATES
        config.FeedbackExporter.extra_template_paths = _PATHS
        super().__init__(config=config, **kwargs)


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


class NameTests(NbGraderPreprocessor):
    """After GetGrades: ``cnn_title`` on each test cell, ``cnn_pending`` on each hand-graded cell without
    a grade yet, and in ``resources['nbgrader']['cnn_pending_points']`` the points they are worth."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        info = resources["nbgrader"]
        pending_points = 0.0
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                if not is_grade(cell):
                    continue
                meta = cell.metadata.nbgrader
                if cell.cell_type == "code" and not meta.get("solution"):
                    meta["cnn_title"] = what_it_tests(cell.source)
                try:
                    grade = gb.find_grade(meta["grade_id"], info["notebook"], info["assignment"], info["student"])
                except MissingEntry:
                    continue
                if grade.auto_score is None and grade.manual_score is None:
                    meta["cnn_pending"] = True
                    pending_points += float(grade.max_score or 0)
                elif grade.manual_score is None and cell.cell_type == "markdown":
                    meta["cnn_unanswered"] = True  # left as released: nbgrader gives it 0 by itself
        info["cnn_pending_points"] = pending_points
        return nb, resources
