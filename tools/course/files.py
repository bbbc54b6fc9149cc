"""How the course tools read and write notebooks and docs: every write atomic (``tools/_atomic.py``), and
whatever cannot be read or written a ``CourseFileError`` of one line naming the file and what is wrong.

Notebooks saved without cell ids (Colab saves nbformat 4.0) are read as nbformat 4.5 with an id for each
cell (``cell-N``, its position: the same on every read), so the cells the tools add, which have ids,
leave a valid notebook.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import nbformat

from .. import _atomic

ROOT = Path(__file__).resolve().parents[2]  # the repository: the tools' defaults hold from any folder
NOTEBOOK_GLOB = "[0-9][0-9]*_*.ipynb"  # NN_topic, and NNa_topic for an optional appendix (06a after 06)


class CourseFileError(ValueError):
    """A notebook or text file the course tools cannot read or write; the message names it."""


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())[:300]


def error_line(path, e: BaseException) -> str:
    """``e`` as one line that names ``path`` (a ``CourseFileError`` already does; an exercise's may not)."""
    text = _one_line(e)
    return text if str(path) in text else f"{path}: {text}"


def read_text(path) -> str:
    """A UTF-8 text file's content."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise CourseFileError(f"{path}: not UTF-8 text (byte {e.object[e.start]:#04x} at offset {e.start}); "
                              "save it as UTF-8") from e
    except OSError as e:
        raise CourseFileError(f"{path}: cannot be read: {e.strerror or _one_line(e)}") from e


def write_text(path, text: str) -> None:
    """Replace a text file atomically."""
    try:
        _atomic.write_text(path, text)
    except OSError as e:
        raise CourseFileError(f"{path}: cannot be written: {e.strerror or _one_line(e)}; "
                              "it is unchanged") from e


def _with_ids(nb) -> None:
    if nb.nbformat_minor >= 5 and all("id" in cell for cell in nb.cells):
        return
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    taken = {cell.get("id") for cell in nb.cells}
    for i, cell in enumerate(nb.cells):
        if "id" not in cell:
            cell_id = f"cell-{i}"
            while cell_id in taken:
                cell_id += "-"
            cell["id"] = cell_id
            taken.add(cell_id)


def read_notebook(path):
    """A stored notebook as nbformat 4.5 (every cell with an id)."""
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise CourseFileError(f"{path}: not a notebook: invalid JSON at line {e.lineno} column {e.colno} "
                              f"({e.msg})") from e
    if not isinstance(data, dict) or "nbformat" not in data or not ("cells" in data or "worksheets" in data):
        keys = sorted(data)[:5] if isinstance(data, dict) else type(data).__name__
        raise CourseFileError(f"{path}: not a Jupyter notebook (no 'nbformat' and 'cells'; found {keys})")
    try:
        with warnings.catch_warnings():  # a missing cell id is mended below, not worth a warning
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
        _with_ids(nb)
        nbformat.validate(nb)
    except Exception as e:  # nbformat raises jsonschema's, KeyError, ...: all mean "not a valid notebook"
        message = getattr(e, "message", None) or _one_line(e)
        raise CourseFileError(f"{path}: not a valid notebook: {' '.join(str(message).split())[:200]}") from e
    return nb


def write_notebook(nb, path) -> None:
    """Replace a notebook atomically (nbformat's JSON, as ``nbformat.write`` writes it)."""
    text = nbformat.writes(nb)
    write_text(path, text if text.endswith("\n") else text + "\n")
