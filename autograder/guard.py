"""Keep students' monkeypatches away from the hidden checks.

Student code runs in the same Python process as the tests, so a solution cell can replace what the tests
compare with: ``np.allclose = lambda *a, **k: True``, ``checks.check_close = ...``, ``builtins.isinstance =
...``, ``torch.Tensor.__eq__ = ...``, or rebind the name ``checks`` or ``rng`` that the tests use; a graded
function can even do so while a test cell calls it, between two checks of that cell.

``GuardChecks`` (an autograde preprocessor, before execution) makes the comparisons use references
taken before any student code ran:

1. A first cell, before every other cell, installs an audit hook (``sys.addaudithook``: a hook cannot be
   removed). Its closure holds the attributes, as they were then, of ``builtins``, ``numpy`` (and the
   modules that ``np.allclose`` and ``np.testing`` use), ``cnncourse.checks``, and, when the notebook uses
   PyTorch, ``torch``, ``torch.nn``, ``torch.nn.functional``, ``torch.testing`` and the classes
   ``torch.Tensor`` and ``torch.nn.Module``, with their ``sys.modules`` entries.
2. After each locked cell that is not a test (the setup cell, helpers), a cell lets the hook record the
   names that cell defined (``np``, ``checks``, ``rng``, helper functions): the hook accepts it only with
   a secret whose hash the first cell holds, once.
3. The hook puts all of that back at every *restore point*: when a cell starts (the ``exec`` audit
   event), before every statement of a locked cell -- the tests, and the setup and helper cells, so also
   inside the helper functions they define (this preprocessor inserts ``(_ for _ in ()).gi_frame``, which
   raises an audit event and looks up no name that student code could rebind) -- and when a check of
   ``cnncourse.checks`` starts (the same expression is its first line).
4. The hook refuses new audit hooks, and profilers and tracers other than ``checks.forbid_module``'s:
   they could patch again between a restore point and the comparison.

``UnguardChecks`` (after execution) removes the inserted cells and gives the locked cells their own source
back, so feedback and the gradebook see the notebook as it was. The limits are in autograder/README.md.
"""

from __future__ import annotations

import ast
import hashlib
import re
import secrets

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_locked
from traitlets import List, Unicode

RESTORE_POINT = "(_ for _ in ()).gi_frame; "
MODULES = ["builtins", "numpy", "numpy._core.numeric", "numpy._core.fromnumeric", "numpy.linalg", "numpy.testing",
           "numpy.testing._private.utils", "cnncourse", "cnncourse.checks"]
TORCH_MODULES = ["torch", "torch.nn", "torch.nn.functional", "torch.testing", "torch.testing._comparison"]
TORCH_CLASSES = ["torch.Tensor", "torch.nn.Module"]

