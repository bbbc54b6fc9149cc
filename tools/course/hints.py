"""The hint mode of a handed-out edition: the student and nbgrader editions are graded, so their checks
name the mistake and never the fix (``exercises.set_hints``). One short code cell, right after the
notebook's first cell that imports the suite, switches the mode; ``--hints fix`` builds them without it
(the checks then show the fix from a second miss on, as in the stored notebooks)."""
from __future__ import annotations

import nbformat

from xception_edu import exercises

CELL_ID = "hint-mode"
SOURCE = ('from xception_edu.exercises import set_hints\n\n'
          'set_hints("nudge")  # a graded edition: a check names your mistake, never its fix')


def _imports_the_suite(cell) -> bool:
    return cell.cell_type == "code" and ("import xception_edu" in cell.source
                                         or "from xception_edu" in cell.source)


def with_hints(nb, mode: str = "nudge"):
    """``nb`` (changed in place, and returned) with the cell that sets ``mode``, after its first cell that
    imports the suite (the top if none does); ``"fix"``, the package's default, adds no cell."""
    if mode not in exercises.HINT_MODES:
        raise ValueError(f"--hints {mode!r}: use 'nudge' (graded: no fix shown) or 'fix' (fixes shown)")
    nb.cells = [c for c in nb.cells if c.get("id") != CELL_ID]
    if mode == "fix":
        return nb
    at = next((i + 1 for i, c in enumerate(nb.cells) if _imports_the_suite(c)), 0)
    nb.cells.insert(at, nbformat.v4.new_code_cell(SOURCE, id=CELL_ID))
    return nb
