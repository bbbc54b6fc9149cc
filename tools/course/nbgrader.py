"""The nbgrader course: the suite's exercises as a ready nbgrader course directory, from the one source.

``build(notebooks, out)`` writes nbgrader's own layout (nbformat only; nbgrader itself is needed to use
the course, not to write it)::

    out/nbgrader_config.py
    out/source/01_standard_convolution/01_standard_convolution.ipynb    one assignment per notebook

Each notebook's cells become nbgrader cells (cell metadata ``nbgrader``, schema version 3):

* an exercise cell (``exercises.py``) → a **solution** cell, grade id ``NN-id`` (``01-conv_params``),
  our solution markers turned into nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION``; its stub
  and its ``lesson.check`` call stay (the student's quick check);
* after it, a locked **autograded test** cell ``test-NN-id`` worth ``EXERCISE_POINTS``: the package's
  check must pass, plus the hidden tests of ``hidden_tests.py`` where the exercise has some;
* each written answer (a ``<details>`` "Answers" block, ``folding.py``) → a **manually graded** answer
  cell holding the model answer, which ``nbgrader generate_assignment`` replaces by "YOUR ANSWER HERE";
  the end-of-notebook questionnaire (cell id ``questionnaire``) → one question and one answer cell per
  question;
* every other cell → **read-only** (locked), outputs cleared.

Grade ids come from exercise ids and cell ids, so they stay the same when the course is regenerated.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

from xception_edu import exercises

from . import files, folding, hidden_tests, hints

EXERCISE_POINTS = 2  # an autograded exercise
ANSWER_POINTS = 1    # a written answer (one "Answers" block, or one questionnaire question)
QUESTIONNAIRE = "questionnaire"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_BLOCK = re.compile(r"<details><summary>" + re.escape(folding.SUMMARY) + r"</summary>(.*?)</details>", re.S)
_ITEM = re.compile(r"^\d+\.\s+", re.M)
NOTEBOOK_GLOB = files.NOTEBOOK_GLOB

CONFIG = f'''\
"""nbgrader configuration of the xception-edu course (written by `make editions`; see
docs/course-guide.md, "Grading with nbgrader")."""
import os
import sys

# nbgrader runs `alembic` (its gradebook's setup) from PATH: this Python's folder goes first, so that the
# commands work from a virtual environment that is not activated (`.venv/bin/nbgrader ...`).
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "xception-edu"
# The cells carry nbgrader's markers in full, with the comment mark: text that only mentions
# "BEGIN SOLUTION" in passing is never taken for a solution region.
c.ClearSolutions.begin_solution_delimeter = "{BEGIN}"
c.ClearSolutions.end_solution_delimeter = "{END}"
c.ClearHiddenTests.begin_test_delimeter = "{BEGIN_HIDDEN}"
c.ClearHiddenTests.end_test_delimeter = "{END_HIDDEN}"
# Each exercise keeps its own stub after the solution region: `raise NotImplementedError("hint")`.
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE"}}
# A notebook runs in at most about a minute; a cell gets ten times that before it counts as failed.
c.Execute.timeout = 600
'''

README = """# nbgrader course

A ready nbgrader course directory: `source/` holds one assignment per notebook, with solutions, tests
and model answers; do not hand it out. In this folder run `nbgrader generate_assignment "*"` to write
the student versions to `release/`. See docs/course-guide.md, "Grading with nbgrader".
"""


def assignment_name(notebook: Path) -> str:
    """The assignment of one notebook: its file name without ``.ipynb`` (``01_standard_convolution``)."""
    if not re.fullmatch(r"\d\d[a-z]?_\w+", notebook.stem):
        raise ValueError(f"{notebook.name}: a notebook name is NN_topic.ipynb or NNa_topic.ipynb")
    return notebook.stem


def grade_id(exercise_id: str) -> str:
    """``01.conv_params`` → ``01-conv_params`` (nbgrader names cells in its database and URLs by it)."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", exercise_id)


def answer_name(source: str) -> str:
    """The name an exercise cell hands to its check: ``lesson.check("01.conv_params", conv_params)``."""
    exercise_id = exercises.exercise_id(source)
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "check"
                and len(node.args) == 2 and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == exercise_id and isinstance(node.args[1], ast.Name)):
            return node.args[1].id
    raise ValueError(f"exercise {exercise_id}: its cell must end with "
                     f"lesson.check({exercise_id!r}, <answer>)")


