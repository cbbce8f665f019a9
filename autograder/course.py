"""The grading pipeline: release exercises, collect submissions, autograde, feedback, grades.csv.

Every step is one nbgrader command run in this folder (so that nbgrader_config.py applies), with the
course root being the folder above. The tests run the same functions on temporary copies of the course.

Usage (from the repository root; `make release` and `make grade` call these):

    python autograder/course.py release [ASSIGNMENT ...]
    python autograder/course.py grade ASSIGNMENT SUBMISSIONS_DIR
    python autograder/course.py scores ASSIGNMENT
    python autograder/course.py export          # grades.csv, grades-canvas.csv, grades-by-student.csv
    python autograder/course.py --gradebook postgresql://grader@dbhost/cnn grade ...   # (or GRADEBOOK=URL)

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

# How Course.nbgrader starts each nbgrader command (CNN_GRADE_LAUNCH; both give every command a process of its own).
LAUNCHES = ("forkserver", "subprocess")
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


def gradebook_url(autograder: Path) -> str:
    """The gradebook's SQLAlchemy URL: the environment variable GRADEBOOK (postgresql://USER@HOST/DB, or
    any URL SQLAlchemy reads), else AUTOGRADER/gradebook.db (SQLite). nbgrader_config.py reads the same
    variable, so that the nbgrader commands this module runs, and the formgrader, use the same database."""
    return os.environ.get("GRADEBOOK") or "sqlite:///" + str(Path(autograder) / "gradebook.db")


def safe_url(url: str) -> str:
    """URL with its password hidden (to print it)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy reads: say so with the scheme only
        return url.split(":", 1)[0] + ":..."


def check_gradebook(url: str) -> str | None:
    """None if the gradebook at URL can be opened (created when new), else a sentence saying why not."""
    from nbgrader.api import Gradebook

    try:
        with Gradebook(url):
            return None
    except ModuleNotFoundError as e:
        return (f"cannot open the gradebook {safe_url(url)}: its database driver {e.name!r} is not installed "
                f"(requirements.txt has psycopg for postgresql://)")
    except Exception as e:  # noqa: BLE001 - any failure to connect becomes the one line to act on
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        return f"cannot open the gradebook {safe_url(url)}: {first}"


