"""Solutions out of the learner's face, on every platform: each exercise is a runnable stub, then its worked
solution hidden behind a click.

In the notebooks as stored (what JupyterLab, Colab, Binder, GitHub, nbviewer and nbconvert's HTML show), an
exercise is three cells:

1. a markdown **task** cell (tag ``exercise-task``): the task, from the exercise's
   ``# EXERCISE NN.id:`` header and its continuation lines (``exercises.header``);
2. the **stub**, a code cell: the exercise cell with the lines between its solution markers removed
   (``exercises.strip_solution``): signature, docstring, the given helpers, ``raise NotImplementedError``
   and the check. The learner writes here; run as stored, it prints "Not done yet";
3. a markdown **solution** cell (tag ``exercise-solution``): the whole exercise cell, markers and all, in a
   fenced block inside a closed ``<details>`` element. Markdown's ``<details>`` is the one hiding every
   renderer keeps (JupyterLab's ``source_hidden`` metadata holds in JupyterLab only).

The whole cell in the solution block is the source of truth: ``unfold`` turns the three cells back into that
one cell, which the editions (``editions.py``, ``nbgrader.py``) and the tests read; ``fold`` goes the other
way. Each paragraph that opens with "Answers:" becomes a ``<details>`` block too.

``python -m tools.course.folding notebooks/*.ipynb`` folds stored notebooks in place (``make notebooks``
runs it before re-executing them; an exercise written as one cell with its solution is folded then); tests
check that every stored notebook is folded.
"""
from __future__ import annotations

import argparse
import copy
import re
from pathlib import Path

import nbformat

from xception_edu import exercises

from . import files

TAG = "exercise-task"
SOLUTION_TAG = "exercise-solution"
EDITIONS = ("source", "student", "instructor")  # the stored notebooks fold; the editions do not
HIDDEN = ("source_hidden", "outputs_hidden")  # an earlier layout folded the solution cell in JupyterLab only
SUMMARY = "Answers (open once you have tried)"
SOLUTION_SUMMARY = "Worked solution"
_ANSWERS = re.compile(r"^Answers?:\s*", re.I)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
_ANY_SUMMARY = re.compile(r"<details><summary>\s*Answers?\b[^<]*</summary>", re.I)
_SOLUTION = re.compile(r"\A<details><summary>" + re.escape(SOLUTION_SUMMARY) +
                       r"[^<]*</summary>\n\n```python\n(?P<code>.*)\n```\n\n</details>\Z", re.S)


def task_of(source: str) -> tuple[str, str]:
    """The exercise id and the whole task from an exercise cell's header (``exercises.header``)."""
    found = exercises.header(source)
    if found is None:
        raise ValueError(f"not an exercise cell (no '# EXERCISE NN.id:' line): {source[:120]!r}")
    return found


def task_text(source: str, edition: str = "source") -> str:
    """The visible markdown cell before an exercise: its task, and where the solution is."""
    exercise_id, task = task_of(source)
    head = f"**Exercise `{exercise_id}`:** {task}."
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, not {edition!r}")
    if edition == "instructor":
        return f"{head} The cell below holds the worked solution and its check."
    stub = (f"{head} Replace the `raise NotImplementedError` line in the cell below with your answer "
            "and run it: the check says what is right and what is not.")
    if edition == "student":
        return stub
    return f"{stub} A worked solution follows it, hidden: open it once you have tried."


def cell_id(role: str, exercise_id: str) -> str:
    """A stable cell id for an exercise's "task" or "solution" cell (nbformat allows [A-Za-z0-9_-])."""
    return f"{role}-" + re.sub(r"[^A-Za-z0-9_-]", "-", exercise_id)


def answers_to_details(markdown: str) -> str:
    """Each paragraph that opens with "Answers:" becomes a <details> block (GitHub and JupyterLab both
    render markdown inside it when blank lines surround it)."""
    markdown = _ANY_SUMMARY.sub(f"<details><summary>{SUMMARY}</summary>", markdown)  # one wording
    paragraphs = _PARAGRAPHS.split(markdown)
    if not any(_ANSWERS.match(para) for para in paragraphs):
        return markdown
    out = []
    for para in paragraphs:
        if _ANSWERS.match(para):
            body = _ANSWERS.sub("", para, count=1)
            body = body[:1].upper() + body[1:]
            para = f"<details><summary>{SUMMARY}</summary>\n\n{body}\n\n</details>"
        out.append(para)
    return "\n\n".join(out)


_DETAILS = re.compile(r"\n*<details><summary>" + re.escape(SUMMARY) + r"</summary>.*?</details>\n*", re.S)


def remove_answers(markdown: str) -> str:
    """The student edition's markdown: the written answers (``answers_to_details`` blocks) taken out."""
    return _DETAILS.sub("\n\n", answers_to_details(markdown)).strip("\n")


def _is_task(cell) -> bool:
    return cell.cell_type == "markdown" and TAG in cell.metadata.get("tags", [])


def solution_markdown(source: str) -> str:
    """The solution cell's text: the whole exercise cell in a closed ``<details>`` block."""
    exercise_id, _ = task_of(source)
    if "```" in source:
        raise ValueError(f"exercise {exercise_id}: its cell holds ``` and would break the solution's fence")
    summary = f"{SOLUTION_SUMMARY} of {exercise_id} (open it once you have tried)"
    return f"<details><summary>{summary}</summary>\n\n```python\n{source.strip()}\n```\n\n</details>"