def _meta(gid: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"schema_version": 3, "grade_id": gid, "solution": solution, "grade": grade, "locked": locked}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _locked(source: str, cell_id: str, cell_type: str = "markdown"):
    new = nbformat.v4.new_markdown_cell if cell_type == "markdown" else nbformat.v4.new_code_cell
    return new(source, id=cell_id, metadata=_meta(f"locked-{cell_id}", locked=True))


def _answer(model: str, cell_id: str, gid: str):
    return nbformat.v4.new_markdown_cell(model.strip(), id=cell_id, metadata=_meta(
        gid, solution=True, grade=True, points=ANSWER_POINTS))


def exercise_cells(cell) -> list:
    """An exercise cell → its solution cell and its autograded test cell."""
    exercise_id = exercises.exercise_id(cell.source)
    student, solution = exercises.split_solution(cell.source)
    if not solution:
        raise ValueError(f"exercise {exercise_id} has no '{exercises.BEGIN}' ... '{exercises.END}' solution")
    lines, inside = [], False
    for line in cell.source.splitlines():
        indent = line[:len(line) - len(line.lstrip())]
        if line.strip() in (exercises.BEGIN, exercises.END):
            inside = line.strip() == exercises.BEGIN
            line = indent + (BEGIN if inside else END)
        lines.append(line)
    gid, name = grade_id(exercise_id), answer_name(cell.source)
    solution_cell = nbformat.v4.new_code_cell("\n".join(lines), id=cell.id,
                                              metadata=_meta(gid, solution=True))
    test = [f"# Autograder test of exercise {exercise_id} ({EXERCISE_POINTS} points): the package's check.",
            f"result = lesson.check({exercise_id!r}, {name}, quiet=True)",
            "assert result, result.message"]
    hidden = hidden_tests.HIDDEN.get(exercise_id)
    if hidden:
        test += [BEGIN_HIDDEN, hidden.code.strip(), END_HIDDEN]
    test_cell = nbformat.v4.new_code_cell("\n".join(test), id=f"test-{gid}", metadata=_meta(
        f"test-{gid}", grade=True, locked=True, points=EXERCISE_POINTS))
    return [solution_cell, test_cell]


def _items(text: str) -> list[str]:
    """The items of a numbered markdown list (what follows each ``N.``)."""
    return [item.strip() for item in _ITEM.split(text)[1:]]


def questionnaire_cells(cell, where: str) -> list:
    """The questionnaire (``## Questionnaire``, numbered questions, their answers in one ``<details>``)
    → the heading, then each question and a manually graded answer cell for it."""
    found = _BLOCK.search(cell.source)
    if found is None:
        raise ValueError(f"{where}: the questionnaire has no <details> answers block")
    head = _ITEM.split(cell.source[:found.start()])[0].strip()
    questions, answers = _items(cell.source[:found.start()]), _items(found.group(1))
    if not questions or len(questions) != len(answers):
        raise ValueError(f"{where}: the questionnaire has {len(questions)} questions and {len(answers)} "
                         "answers; number each, one answer per question, in the same order")
    cells = [_locked(f"{head}\n\nAnswer each question in the cell below it (graded by hand).", cell.id)]
    for n, (question, answer) in enumerate(zip(questions, answers), start=1):
        cells.append(_locked(f"**{n}.** {question}", f"{cell.id}-q{n}"))
        cells.append(_answer(answer, f"{cell.id}-a{n}", f"{QUESTIONNAIRE}-{n}"))
    return cells


def markdown_cells(cell) -> list:
    """A markdown cell → read-only pieces, with a manually graded answer cell for each answers block."""
    pieces, start = [], 0
    for n, found in enumerate(_BLOCK.finditer(cell.source), start=1):
        before = cell.source[start:found.start()].strip()
        before += ("\n\n" if before else "") + "*Write your answer in the cell below (graded by hand).*"
        pieces.append(_locked(before, cell.id if n == 1 else f"{cell.id}-{n}"))
        pieces.append(_answer(found.group(1), f"{cell.id}-answer-{n}", f"answers-{cell.id}-{n}"))
        start = found.end()
    rest = cell.source[start:].strip()
    if rest or not pieces:
        pieces.append(_locked(rest, f"{cell.id}-after" if pieces else cell.id))
    return pieces


