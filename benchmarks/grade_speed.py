"""How fast does `make grade` get through a class? The same submissions graded by the embedded default
(`--jobs 1`: a Dask LocalCluster of one worker process, started by `make grade` itself) and by a
LocalCluster of two workers (`--jobs 2`), through the real pipeline: nbgrader autograde with the
sandboxed kernel, each submission in a temporary folder of its worker (autograder/engine.py, grader.py).

The submissions are real notebooks of exercise 01, made the way `make samples` makes them
(autograder/samples.py): the instructor's solution and the graded answers of tests/answers/, in turn.
Everything happens in a temporary copy of the course; the repository is not touched.

    python benchmarks/grade_speed.py            # 20 submissions, --jobs 1 then --jobs 2
    python benchmarks/grade_speed.py --quick    # 4 submissions (used by the tests; the rates mean little)
    python benchmarks/grade_speed.py --jobs 1 2 4 --submissions 40
    python benchmarks/grade_speed.py --scheduler tcp://host:8786   # also an existing Dask cluster
    python benchmarks/grade_speed.py --output benchmarks/results/grade_speed-DATE.json  # also save the run

Prints submissions per minute for each engine and the speed-up over one job. Goal: at least 1.8x with
two workers on two cores (each worker grades one submission at a time: one nbgrader process and one
kernel). Each run grades every submission again (`--regrade`: the ledger would skip them) and counts
the cluster's start, as `make grade` pays it. One submission is graded first, untimed, so that no timed
run pays for cold caches.

Each nbgrader command is forked from a server that imported nbgrader and PyTorch once per worker (the
course's default launch, autograder/runner.py); ``--launch subprocess`` runs ``python -m nbgrader`` each
time instead (``CNN_GRADE_LAUNCH``), and ``--launch subprocess forkserver`` grades the same submissions
both ways, in turn, and prints the ratio measured side by side.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "autograder"))

from course import Course  # noqa: E402
from samples import sample_answers, solution_cells, write_submission  # noqa: E402


def make_course(root: Path, assignment: str) -> Course:
    """A temporary course holding one assignment, released, with the autograder's configuration."""
    for folder in ("solutions", "exercises"):
        shutil.copytree(REPO / folder / assignment, root / folder / assignment)
    (root / "autograder").mkdir()
    for path in (REPO / "autograder").glob("*.py"):
        shutil.copy2(path, root / "autograder" / path.name)
    course = Course(root)
    course.release([assignment])
    return course


def submissions(course: Course, assignment: str, count: int) -> list[str]:
    """Write COUNT submissions (the solution, then each correct and wrong answer of tests/answers/, in turn);
    returns their names."""
    solution = solution_cells(course.root / "solutions" / assignment)
    kinds = [("solution", solution)] + [(a.name, {**solution, **a.cells})
                                         for a in sample_answers(REPO / "tests" / "answers" / assignment)]
    students = []
    for i in range(count):
        name, cells = kinds[i % len(kinds)]
        student = f"s{i + 1:02d}_{name}"
        write_submission(course.root / "exercises" / assignment,
                         course.autograder / "submitted" / student / assignment, cells)
        students.append(student)
    return students


def timed_grading(course: Course, assignment: str, students: list[str], jobs: int,
                  launch: str = "forkserver", scheduler: str | None = None) -> float:
    old = os.environ.get("CNN_GRADE_LAUNCH")
    os.environ["CNN_GRADE_LAUNCH"] = launch
    try:
        start = time.perf_counter()
        failures = course.autograde(assignment, students, jobs=jobs, scheduler=scheduler, regrade=True)
        elapsed = time.perf_counter() - start
    finally:
        os.environ.pop("CNN_GRADE_LAUNCH", None)
        if old is not None:
            os.environ["CNN_GRADE_LAUNCH"] = old
    if failures:
        raise RuntimeError(f"grading failed with --jobs {jobs}: {failures}")
    if sorted(course.last_batch.graded) != sorted(students):
        raise RuntimeError(f"not every submission was graded once: {course.last_batch}")
    return elapsed