def solution_of(cell) -> str | None:
    """The exercise cell held by a solution cell (None for any other cell)."""
    if cell.cell_type != "markdown" or SOLUTION_TAG not in cell.metadata.get("tags", []):
        return None
    found = _SOLUTION.match(cell.source)
    if found is None:
        raise ValueError(f"a cell tagged {SOLUTION_TAG!r} is not a worked-solution block: "
                         f"{cell.source[:120]!r}")
    return found["code"]


def _copy(nb):
    nb = nbformat.from_dict(copy.deepcopy(nb))
    for cell in nb.cells:
        if not isinstance(cell.source, str):  # a notebook read as plain JSON stores lines
            cell.source = "".join(cell.source)
    return nb


def _unhide(cell) -> None:
    jupyter = {k: v for k, v in cell.metadata.get("jupyter", {}).items() if k not in HIDDEN}
    if jupyter:
        cell.metadata["jupyter"] = jupyter
    else:
        cell.metadata.pop("jupyter", None)


def unfold(nb):
    """A copy of ``nb`` with each exercise as the one cell it is written as: stub and solution joined back
    (the solution's source, the stub's id, metadata and outputs), no task cells."""
    nb = _copy(nb)
    cells = []
    for cell in nb.cells:
        if _is_task(cell):
            continue  # rebuilt by ``fold`` from the exercise's own header
        whole = solution_of(cell)
        if whole is not None:
            stub = cells[-1] if cells else None
            if stub is None or stub.cell_type != "code" or exercises.exercise_id(stub.source) != \
                    exercises.exercise_id(whole):
                raise ValueError(f"the worked solution of {exercises.exercise_id(whole)} does not follow its "
                                 "stub cell")
            stub.source = whole
            continue
        if cell.cell_type == "code" and exercises.exercise_id(cell.source) is not None:
            _unhide(cell)
        cells.append(cell)
    nb.cells = cells
    for cell in cells:
        exercise_id = exercises.exercise_id(cell.source) if cell.cell_type == "code" else None
        if exercise_id and exercises.BEGIN not in cell.source:
            raise ValueError(f"exercise {exercise_id} has a stub but no worked solution (a solution cell "
                             "after it, or '# BEGIN SOLUTION' lines in it)")
    return nb


def exercise_sources(nb) -> dict[str, str]:
    """Exercise id -> its whole cell (solution included), however the notebook is laid out."""
    return {exercises.exercise_id(c.source): c.source for c in unfold(nb).cells
            if c.cell_type == "code" and exercises.exercise_id(c.source)}


def fold(nb, edition: str = "source"):
    """A copy of ``nb`` laid out for ``edition``: "source" (stored), each exercise as task, stub and hidden
    solution; "student" or "instructor", each exercise as a task cell worded for that edition and the
    exercise's one cell (the editions then strip or keep its solution)."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, not {edition!r}")
    nb = unfold(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = answers_to_details(cell.source)
        exercise_id = exercises.exercise_id(cell.source) if cell.cell_type == "code" else None
        if exercise_id is None:
            cells.append(cell)
            continue
        cells.append(nbformat.v4.new_markdown_cell(task_text(cell.source, edition),
                                                   id=cell_id("task", exercise_id), metadata={"tags": [TAG]}))
        if edition != "source":  # the stored outputs are the stub's: the solution's come when it is run
            cell.outputs, cell.execution_count = [], None
            cells.append(cell)
            continue
        whole, cell.source = cell.source, exercises.strip_solution(cell.source)
        cells.append(cell)
        cells.append(nbformat.v4.new_markdown_cell(solution_markdown(whole),
                                                   id=cell_id("solution", exercise_id),
                                                   metadata={"tags": [SOLUTION_TAG]}))
    nb.cells = cells
    return nb



def problems(nb) -> list[str]:
    """What is not folded as it should be (empty when ``fold`` would change nothing)."""
    found = []
    nb = _copy(nb)
    try:
        folded = fold(nb)
    except ValueError as e:  # a stub without its solution, a solution out of place
        return [str(e)]
    for i, (now, want) in enumerate(zip(nb.cells, folded.cells)):
        if now.cell_type != want.cell_type or now.source != want.source or \
                now.metadata.get("jupyter") != want.metadata.get("jupyter") or \
                now.metadata.get("tags") != want.metadata.get("tags"):
            what = "task cell missing or stale" if _is_task(want) else \
                "worked solution missing or stale" if solution_of(want) is not None else "not folded"
            found.append(f"cell {i}: {what}: {want.source[:80]!r}")
            break  # after a missing cell every index shifts; one message says enough
    if not found and len(nb.cells) != len(folded.cells):
        found.append(f"{len(folded.cells) - len(nb.cells)} cell(s) missing at the end")
    return found


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.course.folding NOTEBOOK...``: fold each stored notebook in place."""
    parser = argparse.ArgumentParser(prog="python -m tools.course.folding", description=main.__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if not path.is_file():
            parser.error(f"{path} is not a file: give stored notebooks (notebooks/NN_*.ipynb)")
        try:
            nb = files.read_notebook(path)
            if problems(nb):
                files.write_notebook(fold(nb), path)
                print(path, "folded")
            else:
                print(path, "unchanged")
        except ValueError as e:
            parser.exit(1, f"error: {files.error_line(path, e)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