class Course:
    """A course folder: ROOT/solutions, ROOT/exercises, ROOT/autograder (this folder's files)."""

    def __init__(self, root: Path | str):
        self.root = Path(root).resolve()
        self.autograder = self.root / "autograder"
        self.db_url = gradebook_url(self.autograder)
        self.collected: dict[str, list[str]] = {}  # student -> files of the last collect()
        self.last_batch = None  # engine.BatchReport of the last autograde()

    # -- running nbgrader ------------------------------------------------------------------------
    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        from collect import valid_student_id

        for arg in args:  # the last gate: nbgrader globs --student (``*`` would grade everyone)
            if arg.startswith("--student=") and not valid_student_id(arg.split("=", 1)[1]):
                raise ValueError(f"refusing to run nbgrader with {arg!r}: not a valid student id")
        env = dict(os.environ)
        # nbgrader calls `alembic` and starts kernels: both must come from this environment.
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        launch = os.environ.get("CNN_GRADE_LAUNCH", "forkserver")
        if launch not in LAUNCHES:
            raise ValueError(f"CNN_GRADE_LAUNCH={launch!r}: expected one of {', '.join(LAUNCHES)}")
        if launch == "forkserver":  # a fresh process forked from a server that preloaded nbgrader (runner.py)
            import runner

            proc = runner.run(list(args), self.autograder, env)
        else:  # `python -m nbgrader`, paying its start-up (about 5 s) each time
            proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.autograder, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
                  progress: bool = False, scheduler: str | None = None, regrade: bool = False) -> dict[str, str]:
        """Autograde each student's submission with Dask (engine.py): on a LocalCluster of ``jobs`` worker
        processes, or on the cluster at ``scheduler`` (tcp://HOST:8786). A submission already graded (the
        same files, the same release: autograder/ledger) is not graded again unless ``regrade``.

        One broken submission (invalid JSON, a missing notebook...) does not stop the others: its
        student gets no marks, and the returned dict maps each such student to nbgrader's message (or,
        when the grading itself failed, to a message naming the worker). ``self.last_batch`` is the
        engine's BatchReport (who was skipped, graded where, how fast).
        """
        from nbgrader.api import Gradebook

        from collect import valid_student_id
        from engine import BatchReport, grade_batch

        # None: every submitted student; [] (a batch where nothing could be collected): nobody
        students = self.submitted_students(assignment) if students is None else students
        failures: dict[str, str] = {s: f"{s!r} cannot be a student id; not graded" for s in students
                                    if not valid_student_id(s)}
        students = [s for s in students if s not in failures]
        if not students:
            self.last_batch = BatchReport(run="")
            return failures
        with Gradebook(self.db_url) as gb:  # create the students first: recording then only adds grades
            for student in students:
                gb.update_or_create_student(student)
        self.last_batch = grade_batch(self, assignment, students, jobs=jobs, scheduler=scheduler,
                                      progress=progress, regrade=regrade)
        failures.update(self.last_batch.failures)
        return failures

    def feedback(self, assignment: str) -> None:
        """HTML feedback per graded student in autograder/feedback/ (hidden tests not shown: feedback.py)."""
        proc = self.nbgrader("generate_feedback", assignment, "--force", check=False)
        if proc.returncode != 0:
            print(f"warning: feedback incomplete:\n{_nbgrader_errors(proc.stdout)}", file=sys.stderr)

    EXPORT_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                      "raw_score", "late_submission_penalty", "score", "max_score"]
    CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]

    def export(self, path: Path | str | None = None, canvas_ids: dict[str, str] | None = None) -> Path:
        """Write the grades from the gradebook, each file with ``csv.writer`` (a comma, quote or newline
        in an id or a name stays inside its field), and return the path of grades.csv:

        - grades.csv: the rows and columns of ``nbgrader export`` (nbgrader 0.9's CsvExportPlugin, one
          row per assignment and student, 0 for a missing submission); nbgrader's exporter joins the
          fields with commas unquoted, so a comma in a name would shift columns or forge rows.
        - grades-canvas.csv beside it: Canvas's gradebook import. Columns Student, ID, SIS User ID, SIS
          Login ID, Section, then one per assignment, ``NAME (CANVAS_ID)`` where ``canvas_ids`` maps the
          assignment to its Canvas assignment id (else ``NAME``: Canvas then creates a new assignment);
          the second row is ``Points Possible``. A student id of digits only is a Canvas user id (what
          collect.py reads from a Canvas download) and goes in ID; any other id goes in SIS Login ID.
        - grades-by-student.csv beside it: one row per student id, one column per assignment (the
          score), and the total.

        In the last two, a student without a submission of an assignment has an empty cell (not 0), so
        an import does not overwrite a grade entered in the LMS by hand.
        """
        path = Path(path) if path else self.autograder / "grades.csv"
        assignments, students, rows, submitted = self._grade_rows()
        _write_csv(path, [self.EXPORT_COLUMNS] + [["" if v is None else str(v) for v in row] for row in rows])
        score = {(r[0], r[3]): r[9] for r in rows if (r[0], r[3]) in submitted}  # (assignment, student) -> score
        canvas_ids = canvas_ids or {}
        names = [a for a, _ in assignments]
        header = self.CANVAS_COLUMNS + [f"{a} ({canvas_ids[a]})" if a in canvas_ids else a for a in names]
        canvas = [header, ["Points Possible", "", "", "", ""] + [_number(m) for _, m in assignments]]
        by_student = [["student_id", *names, "total"]]
        for student_id, last, first in students:
            cells = [_number(score[a, student_id]) if (a, student_id) in score else "" for a in names]
            name = ", ".join(n for n in (last, first) if n) or student_id
            numeric = student_id.isascii() and student_id.isdigit()
            canvas.append([name, student_id if numeric else "", "", "" if numeric else student_id, "", *cells])
            total = sum(score.get((a, student_id), 0.0) for a in names)
            by_student.append([student_id, *cells, _number(total)])
        _write_csv(path.with_name("grades-canvas.csv"), canvas)
        _write_csv(path.with_name("grades-by-student.csv"), by_student)
        return path

    def _grade_rows(self) -> tuple[list[tuple[str, float]], list[tuple[str, str, str]], list[list], set]:
        """(assignment, max_score) for each assignment, (id, last name, first name) for each student, the
        rows of grades.csv, and the (assignment, student) pairs that have a submission, from the gradebook."""
        from nbgrader.api import Gradebook, MissingEntry

        rows, submitted = [], set()
        with Gradebook(self.db_url) as gb:
            assignments = [(a.name, float(a.max_score)) for a in gb.assignments]
            students = [(s.id, s.last_name or "", s.first_name or "") for s in gb.students]
            for assignment in gb.assignments:
                for student in gb.students:
                    try:
                        sub = gb.find_submission(assignment.name, student.id)
                    except MissingEntry:
                        timestamp, raw, penalty, score = None, 0.0, 0.0, 0.0
                    else:
                        timestamp, raw, penalty = sub.timestamp, sub.score, sub.late_submission_penalty
                        submitted.add((assignment.name, student.id))
                        score = max(0.0, sub.score - penalty)
                    rows.append([assignment.name, assignment.duedate, timestamp, student.id, student.last_name,
                                 student.first_name, student.email, raw, penalty, score, assignment.max_score])
        return assignments, students, rows, submitted

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

    def hand_graded(self, assignment: str) -> list[str]:
        """The students whose submission of ASSIGNMENT has a score or a comment given by hand (formgrader)."""
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gb:
            return sorted({sub.student.id for sub in gb.assignment_submissions(assignment)
                           for nb in sub.notebooks
                           if any(g.manual_score is not None or g.extra_credit for g in nb.grades)
                           or any(c.manual_comment for c in nb.comments)})

    def autograded_notebook(self, assignment: str, student: str) -> Path:
        found = sorted((self.autograder / "autograded" / student / assignment).glob("*.ipynb"))
        if not found:
            raise FileNotFoundError(f"no autograded notebook for {student}/{assignment}")
        return found[0]


