"""The grading pipeline: release exercises, collect submissions, autograde, feedback, grades.csv.

Every step is one nbgrader command run in this folder (so that nbgrader_config.py applies), with the
course root being the folder above. The tests run the same functions on temporary copies of the course.

Usage (from the repository root; `make release` and `make grade` call these):

    python autograder/course.py release [ASSIGNMENT ...]
    python autograder/course.py grade ASSIGNMENT SUBMISSIONS_DIR
    python autograder/course.py scores ASSIGNMENT
    python autograder/course.py export          # autograder/grades.csv from the gradebook

SUBMISSIONS_DIR is a folder as an LMS download unpacks: one folder, zip archive or notebook per student,
or the naming of Canvas, Moodle and Blackboard downloads (collect.py; autograder/README.md).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


@dataclass
class TestResult:
    grade_id: str
    score: float
    max_score: float


@dataclass
class StudentScore:
    student: str
    auto_score: float          # points earned on autograded (code) tests
    auto_max: float            # points available on autograded tests
    manual_max: float          # points graded by hand (written answers), not in auto_*
    tests: list[TestResult] = field(default_factory=list)
    manual_score: float = 0.0  # points given by hand so far
    manual_pending: int = 0    # hand-graded cells nobody has graded yet


class Course:
    """A course folder: ROOT/solutions, ROOT/exercises, ROOT/autograder (this folder's files)."""

    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()
        self.autograder = self.root / "autograder"
        self.db_url = "sqlite:///" + str(self.autograder / "gradebook.db")
        self.collected: dict[str, list[str]] = {}  # student -> files of the last collect()

    # -- running nbgrader ------------------------------------------------------------------------
    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        from collect import valid_student_id

        for arg in args:  # the last gate: nbgrader globs --student (``*`` would grade everyone)
            if arg.startswith("--student=") and not valid_student_id(arg.split("=", 1)[1]):
                raise ValueError(f"refusing to run nbgrader with {arg!r}: not a valid student id")
        env = dict(os.environ)
        # nbgrader calls `alembic` and starts kernels: both must come from this environment.
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        if os.environ.get("CNN_GRADE_SUBPROCESS"):  # the plain way, for comparison (make bench-grade)
            proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.autograder, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        else:  # the same command in a process forked from one that imported nbgrader once (runner.py)
            import runner

            proc = runner.run(list(args), self.autograder, env)
        if check and proc.returncode != 0:
            raise RuntimeError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-5000:]}")
        return proc

    def assignments(self) -> list[str]:
        return sorted(p.name for p in (self.root / "solutions").iterdir()
                      if p.is_dir() and any(p.glob("*.ipynb")))

    # -- steps -----------------------------------------------------------------------------------
    def release(self, assignments: list[str] | None = None) -> None:
        """Regenerate exercises/ASSIGNMENT from solutions/ASSIGNMENT (and record it in the gradebook)."""
        for name in assignments or self.assignments():
            self.nbgrader("generate_assignment", name, "--force")

    def source_notebooks(self, assignment: str) -> list[str]:
        """The names of ASSIGNMENT's notebooks in solutions/ (the names every submission must have)."""
        return sorted(p.name for p in (self.root / "solutions" / assignment).glob("*.ipynb"))

    def collect(self, assignment: str, submissions: Path | str) -> tuple[list[str], dict[str, str]]:
        """Copy each student's notebooks into autograder/submitted/STUDENT/ASSIGNMENT/.

        ``submissions`` is a folder as an LMS download unpacks: one folder, zip or loose notebook per
        student, or Canvas, Moodle or Blackboard's own naming (collect.py lists the layouts). Returns
        the students to grade and, for each submission that cannot be graded (no notebook of the
        expected name, two submissions for one id, a damaged or unsafe archive, an unusable id...), a
        message naming the file; extra notebooks are ignored with a warning. No submission stops the
        others. ``self.collected`` maps each student to the files their notebooks came from.
        """
        from collect import gather

        submissions = Path(submissions)
        if submissions.is_file() and submissions.suffix == ".zip":
            raise FileNotFoundError(f"{submissions} is a zip archive: unzip the LMS's download into a folder "
                                    f"first (unzip '{submissions}' -d downloads) and grade that folder")
        if submissions.is_file():
            raise FileNotFoundError(f"{submissions} is a file, not a folder of submissions")
        if not submissions.is_dir():
            raise FileNotFoundError(f"there is no folder {submissions}")
        found = gather(submissions, assignment, self.source_notebooks(assignment))
        for warning in found.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        students, problems = [], dict(found.problems)
        for student, notebooks in sorted(found.notebooks.items()):
            try:
                target = self.autograder / "submitted" / student / assignment
                if target.exists():
                    shutil.rmtree(target)
                target.mkdir(parents=True)
                for name, data in notebooks.items():
                    (target / name).write_bytes(data)
            except OSError as e:
                problems[student] = f"cannot write its notebooks into autograder/submitted ({e})"
                continue
            students.append(student)
        self.collected = {s: found.sources[s] for s in students}
        return students, problems

    def submitted_students(self, assignment: str) -> list[str]:
        base = self.autograder / "submitted"
        return sorted(p.name for p in base.iterdir() if (p / assignment).is_dir()) if base.is_dir() else []

    def autograde(self, assignment: str, students: list[str] | None = None, jobs: int = 1,
                  progress: bool = False) -> dict[str, str]:
        """Autograde each student's submission in its own nbgrader process, ``jobs`` at a time.

        One broken submission (invalid JSON, a missing notebook...) does not stop the others: its
        student gets no marks, and the returned dict maps each such student to nbgrader's message.
        """
        from concurrent.futures import ThreadPoolExecutor, as_completed

        from nbgrader.api import Gradebook

        from collect import valid_student_id

        # None: every submitted student; [] (a batch where nothing could be collected): nobody
        students = self.submitted_students(assignment) if students is None else students
        failures: dict[str, str] = {s: f"{s!r} cannot be a student id; not graded" for s in students
                                    if not valid_student_id(s)}
        students = [s for s in students if s not in failures]
        with Gradebook(self.db_url) as gb:  # create the students first: the jobs then only add grades
            for student in students:
                gb.update_or_create_student(student)

        def grade(student: str) -> tuple[str, subprocess.CompletedProcess]:
            return student, self.nbgrader("autograde", assignment, "--force", f"--student={student}", check=False)

        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=len(students), desc=f"grading {assignment}", unit="submission")
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for future in as_completed([pool.submit(grade, s) for s in students]):
                student, proc = future.result()
                if proc.returncode != 0:
                    failures[student] = _nbgrader_errors(proc.stdout)
                if bar is not None:
                    bar.update(1)
                    if proc.returncode != 0:
                        bar.write(f"{student}: not graded: {failures[student].splitlines()[0]}")
        if bar is not None:
            bar.close()
        return failures

    def feedback(self, assignment: str) -> None:
        """HTML feedback per graded student in autograder/feedback/ (hidden tests not shown: feedback.py)."""
        proc = self.nbgrader("generate_feedback", assignment, "--force", check=False)
        if proc.returncode != 0:
            print(f"warning: feedback incomplete:\n{_nbgrader_errors(proc.stdout)}", file=sys.stderr)

    EXPORT_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                      "raw_score", "late_submission_penalty", "score", "max_score"]

    def export(self, path: Path | str | None = None) -> Path:
        """grades.csv: the rows and columns of ``nbgrader export`` (nbgrader 0.9's CsvExportPlugin, one
        row per assignment and student, 0 for a missing submission), written with ``csv.writer``:
        nbgrader's exporter joins the fields with commas unquoted, so a comma, quote or newline in a
        name would shift columns or forge rows."""
        from nbgrader.api import Gradebook, MissingEntry

        path = Path(path) if path else self.autograder / "grades.csv"
        rows = []
        with Gradebook(self.db_url) as gb:
            for assignment in gb.assignments:
                for student in gb.students:
                    try:
                        sub = gb.find_submission(assignment.name, student.id)
                    except MissingEntry:
                        timestamp, raw, penalty, score = "", 0.0, 0.0, 0.0
                    else:
                        timestamp, raw, penalty = sub.timestamp, sub.score, sub.late_submission_penalty
                        score = max(0.0, sub.score - penalty)
                    row = [assignment.name, assignment.duedate, timestamp, student.id, student.last_name,
                           student.first_name, student.email, raw, penalty, score, assignment.max_score]
                    rows.append(["" if v is None else str(v) for v in row])
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(self.EXPORT_COLUMNS)
            writer.writerows(rows)
        os.replace(tmp, path)
        return path

    # -- reading the gradebook -------------------------------------------------------------------
    def scores(self, assignment: str) -> dict[str, StudentScore]:
        from nbgrader.api import Gradebook

        result: dict[str, StudentScore] = {}
        with Gradebook(self.db_url) as gb:
            for sub in gb.assignment_submissions(assignment):
                tests, manual_max, manual_score, pending = [], 0.0, 0.0, 0
                for nb in sub.notebooks:
                    for g in nb.grades:
                        if g.cell_type == "code":
                            tests.append(TestResult(g.name, float(g.auto_score or 0.0), float(g.max_score)))
                        else:
                            manual_max += float(g.max_score)
                            if g.manual_score is None and g.auto_score is None:
                                pending += 1  # (an answer left as released has auto_score 0)
                            else:
                                manual_score += float(g.score)
                result[sub.student.id] = StudentScore(
                    sub.student.id, sum(t.score for t in tests), sum(t.max_score for t in tests), manual_max,
                    sorted(tests, key=lambda t: t.grade_id), manual_score, pending)
        return result

    def autograded_notebook(self, assignment: str, student: str) -> Path:
        found = sorted((self.autograder / "autograded" / student / assignment).glob("*.ipynb"))
        if not found:
            raise FileNotFoundError(f"no autograded notebook for {student}/{assignment}")
        return found[0]


