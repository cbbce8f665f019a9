"""Repository hygiene: committed notebooks hold no outputs; the helper package holds no solution; the book and
each exercise define each function once."""

from __future__ import annotations

import ast
import subprocess

import nbformat

from grading import REPO, solution_sources, make_course


def tracked(pattern: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", pattern], cwd=REPO, stdout=subprocess.PIPE, text=True, check=True)
    files = out.stdout.split()
    if not files:  # not a git checkout (an exported tree): look at the files themselves
        files = [str(p.relative_to(REPO)) for p in REPO.rglob(pattern.lstrip("*/"))
                 if ".venv" not in p.parts and "_build" not in p.parts]
    return files


def test_committed_notebooks_hold_no_outputs():
    notebooks = tracked("*.ipynb")
    assert notebooks, "no notebooks found"
    dirty = []
    for path in notebooks:
        nb = nbformat.read(REPO / path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
                dirty.append(path)
                break
    assert not dirty, f"notebooks committed with outputs (clear them): {dirty}"


# The one exception, reviewed: the course's one definition of relative error (book, checks and exercise 03's
# own tests use it). Its formula is an equation of the backprop chapter; exercise 03's hidden test fails a
# relative_error that calls into cnncourse (forbid_module), so calling it earns nothing.
SHARED_ON_PURPOSE = {"relative_error": "src/cnncourse/checks.py"}


def test_helper_package_contains_no_solution(tmp_path):
    """No graded function of any exercise is defined in the helper package (but SHARED_ON_PURPOSE)."""
    course = make_course(tmp_path / "course")
    graded_names = set()
    for assignment in course.assignments():
        for source in solution_sources(course, assignment).values():
            for line in source.splitlines():
                if line.startswith("def "):
                    graded_names.add(line[4:].split("(")[0])
    assert graded_names
    package = (REPO / "src" / "cnncourse")
    for path in package.rglob("*.py"):
        text = path.read_text()
        found = [name for name in graded_names if f"def {name}(" in text
                 and SHARED_ON_PURPOSE.get(name) != str(path.relative_to(REPO))]
        assert not found, f"{path.relative_to(REPO)} defines graded functions {found}"


def test_lock_file_pins_every_requirement_within_its_range():
    """requirements.lock (what `make` installs) pins every package of requirements.txt, for this platform,
    to one exact version that requirements.txt allows: a stale lock fails here (run `make lock`)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    def lines(path):
        for raw in (REPO / path).read_text().splitlines():
            line = raw.split(" #")[0].strip()
            if line and not line.startswith(("#", "-")):
                yield line

    pins: dict[str, list[Requirement]] = {}
    for line in lines("requirements.lock"):
        req = Requirement(line)
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", f"not an exact pin: {line}"
        pins.setdefault(canonicalize_name(req.name), []).append(req)
    for line in lines("requirements.txt"):
        req = Requirement(line)
        if req.marker and not req.marker.evaluate():
            continue
        here = [p for p in pins.get(canonicalize_name(req.name), []) if not p.marker or p.marker.evaluate()]
        assert len(here) == 1, f"requirements.lock pins {req.name} {len(here)} times for this platform: run `make lock`"
        version = next(iter(here[0].specifier)).version
        assert req.specifier.contains(version, prereleases=True), \
            f"requirements.lock pins {req.name}=={version}, outside {req}: run `make lock`"
    assert "-e ." in (REPO / "requirements.lock").read_text().splitlines(), "the helper package, editable"

# ---------------------------------------------------------------- one copy of each function

def _definitions(source: str):
    """(name, key, line) of each function and class a cell defines at its top level (also inside if/with/try).

    The key is the definition's ``ast.dump`` without its name and docstring (and without line numbers), so
    two copies that differ only in white space, comments, docstring or name have the same key.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(source))  # %magics and !commands become Python
    todo = list(tree.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]
            key = ast.dump(type(node)(**{**{f: getattr(node, f) for f in node._fields}, "name": "", "body": body}))
            yield node.name, key, node.lineno
        elif isinstance(node, (ast.If, ast.With, ast.Try)):
            todo[:0] = [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", []),
                        *[s for h in getattr(node, "handlers", []) for s in h.body]]


def chapter_cells() -> dict[str, str]:
    """'book/chapters/NAME.md, cell K' -> the source of each code cell of every chapter."""
    import jupytext

    cells = {}
    for path in sorted(tracked("book/chapters/*.md")):
        nb = jupytext.read(REPO / path)
        for k, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            cells[f"{path}, code cell {k + 1}"] = cell.source
    assert cells, "no chapters found"
    return cells


def notebook_cells(path: str) -> dict[str, tuple[str, bool]]:
    """'NOTEBOOK, cell GRADE_ID' -> (source, is a graded test cell) for each code cell of one notebook."""
    nb = nbformat.read(REPO / path, as_version=4)
    cells = {}
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            meta = cell.metadata.get("nbgrader", {})
            name = meta.get("grade_id") or f"code cell {k + 1} (id {cell.get('id')})"
            cells[f"{path}, cell {name}"] = (cell.source, bool(meta.get("grade")) and not meta.get("solution"))
    return cells


def repeated_definitions(cells: dict[str, str], exempt=lambda cells: False) -> list[str]:
    """One line per function or class defined with the same body (under any name) in more than one of
    ``cells`` (cell name -> source), unless ``exempt(names of the cells that define it)`` says it may be."""
    places = {}
    for where, source in cells.items():
        for name, key, line in _definitions(source):
            places.setdefault(key, []).append((where, name, line))
    return ["; ".join(f"{name} in {where}, line {line}" for where, name, line in found)
            for found in places.values() if len(found) > 1 and not exempt({where for where, _, _ in found})]


def test_no_function_is_defined_twice_in_the_book():
    """Two chapters (or two cells of one) that need the same function import it from cnncourse instead.

    Same function: the same arguments and body, under any name, whatever the white space, comments and
    docstring. The helper package and the benchmarks count too: a chapter uses the package's copy.
    """
    cells = chapter_cells()
    for path in tracked("src/cnncourse/*.py") + tracked("benchmarks/*.py"):
        cells[path] = (REPO / path).read_text()
    repeated = repeated_definitions(cells)
    assert not repeated, ("functions defined more than once (move them into src/cnncourse, with a unit test, "
                          "and import them):\n" + "\n".join(repeated))


def test_no_function_is_defined_twice_in_a_notebook():
    """Within one exercise, a function exists once: in the locked setup or helper cell that the tests use.

    A solution cell, a locked helper cell and a hidden test never define the same function twice (exercise
    04's speed test times the locked ``conv2d_naive_forward``, it does not carry a copy). Test cells may
    repeat a small hidden helper of each other's: each graded test cell runs on its own, so that one failing
    test does not take the next ones with it, and a hidden helper cannot move into the setup cell, which
    students see.
    """
    repeated = []
    for path in tracked("solutions/*/*.ipynb"):
        cells = notebook_cells(path)
        is_test = {where: test for where, (_, test) in cells.items()}
        repeated += repeated_definitions(
            {where: source for where, (source, _) in cells.items()},
            exempt=lambda defining, is_test=is_test: all(is_test[where] for where in defining))
    assert not repeated, ("functions defined more than once in one notebook (keep the copy in the locked "
                          "setup or helper cell):\n" + "\n".join(repeated))


def test_repeated_definitions_sees_through_layout_docstrings_and_names():
    """The check above finds a copy whatever its white space, comments, docstring or name, and only a copy."""
    original = 'def n_params(model):\n    """Count."""\n    return sum(p.numel() for p in model.parameters())\n'
    cells = {
        "a": "%matplotlib inline\n" + original,
        "b": ("def count(model):\n    # another name, no docstring\n"
              "    return sum(p.numel()  for p in model.parameters())\n"),
        "c": "def n_params(module):\n    return sum(p.numel() for p in module.parameters())\n",  # another argument
        "d": "if True:\n    class Box:\n        pass\n", "e": "class Box:\n    'a box'\n    pass\n",
    }
    assert sorted(repeated_definitions(cells)) == [
        "Box in d, line 2; Box in e, line 1", "n_params in a, line 2; count in b, line 1"]
    assert repeated_definitions(cells, exempt=lambda defining: "a" in defining or "d" in defining) == []
