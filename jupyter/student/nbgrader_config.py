"""nbgrader's configuration for students (`make lab` puts this folder on JUPYTER_CONFIG_PATH).

It serves the notebook toolbar's Validate button (nbgrader's validate_assignment server extension,
which reads nbgrader_config.py from the Jupyter config path): a cell may run as long as the grader
allows (300 s; nbgrader's own default of 30 s stops exercise 07's training), and `nbgrader validate`
run with this configuration does not cut messages at 88 characters. `make validate NOTEBOOK=...`
(autograder/validate.py) says the same more plainly, from a terminal.
"""
c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

c.Validator.width = 400
c.Execute.timeout = 300
