"""What every notebook promises, checked on the files as shipped (nbval then re-runs them)."""
import json
import pathlib
import re

import pytest
from nbval.plugin import comment_markers, find_comment_markers

from tools.course import editions, folding

# NN_topic, and NNa_topic for an optional appendix (06a after 06)
NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
MAX_CELL_LINES = 20  # narrative-sized: anything longer belongs in the package
# The last cell is a questionnaire (5 to 10 questions), one numbered line per question and per answer.
QUESTIONNAIRE = re.compile(r"## Questionnaire\n\n(?P<questions>(?:\d+\. \S.*\n)+)\n"
                           rf"<details><summary>{re.escape(folding.SUMMARY)}</summary>\n\n"
                           r"(?P<answers>(?:\d+\. \S.*\n)+)\n</details>\n?")
NOTES_ANSWERS = "**Questionnaire answers.**"


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
def test_a_check_leaves_only_its_verdict_under_the_cell(path):
    # lesson.check(...) ends an exercise cell: its Result must not add "<05.x: passed>" below "Correct!"
    for cell in _cells(path):
        for out in cell.get("outputs", []):
            text = "".join(out.get("data", {}).get("text/plain", ""))
            assert not re.fullmatch(r"<\d\d[a-z]?\.[\w.]+: (passed|not passed)>", text), (path.name, text)


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
    number = path.name.split("_", 1)[0]  # "06", or "06a" for an appendix
    assert intro.startswith(f"# {number} · "), f"{path.name}: the first cell is the numbered title"
    if number != "00":
        assert "**You will learn to**" in intro and "**Estimated time:**" in intro, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_ends_with_a_questionnaire_whose_answers_the_instructor_notes_repeat(path):
    last = _cells(path)[-1]
    assert last["cell_type"] == "markdown" and last.get("id") == "questionnaire", \
        f"{path.name}: the last cell must be the questionnaire (a markdown cell with id 'questionnaire')"
    found = QUESTIONNAIRE.fullmatch(_src(last))
    assert found, (f"{path.name}: the questionnaire is not in the format '## Questionnaire', numbered "
                   f"questions one a line, '<details><summary>{folding.SUMMARY}</summary>', numbered answers")
    numbers = {part: [int(line.split(".", 1)[0]) for line in found[part].splitlines()]
               for part in ("questions", "answers")}
    n = len(numbers["questions"])
    assert 5 <= n <= 10, f"{path.name}: {n} questions; a questionnaire has 5 to 10"
    assert numbers["questions"] == numbers["answers"] == list(range(1, n + 1)), \
        f"{path.name}: questions numbered {numbers['questions']}, answers {numbers['answers']}: want 1..{n}"
    notes = editions.notes_path(path, path.parents[1] / "docs" / "instructor-notes")
    text = notes.read_text() if notes.exists() else ""
    assert text.count(NOTES_ANSWERS) == 1, f"{notes.name}: needs one section {NOTES_ANSWERS!r}, at its end"
    assert text.split(NOTES_ANSWERS)[1].strip() == found["answers"].strip(), \
        f"{notes.name}: the answers after {NOTES_ANSWERS!r} must be the notebook's, verbatim"
