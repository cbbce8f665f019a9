"""nbgrader's configuration for students (`make lab` puts this folder on JUPYTER_CONFIG_PATH).

It serves the notebook toolbar's Validate button: failure messages are not cut at 88 characters, and a
cell may run as long as the grader allows. `make validate NOTEBOOK=...` (autograder/validate.py) says
the same more plainly, from a terminal.
"""
c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.Validator.width = 400
c.Execute.timeout = 300