INSTALL = '''\
# Inserted by the grader (autograder/guard.py); removed from the graded notebook.
def _cnn_guard_install(namespace, module_names, class_names, secrets_to_names):
    import hashlib, importlib, operator, sys
    for name in module_names:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    modules = sys.modules
    # IPython puts these into builtins while a cell runs and takes them out after: not guarded
    changing = {"builtins": {"get_ipython", "display", "exit", "quit"}}
    # (name, module, its attributes, their keys, their values)
    saved = []
    for name in module_names:
        if name in modules:
            items = tuple((k, v) for k, v in modules[name].__dict__.items() if k not in changing.get(name, ()))
            saved.append((name, modules[name], modules[name].__dict__, tuple(k for k, _ in items),
                          tuple(v for _, v in items)))
    saved = tuple(saved)
    classes = []
    for path in class_names:
        owner, _, attr = path.rpartition(".")
        if owner in modules and attr in modules[owner].__dict__:
            cls = modules[owner].__dict__[attr]
            classes.append((cls, cls.__dict__, tuple(cls.__dict__), tuple(cls.__dict__.values()),
                            frozenset(cls.__dict__)))
    classes = tuple(classes)
    pending = dict(secrets_to_names)
    # the builtins the cells see, and, later, the names the locked cells define
    bound = {"__builtins__": namespace["__builtins__"]} if "__builtins__" in namespace else {}
    try:  # the one caller allowed to set a profiler
        profiler_code = modules["cnncourse.checks"].forbid_module.__wrapped__.__code__
    except (KeyError, AttributeError):
        profiler_code = None
    missing = object()
    # everything the hook uses is held here: it looks up no global or builtin name when it runs
    set_class_attribute, delete_class_attribute = type.__setattr__, type.__delattr__
    type_of, get_attribute, as_tuple, map_to, length, every, same = type, getattr, tuple, map, len, all, operator.is_
    zip_ = zip
    is_str, sha256, empty, caller, refused = str, hashlib.sha256, (), sys._getframe, RuntimeError

    def restore():
        # Fast paths, all in C: the values are the same objects (compared by identity, never with ==,
        # which student objects could answer), in the same order, or else key by key. New attributes
        # (a lazily imported submodule) are left alone, except on classes, where they would hide a base
        # class's method.
        for name, module, attributes, keys, values in saved:
            if modules.get(name, missing) is not module:
                modules[name] = module
            if not (length(attributes) >= length(values) and every(map_to(same, attributes.values(), values))
                    or every(map_to(same, map_to(attributes.get, keys), values))):
                for key, value in zip_(keys, values):
                    if attributes.get(key, missing) is not value:
                        attributes[key] = value
        for cls, attributes, keys, values, known in classes:
            if length(attributes) != length(keys) or not every(map_to(same, map_to(attributes.get, keys), values)):
                for key, value in zip_(keys, values):
                    if attributes.get(key, missing) is not value:
                        set_class_attribute(cls, key, value)
                for key in as_tuple(attributes):
                    if key not in known:
                        delete_class_attribute(cls, key)
        for key, value in bound.items():
            if namespace.get(key, missing) is not value:
                namespace[key] = value

    def hook(event, args):
        if event == "object.__getattr__":
            if args[1] == "gi_frame":
                restore()
        elif event == "exec":
            for const in get_attribute(args[0], "co_consts", empty):
                if type_of(const) is is_str and const.startswith("cnn-guard:"):
                    names = pending.pop(sha256(const.encode()).hexdigest(), None)
                    for name in names or empty:
                        if name in namespace:
                            bound[name] = namespace[name]
            restore()
        elif event == "sys.addaudithook":
            # a later hook could patch again after this one restored: CPython drops it (and this error)
            raise refused("no audit hooks while grading")
        elif event == "sys.setprofile" or event == "sys.settrace":
            # a profiler or tracer could patch between a restore point and the check
            if caller(1).f_code is not profiler_code:
                raise refused(f"{event[4:]}() is not allowed while grading")

    sys.addaudithook(hook)


_cnn_guard_install(globals(), {modules!r}, {classes!r}, {binds!r})
del _cnn_guard_install
'''

BIND = '''\
# Inserted by the grader (autograder/guard.py): the names the cell above defined are kept.
_cnn_guard = "{secret}"
del _cnn_guard
'''


def defined_names(source: str) -> list[str]:
    """The names a cell binds at its top level (imports, assignments, functions, classes)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []

    def targets(node):
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                targets(element)
        elif isinstance(node, ast.Starred):
            targets(node.value)

    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                targets(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets(node.target)
    return sorted(set(names))


def with_restore_points(source: str) -> str | None:
    """SOURCE with RESTORE_POINT before every simple statement, at any depth except in the body of a loop
    inside a function (None: cannot parse it).

    The restore point goes on the statement's own line (``RESTORE_POINT stmt``), so line numbers in
    tracebacks stay those of the test; compound statements (for, if, with, def) get theirs inside.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    compound = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try, ast.FunctionDef,
                ast.AsyncFunctionDef, ast.ClassDef, getattr(ast, "Match", ()), getattr(ast, "TryStar", ()))
    functions, loops = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda), (ast.For, ast.AsyncFor, ast.While)
    found = set()

    def visit(node, in_function: bool, in_function_loop: bool) -> None:
        # A loop inside a function gets no restore points: a reference implementation the tests time
        # (exercise 04's naive loops) would pay one per iteration; its function entry still has one.
        if isinstance(node, ast.stmt) and not isinstance(node, compound) and not in_function_loop:
            found.add((node.lineno, node.col_offset))
        for child in ast.iter_child_nodes(node):
            visit(child, in_function or isinstance(node, functions),
                  in_function_loop or (in_function and isinstance(node, loops)))

    visit(tree, False, False)
    spots = sorted(found, reverse=True)
    lines = source.splitlines(keepends=True)
    for lineno, col in spots:  # right to left, bottom to top: earlier offsets stay valid
        line = lines[lineno - 1]
        cut = len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        lines[lineno - 1] = line[:cut] + RESTORE_POINT + line[cut:]
    out = "".join(lines)
    try:
        ast.parse(out)
    except SyntaxError:
        return None
    return out


