"""What every notebook promises, checked on the files as shipped (nbval then re-runs them)."""
import json
import pathlib

import pytest
from nbval.plugin import comment_markers, find_comment_markers

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_CELL_LINES = 20  # narrative-sized: anything longer belongs in the package


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _src(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nbval_markers_are_ones_nbval_recognises(path):
    # nbval only honours a marker alone on its comment line: "# NBVAL_IGNORE_OUTPUT  (why)" is silently
    # ignored, and the output is compared after all.
    for cell in _cells(path):
        for line in _src(cell).splitlines():
            if "NBVAL_" in line and line.strip().startswith("#"):
                assert dict(find_comment_markers(line)), (f"{path.name}: {line.strip()!r} is not one of "
                                                          f"{sorted(comment_markers)} alone on a line")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_ships_with_outputs_executed_in_order(path):
    code = [c for c in _cells(path) if c["cell_type"] == "code" and _src(c).strip()]
    counts = [c["execution_count"] for c in code]
    assert None not in counts, f"{path.name}: some cells were never run"
    assert counts == sorted(counts) and counts[0] == 1, (f"{path.name}: not run top to bottom "
                                                         "on a fresh kernel")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cells_are_narrative_sized_and_the_notebook_says_what_and_how_long(path):
    cells = _cells(path)
    # Exercise cells are the learner's own code (with the solution), so they may run longer.
    long = [_src(c).splitlines()[0] for c in cells
            if c["cell_type"] == "code" and not _src(c).startswith("# EXERCISE")
            and len(_src(c).splitlines()) > MAX_CELL_LINES]
    assert not long, (f"{path.name}: cells over {MAX_CELL_LINES} lines (move the code into xception_edu): "
                      f"{long}")
    intro = _src(cells[0])
    assert intro.startswith(f"# {path.name[:2]}"), f"{path.name}: the first cell is the numbered title"
    if path.name[:2] != "00":
        assert "**You will learn to**" in intro and "**Estimated time:**" in intro, path.name
