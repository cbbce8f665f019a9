"""nbgrader's configuration for this course.

The course root is the folder above this one (the repository, or a temporary copy made by the tests):
- solutions/   nbgrader's *source* directory: solutions and hidden tests (instructors edit here)
- exercises/   nbgrader's *release* directory: the student notebooks, generated and committed
- autograder/submitted, autograder/autograded, autograder/feedback and autograder/gradebook.db
               the grading work; git-ignored, never committed

Run nbgrader from this folder (`cd autograder && nbgrader ...`) or through `make release` / `make grade`.
"""
import os

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
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
# Only notebooks are assignment material; the helper package is installed, not copied.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

# Release: each solution region becomes a stub that fails loudly.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Autograde: a cell that runs longer than this is stopped; later cells still run.
c.ExecutePreprocessor.timeout = 300
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True
c.Execute.raise_on_iopub_timeout = False