def course_notebook(nb, where: str = "notebook", hint_mode: str = "nudge"):
    """One stored notebook → its nbgrader source notebook (a new notebook; ``nb`` is not changed), its
    checks in ``hint_mode`` (``hints.py``: graded, the mistake named and never the fix)."""
    nb = hints.with_hints(folding.fold(nb, edition="student"), hint_mode)  # task cells worded for the stub
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code" and exercises.exercise_id(cell.source):
            cells += exercise_cells(cell)
        elif cell.cell_type == "code" and exercises.BEGIN in cell.source:
            raise ValueError(f"{where}: a code cell has '{exercises.BEGIN}' but no "
                             "'# EXERCISE NN.id:' header")
        elif cell.cell_type == "markdown" and cell.get("id") == QUESTIONNAIRE:
            cells += questionnaire_cells(cell, where)
        elif cell.cell_type == "markdown":
            cells += markdown_cells(cell)
        else:
            cells.append(_locked(cell.source, cell.id, cell.cell_type))
    nb.cells = cells
    nb.metadata.pop("widgets", None)  # outputs are cleared: no widget state to keep
    nb.metadata["xception_edu_edition"] = "nbgrader"
    return nb


def points(nb) -> dict[str, int]:
    """Points of one course notebook: ``{"autograded": ..., "manual": ...}``."""
    total = {"autograded": 0, "manual": 0}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            total["manual" if meta.get("solution") else "autograded"] += meta["points"]
    return total


def build(notebooks: Path, out: Path, glob: str = NOTEBOOK_GLOB, hint_mode: str = "nudge") -> list[Path]:
    """Write the course directory ``out`` (``nbgrader_config.py`` and ``source/``); returns the notebooks
    written. An assignment of a notebook since removed is deleted only if this module wrote it."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG)
    (out / "README.md").write_text(README)
    sources = sorted(Path(notebooks).glob(glob))
    names = {assignment_name(path) for path in sources}
    for old in sorted((out / "source").glob("*/*.ipynb")):
        if old.parent.name not in names and _ours(old):
            old.unlink()
            if not any(old.parent.iterdir()):
                old.parent.rmdir()
    written = []
    for path in sources:
        nb = course_notebook(files.read_notebook(path), where=str(path), hint_mode=hint_mode)
        target = out / "source" / assignment_name(path) / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.validate(nb)
        files.write_notebook(nb, target)
        written.append(target)
    return written


def _ours(path: Path) -> bool:
    try:
        return files.read_notebook(path).metadata.get("xception_edu_edition") == "nbgrader"
    except Exception:  # not a notebook we can read: certainly not one we wrote
        return False


def points_table(notebooks: Path) -> str:
    """The markdown table of points per assignment that docs/course-guide.md shows."""
    rows = ["| assignment | exercises (autograded) | written answers (by hand) | total |",
            "|---|---|---|---|"]
    auto = manual = 0
    for path in sorted(Path(notebooks).glob(NOTEBOOK_GLOB)):
        p = points(course_notebook(files.read_notebook(path), where=str(path)))
        if p["autograded"] + p["manual"]:
            rows.append(f"| {assignment_name(path)} | {p['autograded']} | {p['manual']} | "
                        f"{p['autograded'] + p['manual']} |")
        auto, manual = auto + p["autograded"], manual + p["manual"]
    rows.append(f"| **all** | **{auto}** | **{manual}** | **{auto + manual}** |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.course.nbgrader [NOTEBOOKS]``: print the points table of the notebooks in
    NOTEBOOKS (default: the repository's notebooks/, from any folder)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.course.nbgrader", description=main.__doc__)
    parser.add_argument("notebooks", nargs="?", type=Path, default=files.ROOT / "notebooks")
    args = parser.parse_args(argv)
    if not args.notebooks.is_dir():
        parser.error(f"{args.notebooks} is not a folder: give the folder of the stored notebooks")
    if not any(args.notebooks.glob(NOTEBOOK_GLOB)):
        parser.error(f"no notebooks matching {NOTEBOOK_GLOB} in {args.notebooks}: give the folder of the "
                     "stored notebooks")
    try:
        print(points_table(args.notebooks))
    except ValueError as e:  # a CourseFileError, or a notebook's own error naming it
        parser.exit(1, f"error: {' '.join(str(e).split())}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