def _number(x: float) -> str:
    """Points as the LMS reads them: 23.0 -> '23', 22.5 -> '22.5'."""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(round(x, 6))


def _write_csv(path: Path, rows: list[list]) -> None:
    """ROWS into PATH with csv.writer, atomically (a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    os.replace(tmp, path)


def _nbgrader_errors(log: str) -> str:
    """The lines of an nbgrader log that say what went wrong (for a student's failed submission)."""
    lines = [line.strip() for line in log.splitlines() if "ERROR" in line or "Error" in line]
    return "\n".join(lines[-12:]) or log[-2000:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=str(HERE.parent), help="course root (default: the repository)")
    parser.add_argument("--gradebook", metavar="URL", default=None,
                        help="the gradebook's database URL, e.g. postgresql://grader@dbhost/cnn (default: the "
                             "environment variable GRADEBOOK, else SQLite in autograder/gradebook.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("release", help="regenerate exercises/ from solutions/")
    p.add_argument("assignments", nargs="*")
    p = sub.add_parser("grade", help="collect, autograde, generate feedback, export grades.csv")
    p.add_argument("assignment")
    p.add_argument("submissions")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at the same time: the worker processes "
                                                        "of the LocalCluster started for this run")
    p.add_argument("--scheduler", metavar="ADDRESS", default=os.environ.get("DASK_SCHEDULER") or None,
                   help="grade on the existing Dask cluster at ADDRESS (tcp://HOST:8786) instead of a LocalCluster "
                        "(default: the environment variable DASK_SCHEDULER; autograder/README.md)")
    p.add_argument("--regrade", action="store_true",
                   help="grade every submission again, also those already graded (same files, same release)")
    p.add_argument("--canvas-id", action="append", default=[], metavar="ASSIGNMENT=ID",
                   help="Canvas's id of an assignment, for grades-canvas.csv's column 'ASSIGNMENT (ID)' (repeat it)")
    p = sub.add_parser("scores", help="print each student's autograded score")
    p.add_argument("assignment")
    p = sub.add_parser("export", help="write autograder/grades.csv, grades-canvas.csv and grades-by-student.csv "
                                      "from the gradebook (after grading by hand)")
    p.add_argument("--canvas-id", action="append", default=[], metavar="ASSIGNMENT=ID",
                   help="Canvas's id of an assignment, for grades-canvas.csv's column 'ASSIGNMENT (ID)' (repeat it)")
    args = parser.parse_args(argv)
    canvas_ids = {}
    for item in getattr(args, "canvas_id", []):
        name, _, canvas_id = item.partition("=")
        if not name or not canvas_id.strip().isdigit():
            parser.error(f"--canvas-id {item!r}: write ASSIGNMENT=ID, the id being Canvas's number of the assignment")
        canvas_ids[name] = canvas_id.strip()
    # a new gradebook is stamped by running `alembic`: this environment's, also when not run through make
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    if args.gradebook:  # for this process and every nbgrader it starts (nbgrader_config.py reads it)
        os.environ["GRADEBOOK"] = args.gradebook

    course = Course(args.root)
    problem = None if course.db_url.startswith("sqlite:") else check_gradebook(course.db_url)
    if problem:  # a database server: say in one line when it cannot be reached, before any grading
        print(f"{problem}.", file=sys.stderr)
        return 2
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
        problems.update(course.autograde(args.assignment, students, jobs=args.jobs, progress=True,
                                         scheduler=args.scheduler, regrade=args.regrade))
        for student, message in sorted(problems.items()):
            print(f"NOT GRADED {student}: {message.splitlines()[0]}", file=sys.stderr)
        # Each grading machine wrote its student's feedback; nbgrader writes it again from the gradebook, for
        # everyone, once anything was graded by hand (the formgrader) or a feedback folder is missing.
        graded_now = [s for s in students if s not in problems]
        if course.hand_graded(args.assignment) or any(
                not (course.autograder / "feedback" / s / args.assignment).is_dir() for s in graded_now):
            course.feedback(args.assignment)
        out = course.export(canvas_ids=canvas_ids)
        from report import write_report
        report = write_report(course, args.assignment, problems, batch=set(students) | set(problems),
                              grading=course.last_batch)
        graded = len(students) - len(set(problems) & set(students))
        total = len(students) + len(set(problems) - set(students))
        batch = course.last_batch
        run = (f" ({len(batch.graded)} in this run on {batch.engine}, {len(batch.skipped)} already graded)"
               if batch and batch.skipped else "")
        print(f"graded {graded} of {total} submissions{run}; grades: {out}; feedback: "
              f"{course.autograder / 'feedback'}; report: {report.with_suffix('.html')} (and {report.name})")
        scores = course.scores(args.assignment)
        earlier = sorted(set(scores) - set(students) - set(problems))
        if earlier:
            print(f"also in the gradebook from earlier runs: {', '.join(earlier)} "
                  f"(in grades.csv and the report; `make clean-grades` starts afresh)")
        _print_scores(scores)
    elif args.command == "scores":
        _print_scores(course.scores(args.assignment))
    elif args.command == "export":
        out = course.export(canvas_ids=canvas_ids)
        print(f"grades: {out} (and {out.with_name('grades-canvas.csv').name} for Canvas, "
              f"{out.with_name('grades-by-student.csv').name}); gradebook: {safe_url(course.db_url)}")
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