def _nbgrader_errors(log: str) -> str:
    """The lines of an nbgrader log that say what went wrong (for a student's failed submission)."""
    lines = [line.strip() for line in log.splitlines() if "ERROR" in line or "Error" in line]
    return "\n".join(lines[-12:]) or log[-2000:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(HERE.parent), help="course root (default: the repository)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="regenerate exercises/ from solutions/")
    p.add_argument("assignments", nargs="*")
    p = sub.add_parser("grade", help="collect, autograde, generate feedback, export grades.csv")
    p.add_argument("assignment")
    p.add_argument("submissions")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at the same time")
    p = sub.add_parser("scores", help="print each student's autograded score")
    p.add_argument("assignment")
    sub.add_parser("export", help="write autograder/grades.csv from the gradebook (after grading by hand)")
    args = parser.parse_args(argv)

    course = Course(args.root)
    if args.command == "release":
        course.release(args.assignments or None)
        print("released:", ", ".join(args.assignments or course.assignments()))
    elif args.command == "grade":
        if args.assignment not in course.assignments():
            parser.error(f"unknown assignment {args.assignment!r}; choose one of {', '.join(course.assignments())}")
        try:
            students, problems = course.collect(args.assignment, args.submissions)
        except FileNotFoundError as e:
            print(f"Cannot grade {args.assignment}: {e}.\n\n{layouts(args.assignment)}", file=sys.stderr)
            return 2
        if not students and not problems:
            entries = sorted(p.name for p in Path(args.submissions).iterdir())
            held = (f"it holds {len(entries)} {'entry' if len(entries) == 1 else 'entries'}, none of them a "
                    f"submission: {', '.join(entries[:5])}"
                    f"{', ...' if len(entries) > 5 else ''}") if entries else "it is empty"
            print(f"Cannot grade {args.assignment}: no submissions in {args.submissions} ({held}).\n\n"
                  f"{layouts(args.assignment)}", file=sys.stderr)
            return 2
        course.release([args.assignment])  # make sure the gradebook knows the assignment's tests
        problems.update(course.autograde(args.assignment, students, jobs=args.jobs, progress=True))
        for student, message in sorted(problems.items()):
            print(f"NOT GRADED {student}: {message.splitlines()[0]}", file=sys.stderr)
        course.feedback(args.assignment)
        out = course.export()
        from report import write_report
        report = write_report(course, args.assignment, problems, batch=set(students) | set(problems))
        graded = len(students) - len(set(problems) & set(students))
        total = len(students) + len(set(problems) - set(students))
        print(f"graded {graded} of {total} submissions; grades: {out}; feedback: {course.autograder / 'feedback'}; "
              f"report: {report.with_suffix('.html')} (and {report.name})")
        scores = course.scores(args.assignment)
        earlier = sorted(set(scores) - set(students) - set(problems))
        if earlier:
            print(f"also in the gradebook from earlier runs: {', '.join(earlier)} "
                  f"(in grades.csv and the report; `make clean-grades` starts afresh)")
        _print_scores(scores)
    elif args.command == "scores":
        _print_scores(course.scores(args.assignment))
    elif args.command == "export":
        print(f"grades: {course.export()}")
    return 0


def layouts(assignment: str) -> str:
    """The layouts of a submissions folder that collect.py reads, with ASSIGNMENT's notebook as example."""
    nb = f"{assignment}.ipynb"
    rows = [(f"alice/{assignment}/{nb}", "nbgrader's submitted layout"),
            (f"alice/{nb}", "one folder per student"),
            ("alice.zip, alice_12345_attempt.zip", "one zip per student, the notebooks at any depth"),
            ("alice.ipynb", "a loose notebook, if the assignment has one notebook"),
            (f"doejane_12345_67890_{nb}", "Canvas (Download Submissions)"),
            (f"Jane Doe_123456_assignsubmission_file_/{nb}", "Moodle (Download all submissions)"),
            (f"Exercise 1_jdoe_attempt_2026-11-30-10-15-00_{nb}", "Blackboard (Assignment File Download)")]
    width = max(len(r[0]) for r in rows)
    return ("SUBMISSIONS is the folder an LMS download unpacks to (unzip submissions.zip -d downloads), "
            "one entry per student, in any of these layouts (autograder/README.md, Submissions folder):\n"
            + "\n".join(f"  {example:<{width}}  {what}" for example, what in rows))


def _print_scores(scores: dict[str, StudentScore]) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(["student", "auto_score", "auto_max", "manual_max"])
    for s in scores.values():
        writer.writerow([s.student, s.auto_score, s.auto_max, s.manual_max])


if __name__ == "__main__":
    sys.exit(main())