def engine_name(jobs: int, scheduler: str | None) -> str:
    if scheduler:
        return f"the Dask cluster at {scheduler}"
    return f"jobs {jobs} (" + ("the embedded default: " if jobs == 1 else "") + \
        f"a LocalCluster of {jobs} worker{'s' if jobs > 1 else ''})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="01-convolution")
    parser.add_argument("--submissions", type=int, default=20, help="how many submissions each run grades")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="the LocalClusters' numbers of workers")
    parser.add_argument("--scheduler", default=None, help="also grade on the existing Dask cluster at this address")
    parser.add_argument("--launch", nargs="+", choices=["forkserver", "subprocess"], default=["forkserver"],
                        help="how each nbgrader command starts (runner.py); several: compared side by side")
    parser.add_argument("--quick", action="store_true", help="4 submissions: checks that it runs, not the speed")
    parser.add_argument("--output", help="also write the run (rates, machine, load) to this JSON file")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    count = 4 if args.quick else args.submissions
    jobs_list = sorted(set(args.jobs))
    engines = [(jobs, None) for jobs in jobs_list] + ([(0, args.scheduler)] if args.scheduler else [])

    print(f"grading {count} submissions of {args.assignment} with {', '.join(engine_name(*e) for e in engines)}; "
          f"{os.cpu_count()} CPU cores" + (" (--quick: the rates mean little)" if args.quick else ""))
    with tempfile.TemporaryDirectory(prefix="grade-speed-") as tmp:
        course = make_course(Path(tmp), args.assignment)
        students = submissions(course, args.assignment, count)
        warm = time.perf_counter()
        course.autograde(args.assignment, students[:1], jobs=1)
        print(f"warm-up: 1 submission in {time.perf_counter() - warm:.1f} s (not timed)")
        rates = {}
        launches = list(dict.fromkeys(args.launch))
        for jobs, scheduler in engines:
            for launch in launches:
                elapsed = timed_grading(course, args.assignment, students, jobs, launch, scheduler)
                rates[jobs, launch] = count / (elapsed / 60)
                print(f"{engine_name(jobs, scheduler)}" + (f", {launch}" if len(launches) > 1 else "")
                      + f": {count} submissions in {elapsed:.1f} s: {rates[jobs, launch]:.2f} submissions/minute")
        scores = course.scores(args.assignment)
        print("scores: " + ", ".join(f"{s}: {scores[s].auto_score:g}/{scores[s].auto_max:g}" for s in students))
    base = min(jobs_list)
    for launch in launches:
        for jobs, scheduler in engines:
            if (jobs, scheduler) != (base, None):
                label = "the cluster" if scheduler else f"jobs {jobs}"
                print(f"speed-up {label} / jobs {base}" + (f" ({launch})" if len(launches) > 1 else "")
                      + f": {rates[jobs, launch] / rates[base, launch]:.2f}x"
                      + (" (goal: at least 1.8x on 2 cores)" if (base, jobs, scheduler) == (1, 2, None) else ""))
    if len(launches) == 2:
        for jobs, _ in engines:
            print(f"forkserver / subprocess, jobs {jobs}: "
                  f"{rates[jobs, 'forkserver'] / rates[jobs, 'subprocess']:.2f}x the submissions per minute")
    if args.output:
        import datetime
        import json
        import platform

        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                   platform.processor()) if os.path.exists("/proc/cpuinfo") else platform.processor()
        record = {
            "benchmark": "benchmarks/grade_speed.py", "argv": sys.argv[1:], "date": datetime.date.today().isoformat(),
            "assignment": args.assignment, "submissions": count,
            "machine": {"cpu": cpu, "logical_cpus": os.cpu_count(), "nice": os.nice(0),
                        "load_average_1min_before": load_before, "load_average_1min_after": os.getloadavg()[0]},
            "runs": [{"engine": engine_name(jobs, scheduler), "launch": launch,
                      "submissions_per_minute": round(rates[jobs, launch], 3)}
                     for jobs, scheduler in engines for launch in launches],
            "speed_up": {f"{'cluster' if scheduler else f'jobs {jobs}'} / jobs {base} ({launch})":
                         round(rates[jobs, launch] / rates[base, launch], 3)
                         for launch in launches for jobs, scheduler in engines if (jobs, scheduler) != (base, None)},
        }
        Path(args.output).write_text(json.dumps(record, indent=2) + "\n")
        print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
