"""Put back the released notebook's structure before a submission is graded.

nbgrader's ``OverwriteCells`` restores the source of a locked cell it finds by ``grade_id``, but a
student can also delete a test cell, duplicate it, turn it into Markdown, change its points or its
``grade_id``, or invent a graded cell of their own. ``RestoreCells`` runs first in autograde's sanitize
step and compares the submission with the released notebook (``exercises/ASSIGNMENT/NOTEBOOK.ipynb``):

- every locked or graded cell of the release that is missing is inserted again, after the release cell
  that precedes it (or at the top);
- each ``grade_id`` appears once: the first copy is kept, later copies of locked cells are dropped and
  later copies of solution cells lose their nbgrader metadata (they stay, ungraded);
- locked and test cells get the release's cell type, metadata (points, grade flags, grade_id, locked)
  and source; nbgrader's ``OverwriteCells`` then puts the hidden tests back from the gradebook;
- solution cells keep the student's source, with the release's cell type and nbgrader metadata;
- a cell whose ``grade_id`` the release does not have loses its nbgrader metadata, so it earns nothing.

Every change is logged as a warning, which nbgrader prints in the grading log.
"""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_protected(cell) -> bool:
    """A cell the student may not change: locked (setup, helpers) or a test cell."""
    meta = _meta(cell)
    return bool(meta.get("grade_id")) and not meta.get("solution") and bool(meta.get("locked") or meta.get("grade"))


def _restorable(cell) -> bool:
    """A release cell put back when the submission lacks it: a protected cell or any graded cell."""
    return is_protected(cell) or bool(_meta(cell).get("grade"))


def _as_type(cell, cell_type: str, source: str, metadata) -> NotebookNode:
    """A fresh cell of ``cell_type`` with ``source`` and ``metadata`` (outputs cleared), keeping ``cell``'s id."""
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell}[cell_type]
    new = make(source=source, metadata=copy.deepcopy(metadata))
    if "id" in cell:
        new["id"] = cell["id"]
    return new


def restore_cells(nb: NotebookNode, release: NotebookNode, log=None) -> NotebookNode:
    """Return ``nb`` with the release's locked and graded cells restored (see the module's docstring)."""
    warn = (log.warning if log is not None else (lambda *a: None))
    released = {_meta(c)["grade_id"]: c for c in release.cells if _meta(c).get("grade_id")}
    cells, seen = [], set()
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        if not _meta(cell):
            cells.append(cell)
            continue
        if gid not in released:
            warn("cell %r is not in the released notebook: its nbgrader metadata is removed, it earns nothing", gid)
            cell.metadata.pop("nbgrader", None)
            cells.append(cell)
            continue
        original = released[gid]
        if gid in seen:
            if is_protected(original):
                warn("cell %r appears more than once: the later copy is dropped", gid)
            else:
                warn("cell %r appears more than once: the later copy is not graded", gid)
                cell.metadata.pop("nbgrader", None)
                cells.append(cell)
            continue
        seen.add(gid)
        if is_protected(original):
            if (cell.cell_type != original.cell_type or cell.source != original.source
                    or cell.metadata != original.metadata):
                warn("locked cell %r was changed: restored from the release", gid)
            cells.append(_as_type(cell, original.cell_type, original.source, original.metadata))
        else:  # the student's own answer: their source, the release's type and nbgrader metadata
            if cell.cell_type != original.cell_type or _meta(cell) != _meta(original):
                warn("cell %r: cell type or nbgrader metadata changed: restored from the release", gid)
            metadata = {**copy.deepcopy(dict(cell.metadata)), "nbgrader": copy.deepcopy(original.metadata["nbgrader"])}
            if cell.cell_type == original.cell_type:
                cell.metadata = NotebookNode(metadata)
                cells.append(cell)
            else:
                cells.append(_as_type(cell, original.cell_type, cell.source, metadata))

    # re-insert what is missing, after the release cell that precedes it
    order = [_meta(c)["grade_id"] for c in release.cells if _meta(c).get("grade_id")]
    position = {_meta(c).get("grade_id"): i for i, c in enumerate(cells) if _meta(c).get("grade_id")}
    after = -1  # index in ``cells`` after which the next missing cell goes
    for gid in order:
        if gid in position:
            after = max(after, position[gid])
            continue
        original = released[gid]
        if not _restorable(original):
            continue  # a deleted solution cell: the student's own loss, not put back as a stub
        warn("cell %r is missing: inserted again from the release", gid)
        after += 1
        cells.insert(after, _as_type(original, original.cell_type, original.source, original.metadata))
        position = {_meta(c).get("grade_id"): i for i, c in enumerate(cells) if _meta(c).get("grade_id")}

    # cell ids must stay unique: the release's cells keep theirs
    release_ids = {c.get("id") for c in cells if _meta(c).get("grade_id") in released}
    used = set()
    for cell in cells:
        if "id" not in cell:
            continue
        if cell["id"] in used or (cell["id"] in release_ids and _meta(cell).get("grade_id") not in released):
            cell["id"] = uuid.uuid4().hex[:8]
        used.add(cell["id"])
    nb.cells = cells
    return nb


class RestoreCells(NbGraderPreprocessor):
    """Restore the released notebook's locked and graded cells in a submission (module docstring)."""

    course_root = Unicode("", help="the course folder: the release is RELEASE_DIRECTORY/ASSIGNMENT/NOTEBOOK.ipynb "
                                   "under it").tag(config=True)
    release_directory = Unicode("exercises", help="the release folder, relative to course_root").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = Path(self.course_root or ".") / self.release_directory / info["assignment"] / f"{info['notebook']}.ipynb"
        if not path.is_file():
            raise FileNotFoundError(f"cannot check the submission against its release: no {path} "
                                    "(run `make release` first)")
        release = nbformat.read(path, as_version=4)
        return restore_cells(nb, release, self.log), resources
