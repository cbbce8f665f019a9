"""Reading a folder of submissions as an LMS downloads them, without losing or trusting any of them.

`gather()` turns the entries of a submissions folder into one set of notebooks per student, or a
reason why that student cannot be graded. `Course.collect` (course.py) writes the notebooks into
nbgrader's submitted layout. The layouts it reads (autograder/README.md has the table):

- STUDENT/ASSIGNMENT/NB.ipynb or STUDENT/NB.ipynb: one folder per student (nbgrader's own layout);
- STUDENT.zip or STUDENT_anything.zip: one archive per student, the notebooks anywhere inside;
- STUDENT.ipynb: a loose notebook, when the assignment has exactly one notebook;
- Canvas: `name_12345_67890_NB.ipynb`, late `name_LATE_12345_67890_NB.ipynb` (user id 12345,
  file id 67890), or `..._work.zip`; the student is the Canvas user id;
- Moodle: folders `Full Name_123456_assignsubmission_file_/` holding notebooks or zips at any depth
  (or, flat, `Full Name_123456_assignsubmission_file_NB.ipynb`); the student is the participant id;
- Blackboard: `Assignment_username_attempt_2026-11-30-10-15-00_NB.ipynb` beside its receipt
  `Assignment_username_attempt_2026-11-30-10-15-00.txt`; the student is the username.

Every student's submission is read on its own: whatever is wrong with one (a damaged or encrypted
zip, a link, a folder where a file should be, bytes that are not UTF-8, an unusable id) becomes that
student's reason, and the others are read. Two submissions that map to one student are both
refused, naming both files: the grader never picks one silently.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_MB_VARIABLE = "CNN_GRADE_MAX_SUBMISSION_MB"
DEFAULT_MAX_MB = 50
MAX_MEMBERS = 10_000  # files in one submission's zip: more is an archive bomb, not a notebook hand-in

# A student id reaches nbgrader's command line (--student=ID, where * and ? glob), file paths and
# grades.csv: letters, digits and . - _ @ only, starting with a letter, digit or underscore (a leading
# dot hides a folder, a leading dash reads as an option, a leading @ or - starts a spreadsheet formula).
STUDENT_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._@-]{0,99}")

# Canvas: sortable name (letters only), LATE when handed in after the due date, user id, file id,
# then the file's name as the student uploaded it.
CANVAS = re.compile(r"(?P<name>[^_]+)(?P<late>_LATE)?_(?P<id>\d+)_(?P<file_id>\d+)_(?P<file>.+)")
# Moodle (mod/assign download_submissions): full name with '_' turned into spaces, participant id,
# the submission plugin; a folder per plugin ("download submissions in folders", the default since
# 3.1) or, flat, the file's name appended.
MOODLE = re.compile(r"(?P<name>[^_]+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)")
# Blackboard (Grade Centre, Assignment File Download): assignment name, username, attempt time, then
# the file's name, or .txt for the receipt Blackboard writes beside each attempt.
BLACKBOARD = re.compile(r"(?P<assignment>.+)_(?P<user>[^_]+)_attempt_(?P<time>\d{4}(?:-\d\d){5})"
                        r"(?:_(?P<file>.+)|(?P<receipt>\.txt))")
_RECEIPT_USER = re.compile(r"^Name:.*\((?P<user>[^()\s]+)\)\s*$", re.M)
_SKIPPED = {"__MACOSX", ".DS_Store", ".ipynb_checkpoints", "Thumbs.db"}


class SubmissionError(Exception):
    """Why one submission cannot be graded (the message names the file).

    ``student``: whose submission it is, when the file says so; ``warning``: not a submission at all
    (a stray file), worth a warning only.
    """

    def __init__(self, message: str, student: str | None = None, warning: bool = False):
        super().__init__(message)
        self.message, self.student, self.warning = message, student, warning


def max_bytes() -> int:
    value = os.environ.get(MAX_MB_VARIABLE, str(DEFAULT_MAX_MB))
    try:
        mb = float(value)
    except ValueError:
        raise ValueError(f"{MAX_MB_VARIABLE}={value!r} is not a number of megabytes") from None
    return int(mb * 1_000_000)


def shown(name: str) -> str:
    """A file name as messages show it: newlines and other control characters escaped."""
    return repr(name)[1:-1]


def valid_student_id(student: str) -> bool:
    return bool(STUDENT_ID.fullmatch(student))


def check_student_id(student: str, where: str) -> str:
    if not valid_student_id(student):
        raise SubmissionError(f"{shown(where)}: {student!r} cannot be a student id (letters, digits, '.', '-', "
                              f"'_', '@', starting with a letter, digit or '_'); rename it")
    return student


@dataclass
class Item:
    """One thing on disk that holds notebooks of a submission."""
    kind: str            # "dir": STUDENT/[ASSIGNMENT/]*.ipynb; "tree": notebooks at any depth;
    path: Path           # "zip": an archive; "notebook": one notebook file
    name: str = ""       # for "notebook": its name as the student gave it


@dataclass
class Source:
    """One submission: what one LMS entry (or several of one LMS submission) holds for a student."""
    student: str
    key: tuple
    labels: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    layout: str = "folder"


@dataclass
class Gathered:
    notebooks: dict[str, dict[str, bytes]] = field(default_factory=dict)  # student -> name -> bytes
    sources: dict[str, list[str]] = field(default_factory=dict)           # student -> files read
    problems: dict[str, str] = field(default_factory=dict)                # student (or file) -> why not
    warnings: list[str] = field(default_factory=list)

    def problem(self, key: str, message: str) -> None:
        self.problems[key] = f"{self.problems[key]}; {message}" if key in self.problems else message


class _Budget:
    """The uncompressed bytes one submission may still read."""

    def __init__(self, limit: int, label: str):
        self.left, self.limit, self.label = limit, limit, label

    def take(self, size: int, where: str) -> None:
        if size > self.left:
            raise SubmissionError(f"{shown(where)}: the submission {shown(self.label)} holds more than "
                                  f"{self.limit / 1e6:g} MB of notebooks and files ({MAX_MB_VARIABLE})")
        self.left -= size


# -- which student, which layout ------------------------------------------------------------------
def classify(entry: Path, assignment: str) -> tuple[str, tuple, str, Item | None] | None:
    """(student, submission key, layout, item) for one entry of the submissions folder; None to skip.

    Raises SubmissionError for an entry that is a submission but cannot be read as one.
    """
    name = entry.name
    if name in _SKIPPED:
        return None
    if entry.is_symlink():
        raise SubmissionError(f"{shown(name)} is a symbolic link: links are not followed")
    is_dir = entry.is_dir()
    if not is_dir and not entry.is_file():
        raise SubmissionError(f"{shown(name)} is not a regular file or folder")

    m = MOODLE.fullmatch(name)
    if m:
        student = check_student_id(m["id"], name)
        if m["plugin"] != "file":
            return None  # online text, comments: not a notebook
        if is_dir:
            return student, ("moodle", student), "moodle", Item("tree", entry)
        return student, ("moodle", student), "moodle", _file_item(entry, m["file"])
    m = BLACKBOARD.fullmatch(name)
    if m and not is_dir:
        if m["receipt"]:
            return None
        user = _blackboard_user(entry, m)
        student = check_student_id(user, name)
        return student, ("blackboard", student, m["time"]), "blackboard", _file_item(entry, m["file"])
    m = CANVAS.fullmatch(name)
    if m and not is_dir:
        student = check_student_id(m["id"], name)
        return student, ("canvas", student), "canvas", _file_item(entry, m["file"])

    if name.endswith((".zip", ".ipynb")):
        stem = name.rsplit(".", 1)[0]
        student = stem.split("_")[0] if name.endswith(".zip") else stem
        if is_dir:
            what = "a zip archive" if name.endswith(".zip") else "a notebook"
            raise SubmissionError(f"{shown(name)} is a folder, not {what}", student=student)
        check_student_id(student, name)
        if name.endswith(".zip"):
            return student, ("zip", name), "zip", Item("zip", entry)
        return student, ("loose", name), "loose", Item("notebook", entry, name)
    if is_dir:
        student = check_student_id(name, name)
        return student, ("dir", name), "folder", Item("dir", entry)
    raise SubmissionError(f"ignoring {shown(name)}: not a folder, zip archive or notebook", warning=True)


def _file_item(entry: Path, original: str) -> Item | None:
    if original.endswith(".ipynb"):
        return Item("notebook", entry, original)
    if original.endswith(".zip"):
        return Item("zip", entry)
    return None  # a PDF, a text file...: part of the submission, nothing to grade


def _blackboard_user(entry: Path, m: re.Match) -> str:
    """The username, from the receipt when it is there (usernames and assignment names may hold '_')."""
    receipt = entry.with_name(f"{m['assignment']}_{m['user']}_attempt_{m['time']}.txt")
    prefix = entry.name[: m.end("user")]
    try:
        text = _read_regular(receipt, 1_000_000, receipt.name).decode("utf-8", "replace")
    except (OSError, SubmissionError):
        return m["user"]
    found = _RECEIPT_USER.search(text)
    if found and prefix.endswith("_" + found["user"]):
        return found["user"]
    return m["user"]


# -- reading one submission -----------------------------------------------------------------------
def _read_regular(path: Path | str, limit: int, where: str) -> bytes:
    """A regular file's bytes, never following a link (O_NOFOLLOW), at most ``limit`` of them."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        if os.path.islink(path):
            raise SubmissionError(f"{shown(where)} is a symbolic link: links are not followed") from None
        raise SubmissionError(f"{shown(where)} cannot be read ({e.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise SubmissionError(f"{shown(where)} is not a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise SubmissionError(f"{shown(where)} is larger than {limit / 1e6:g} MB ({MAX_MB_VARIABLE})")
    return data


def _scan_notebooks(folder: Path, label: str, recursive: bool):
    """(name, path, where) of each notebook file in ``folder`` (and zip, when ``recursive``); path None
    and a note as ``where`` for links and for folders named like notebooks."""
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        where = f"{label}/{entry.name}"
        if entry.name in _SKIPPED:
            continue
        if entry.is_symlink():
            if entry.name.endswith(".ipynb") or recursive:
                yield entry.name, None, f"{where} is a symbolic link: links are not followed"
            continue
        if entry.is_dir(follow_symlinks=False):
            if entry.name.endswith(".ipynb"):
                yield entry.name, None, f"{where} is a folder, not a notebook"
            elif recursive:
                yield from _scan_notebooks(Path(entry.path), where, recursive)
            continue
        if entry.name.endswith(".ipynb") or (recursive and entry.name.endswith(".zip")):
            if not entry.is_file(follow_symlinks=False):
                yield entry.name, None, f"{where} is not a regular file"
            else:
                yield entry.name, Path(entry.path), where


def _zip_member_problem(info: zipfile.ZipInfo, limit: int) -> str | None:
    mode = info.external_attr >> 16
    name = info.filename
    if stat.S_ISLNK(mode):
        return f"{shown(name)} is a symbolic link"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return f"{shown(name)} is a device, pipe or socket"
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
        return f"{shown(name)} has an absolute path or '..' in its path"
    if "\0" in name:
        return f"{shown(name)} has a NUL byte in its name"
    if info.file_size > limit:
        return f"{shown(name)} unpacks to {info.file_size / 1e6:.1f} MB, over {limit / 1e6:g} MB ({MAX_MB_VARIABLE})"
    return None


def _read_zip(path: Path, label: str, budget: _Budget, add, notes: list[str]) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as e:
        raise SubmissionError(f"{shown(label)} cannot be read ({e.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        try:
            archive = zipfile.ZipFile(f)
        except zipfile.BadZipFile as e:
            raise SubmissionError(f"{shown(label)} is not a valid zip archive ({e})") from None
        with archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise SubmissionError(f"{shown(label)} has {len(infos)} members, over {MAX_MEMBERS}: refused")
            for info in infos:
                problem = _zip_member_problem(info, budget.limit)
                if problem:
                    raise SubmissionError(f"{shown(label)} is refused: its member {problem}")
            total = sum(info.file_size for info in infos)
            if total > budget.limit:
                raise SubmissionError(f"{shown(label)} unpacks to {total / 1e6:.1f} MB, over the limit of "
                                      f"{budget.limit / 1e6:g} MB per submission ({MAX_MB_VARIABLE})")
            for info in infos:
                parts = [p for p in info.filename.replace("\\", "/").split("/") if p]
                if not parts or any(p in _SKIPPED for p in parts) or not parts[-1].endswith(".ipynb"):
                    continue
                where = f"{label}:{info.filename}"
                if info.is_dir():
                    notes.append(f"{shown(where)} is a folder, not a notebook")
                    continue
                if info.flag_bits & 0x1:
                    raise SubmissionError(f"{shown(label)} is encrypted (password-protected): ask for a copy "
                                          f"without a password")
                budget.take(info.file_size, where)
                try:
                    data = archive.read(info)
                except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
                    raise SubmissionError(f"{shown(label)} is damaged: {shown(info.filename)} cannot be "
                                          f"read ({e})") from None
                except NotImplementedError as e:
                    raise SubmissionError(f"{shown(label)}: {shown(info.filename)} uses a compression method "
                                          f"that cannot be read here ({e}); ask for a plain zip") from None
                add(parts[-1], data, where)


def read_source(source: Source, assignment: str, limit: int) -> tuple[dict[str, tuple[bytes, str]], list[str]]:
    """name -> (bytes, where it came from) of every notebook of one submission, and notes on what was
    refused inside it (a link, a folder named like a notebook)."""
    budget = _Budget(limit, " + ".join(source.labels))
    notebooks: dict[str, tuple[bytes, str]] = {}
    notes: list[str] = []

    def add(name: str, data: bytes, where: str) -> None:
        if name in notebooks:
            raise SubmissionError(f"two notebooks named {shown(name)}: {shown(notebooks[name][1])} and "
                                  f"{shown(where)}; hand in one")
        notebooks[name] = (data, where)

    for item in source.items:
        label = item.path.name
        if item.kind == "zip":
            _read_zip(item.path, label, budget, add, notes)
        elif item.kind == "notebook":
            budget.take(os.lstat(item.path).st_size, label)
            add(item.name, _read_regular(item.path, budget.limit, label), label)
        else:
            folder, recursive = item.path, item.kind == "tree"
            if item.kind == "dir" and (folder / assignment).is_symlink():
                raise SubmissionError(f"{shown(label)}/{assignment} is a symbolic link: links are not followed")
            if item.kind == "dir" and (folder / assignment).is_dir():
                folder, label = folder / assignment, f"{label}/{assignment}"
            for name, path, where in _scan_notebooks(folder, label, recursive):
                if path is None:
                    notes.append(where)
                    continue
                if name.endswith(".zip"):  # a zip handed in through Moodle
                    _read_zip(path, where, budget, add, notes)
                    continue
                budget.take(os.lstat(path).st_size, where)
                add(name, _read_regular(path, budget.limit, where), where)
    return notebooks, notes


# -- the whole folder ---------------------------------------------------------------------------
def gather(submissions: Path, assignment: str, expected: list[str], limit: int | None = None) -> Gathered:
    """Every student's notebooks of ``assignment`` in ``submissions``, or why they cannot be graded."""
    limit = max_bytes() if limit is None else limit
    out = Gathered()
    sources: dict[tuple, Source] = {}
    for entry in sorted(submissions.iterdir()):
        try:
            found = classify(entry, assignment)
        except SubmissionError as e:
            if e.warning:
                out.warnings.append(e.message)
            else:
                key = e.student if e.student and valid_student_id(e.student) else shown(entry.name)
                out.problem(key, e.message)
            continue
        except OSError as e:
            out.problem(shown(entry.name), f"{shown(entry.name)} cannot be read ({e})")
            continue
        if found is None:
            continue
        student, key, layout, item = found
        source = sources.setdefault(key, Source(student, key, layout=layout))
        source.labels.append(entry.name)
        if item is not None:
            source.items.append(item)

    by_student: dict[str, list[Source]] = {}
    for source in sources.values():
        by_student.setdefault(source.student, []).append(source)
    for student, mine in sorted(by_student.items()):
        if len(mine) > 1:
            files = ", ".join(shown(label) for s in mine for label in s.labels)
            hint = (" (Blackboard: download only the last attempt)" if all(s.layout == "blackboard" for s in mine)
                    else "")
            out.problem(student, f"{len(mine)} submissions map to the student id {student}: {files}; none is "
                                 f"graded until all but one are removed{hint}")
            continue
        source = mine[0]
        try:
            notebooks, notes = read_source(source, assignment, limit)
            notebooks = _match_names(source, notebooks, expected)
            missing = [n for n in expected if n not in notebooks]
            extra = sorted(set(notebooks) - set(expected))
            if missing:
                message = f"no {', '.join(missing)} in the submission"
                if extra:
                    message += f" (found {', '.join(extra)}: the notebook must keep its name)"
                if notes:
                    message += f" ({'; '.join(notes)})"
                out.problem(student, message)
                continue
            for name in expected:
                data, where = notebooks[name]
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise SubmissionError(f"{shown(where)} is not UTF-8 text (byte {e.start}: {e.reason}); "
                                          f"save it again from Jupyter") from None
            if extra:
                out.warnings.append(f"{student}: ignoring extra notebooks {', '.join(extra)}")
            out.notebooks[student] = {name: notebooks[name][0] for name in expected}
            out.sources[student] = list(source.labels)
        except SubmissionError as e:
            out.problem(student, e.message)
        except Exception as e:  # noqa: BLE001 - whatever one file does, the batch goes on
            out.problem(student, f"{', '.join(shown(label) for label in source.labels)} cannot be read "
                                 f"({type(e).__name__}: {e})")
    return out


def _match_names(source: Source, notebooks: dict[str, tuple[bytes, str]],
                 expected: list[str]) -> dict[str, tuple[bytes, str]]:
    """Names as the release has them, where the layout says how they were changed."""
    if source.layout == "loose":
        if len(expected) != 1:
            raise SubmissionError(f"{shown(source.labels[0])}: a loose notebook can only be graded when the "
                                  f"assignment has one notebook (it has {len(expected)}); put the student's "
                                  f"notebooks in a folder {source.student}/")
        if source.student + ".ipynb" == expected[0]:
            raise SubmissionError(f"{shown(source.labels[0])} has the assignment's own name: put it in a folder "
                                  f"named after the student")
        return {expected[0]: notebooks[source.labels[0]]}
    if source.layout == "canvas":  # Canvas appends -1, -2... to a file handed in again under one name
        renamed = dict(notebooks)
        for name in notebooks:
            plain = re.sub(r"-\d+(?=\.ipynb$)", "", name)
            if name not in expected and plain in expected and plain not in renamed:
                renamed[plain] = renamed.pop(name)
        return renamed
    return notebooks
