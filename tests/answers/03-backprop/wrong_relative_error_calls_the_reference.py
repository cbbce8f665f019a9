# Wrong: relative_error returns the right numbers by calling the course's own reference,
# cnncourse.checks.relative_error, instead of computing them with NumPy (the hidden test forbids calls
# into cnncourse; at grading time the student's kernel watches the call and reports it).
# expect-fail: test_relative_error
# %% [relative_error]
from cnncourse import checks as _course_checks


def relative_error(a, b):
    return _course_checks.relative_error(a, b)
