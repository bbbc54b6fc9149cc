"""Solutions out of the learner's face: every exercise's solution cell folded, every written answer behind
a "show" toggle, in the notebooks as they are stored.

Learners open the stored notebooks directly (JupyterLab, Colab, GitHub), where each exercise cell holds a
worked solution. ``fold`` makes that cell collapsed by default (cell metadata ``jupyter.source_hidden``
and ``jupyter.outputs_hidden``: JupyterLab draws a bar the learner clicks to open it on purpose), puts a
visible markdown cell before it that states the task (the folded cell hides its ``# EXERCISE`` line),
and turns each paragraph that opens with "Answers:" into a ``<details>`` block. The editions unfold
them (the student edition has no solutions left to hide; the instructor wants them open).

``python -m tools.course.folding notebooks/*.ipynb`` folds stored notebooks in place (``make
notebooks`` runs it before re-executing them; nbconvert keeps cell metadata); tests check that every
stored notebook is folded.
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
EDITIONS = ("source", "student", "instructor")  # the stored notebooks fold; the editions do not
HIDDEN = {"source_hidden": True, "outputs_hidden": True}
SUMMARY = "Answers (open once you have tried)"
_ANSWERS = re.compile(r"^Answers?:\s*", re.I)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
_ANY_SUMMARY = re.compile(r"<details><summary>\s*Answers?\b[^<]*</summary>", re.I)


def task_of(source: str) -> tuple[str, str]:
    """The exercise id and the task from an exercise cell's ``# EXERCISE NN.id: task`` line."""
    found = exercises.HEADER.search(source)
    if found is None:
        raise ValueError(f"not an exercise cell (no '# EXERCISE NN.id:' line): {source[:120]!r}")
    line = source[found.start():].splitlines()[0]
    return found["id"], line[found.end() - found.start():].strip()


def task_text(source: str, edition: str = "source") -> str:
    """The visible markdown cell before an exercise: its task, and where the solution is."""
    exercise_id, task = task_of(source)
    head = f"**Exercise `{exercise_id}`:** {task}."
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, not {edition!r}")
    if edition == "instructor":
        return f"{head} The cell below holds the worked solution and its check."
    if edition == "student":
        return (f"{head} Replace the `raise NotImplementedError` line in the cell below with your answer "
                "and run it: the check says what is right and what is not.")
    return (f"{head} Try it yourself first (in a new cell, or in the student edition). The cell below holds "
            "a worked solution and its check, **folded**: click the bar (or ⋯) to open it.")


def task_cell_id(exercise_id: str) -> str:
    return "task-" + re.sub(r"[^A-Za-z0-9_-]", "-", exercise_id)


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


def fold(nb, edition: str = "source"):
    """A copy of ``nb`` with every exercise folded behind a visible task cell (``edition="student"`` or
    ``"instructor"``: the same task cells, worded for that edition, and nothing folded)."""
    nb = nbformat.from_dict(copy.deepcopy(nb))
    cells = []
    for cell in nb.cells:
        if not isinstance(cell.source, str):  # a notebook read as plain JSON stores lines
            cell.source = "".join(cell.source)
        if _is_task(cell):
            continue  # rebuilt below, from the exercise's own header
        if cell.cell_type == "markdown":
            cell.source = answers_to_details(cell.source)
        if cell.cell_type == "code" and exercises.exercise_id(cell.source) is not None:
            exercise_id, _ = task_of(cell.source)
            task = nbformat.v4.new_markdown_cell(task_text(cell.source, edition),
                                                 id=task_cell_id(exercise_id), metadata={"tags": [TAG]})
            cells.append(task)
            jupyter = {k: v for k, v in cell.metadata.get("jupyter", {}).items() if k not in HIDDEN}
            if edition == "source":
                jupyter.update(HIDDEN)
            if jupyter:
                cell.metadata["jupyter"] = jupyter
            else:
                cell.metadata.pop("jupyter", None)
        cells.append(cell)
    nb.cells = cells
    return nb


def problems(nb) -> list[str]:
    """What is not folded as it should be (empty when ``fold`` would change nothing)."""
    found = []
    folded = fold(nb)
    for i, (now, want) in enumerate(zip(nb.cells, folded.cells)):
        if now.cell_type != want.cell_type or now.source != want.source or \
                now.metadata.get("jupyter") != want.metadata.get("jupyter"):
            found.append(f"cell {i}: {'task cell missing or stale' if _is_task(want) else 'not folded'}: "
                         f"{want.source[:80]!r}")
            break  # after a missing cell every index shifts; one message says enough
    if not found and len(nb.cells) != len(folded.cells):
        found.append(f"{len(folded.cells) - len(nb.cells)} task cell(s) missing at the end")
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
