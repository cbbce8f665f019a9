"""Serve MathJax from the book itself, so that pages render their math without a network.

MathJax 3 comes from the PyPI package ``django-static-mathjax`` (its es5 bundle and fonts, no Django
needed); this extension copies that bundle into ``_static/mathjax`` of the HTML output and points
Sphinx's ``mathjax_path`` at it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MATHJAX_DIR = "mathjax"


def _bundle() -> Path:
    import mathjax  # the package django-static-mathjax

    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (es5 / "tex-mml-chtml.js").is_file():
        raise RuntimeError(f"MathJax's es5 bundle is missing from {es5}: reinstall django-static-mathjax")
    return es5


def _set_path(app, config) -> None:
    _bundle()  # fail early, before the build, when the package is missing
    config.mathjax_path = f"{MATHJAX_DIR}/tex-mml-chtml.js"


def _copy(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / MATHJAX_DIR
    if not (target / "tex-mml-chtml.js").is_file():
        shutil.copytree(_bundle(), target, dirs_exist_ok=True)


def setup(app):
    app.connect("config-inited", _set_path)
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