def _guard_cell(source: str) -> NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["cnn_guard"] = True
    cell.pop("id", None)
    return cell


def _skipped(preprocessor, resources) -> bool:
    """The assignments whose tests run in the checker (checker.py) need no guard."""
    return (resources or {}).get("nbgrader", {}).get("assignment") in preprocessor.skip_assignments


class GuardChecks(NbGraderPreprocessor):
    """Insert the guard's cells and restore points (this module's docstring)."""

    skip_assignments = List(Unicode(), help="assignments graded without the guard").tag(config=True)

    def preprocess(self, nb, resources):
        if _skipped(self, resources):
            return nb, resources
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        uses_torch = re.search(r"\btorch\b", code) is not None
        modules = MODULES + (TORCH_MODULES if uses_torch else [])
        classes = TORCH_CLASSES if uses_torch else []
        binds, cells = {}, []
        for cell in nb.cells:
            if cell.cell_type == "code" and is_locked(cell):  # test cells, and the setup and helper cells
                guarded = with_restore_points(cell.source)    # (inside the helpers they define, too)
                if guarded is None:
                    self.log.warning("guard: cannot parse locked cell %s; it runs without restore points",
                                     cell.metadata["nbgrader"].get("grade_id"))
                else:
                    cell.metadata["cnn_guard_source"] = cell.source
                    cell.source = guarded
            cells.append(cell)
            if cell.cell_type == "code" and is_locked(cell) and not is_grade(cell):
                names = defined_names(cell.source)
                if names:
                    secret = "cnn-guard:" + secrets.token_hex(16)
                    binds[hashlib.sha256(secret.encode()).hexdigest()] = tuple(names)
                    cells.append(_guard_cell(BIND.format(secret=secret)))
        install = INSTALL.replace("{modules!r}", repr(modules)).replace("{classes!r}", repr(classes)) \
                         .replace("{binds!r}", repr(binds))
        nb.cells = [_guard_cell(install)] + cells
        for i, cell in enumerate(nb.cells):  # nbformat 4.5 wants an id on every cell
            if "id" not in cell and nb.get("nbformat_minor", 0) >= 5:
                cell["id"] = f"cnn-guard-{i}"
        return nb, resources


class UnguardChecks(NbGraderPreprocessor):
    """Remove the guard's cells and give the locked cells their source back (after execution).

    Should a guard cell fail (say the memory limit was hit just then), every graded cell after it earns
    nothing: it ran without the guard's protection."""

    skip_assignments = List(Unicode(), help="assignments graded without the guard").tag(config=True)

    def preprocess(self, nb, resources):
        if _skipped(self, resources):
            return nb, resources
        failure = None
        for cell in nb.cells:
            if cell.metadata.get("cnn_guard"):
                errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                if errors and failure is None:
                    failure = f"{errors[0].get('ename')}: {errors[0].get('evalue')}"
                    self.log.error("the grader's guard cell failed (%s): the graded cells after it earn nothing",
                                   failure)
            elif failure is not None and cell.cell_type == "code" and is_grade(cell):
                cell.setdefault("outputs", []).append(NotebookNode(
                    output_type="error", ename="GuardFailed", evalue=failure,
                    traceback=[f"GuardFailed: the grader's protection of the checks failed ({failure}); "
                               "this test earns no marks."]))
        nb.cells = [c for c in nb.cells if not c.metadata.get("cnn_guard")]
        for cell in nb.cells:
            if "cnn_guard_source" in cell.metadata:
                cell.source = cell.metadata.pop("cnn_guard_source")
        return nb, resources
