"""Student and instructor editions of the notebooks, generated from the one source in notebooks/.

* **student**: every exercise cell keeps its header, its stub and its check, loses its solution
  (``exercises.strip_solution``) and its stored outputs; the written answers (``<details>`` blocks) are
  removed; nothing is folded (``course/folding.py``); one cell switches the checks to grading mode
  (``course/hints.py``: the mistake named, never the fix; ``--hints fix`` leaves it out); every other
  cell is unchanged.
* **instructor**: the notebooks as they are (solutions and outputs, unfolded), with the instructor notes
  of ``docs/instructor-notes/NN.md`` as a markdown cell at the top.
* **nbgrader**: a ready nbgrader course directory, one assignment per notebook (``course/nbgrader.py``).

Run ``make editions`` (or ``python -m tools.course.editions``); the result lands in ``editions/``,
which git ignores. Notebooks are read and written with nbformat.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import nbformat

from xception_edu import exercises

from . import files, folding, hints, nbgrader

NOTES_MARKER = "<!-- xception-edu: instructor notes -->"
NOTEBOOK_GLOB = files.NOTEBOOK_GLOB


def is_exercise(cell) -> bool:
    """An exercise cell: a code cell that opens with ``# EXERCISE NN.id:`` (a NotebookNode or a plain
    dict)."""
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    return cell["cell_type"] == "code" and exercises.exercise_id(source) is not None


def solution_lines(source: str) -> list[str]:
    """The non-blank lines between the solution markers of an exercise cell, stripped."""
    return [line.strip() for line in exercises.split_solution(source)[1] if line.strip()]


def student(nb: dict, hint_mode: str = "nudge") -> dict:
    """The student edition of one notebook (a new dict; ``nb`` is not changed), its checks in
    ``hint_mode``."""
    nb = folding.fold(nb, edition="student")  # a copy: task cells worded for a stub, nothing folded
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = folding.remove_answers(cell.source)
        if is_exercise(cell):
            cell.source = exercises.strip_solution(cell.source)
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "code" and exercises.BEGIN in cell.source:
            raise ValueError("a code cell has '# BEGIN SOLUTION' but no '# EXERCISE NN.id:' header:\n"
                             + cell.source[:300])
        if cell.cell_type == "code":  # the outputs stay readable; the traces of our own run do not
            cell.execution_count = None
            cell.metadata.pop("execution", None)
            for out in cell.outputs:
                if "execution_count" in out:
                    out.execution_count = None
    nb.metadata["xception_edu_edition"] = "student"
    return hints.with_hints(nb, hint_mode)


def notes_path(notebook: Path, notes_dir: Path) -> Path:
    return notes_dir / f"{notebook.name.split('_', 1)[0]}.md"  # 06.md, 06a.md


def instructor(nb: dict, notes: str | None) -> dict:
    """The instructor edition: the notebook with its notes as a markdown cell at the top, and its
    solutions unfolded."""
    nb = folding.fold(nb, edition="instructor")
    text = notes.strip() if notes else ("*No instructor notes for this notebook yet: add them to "
                                        "`docs/instructor-notes/` (one `NN.md` per notebook).*")
    cell = nbformat.v4.new_markdown_cell(f"{NOTES_MARKER}\n{text}\n", id="instructor-notes",
                                         metadata={"tags": ["instructor-notes"]})
    nb.cells = [c for c in nb.cells if NOTES_MARKER not in c.source]
    nb.cells.insert(0, cell)
    nb.metadata["xception_edu_edition"] = "instructor"
    return nb


def build(notebooks: Path, out: Path, notes_dir: Path, hint_mode: str = "nudge") -> dict[str, list[Path]]:
    """Write ``out/student/``, ``out/instructor/`` and ``out/nbgrader/`` (the student and nbgrader editions'
    checks in ``hint_mode``); returns the files written per edition."""
    written: dict[str, list[Path]] = {"student": [], "instructor": []}
    src, dst = Path(notebooks).resolve(), Path(out).resolve()
    if src == dst or src.is_relative_to(dst) or dst.is_relative_to(src):
        raise ValueError(f"the output folder {out} and the notebooks folder {notebooks} overlap: the "
                         "editions would overwrite or delete the source notebooks; use another --out")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder: give a folder for the editions")
    sources = sorted(notebooks.glob(NOTEBOOK_GLOB))
    if not sources:
        raise FileNotFoundError(f"no notebooks matching {NOTEBOOK_GLOB} in {notebooks}: give the "
                                "repository's notebooks/ folder (--notebooks)")
    for edition in written:
        (out / edition).mkdir(parents=True, exist_ok=True)
        for old in (out / edition).glob("*.ipynb"):
            # A notebook removed from the source must not linger in the edition; but delete only what
            # an earlier build wrote (it says so in its metadata), never a file someone put there.
            if _edition_of(old) == edition:
                old.unlink()
    for path in sources:
        nb = files.read_notebook(path)
        notes_file = notes_path(path, notes_dir)
        notes = files.read_text(notes_file) if notes_file.exists() else None
        try:
            made = (("student", student(nb, hint_mode)), ("instructor", instructor(nb, notes)))
        except ValueError as e:  # an exercise's own error says what, not where
            raise files.CourseFileError(files.error_line(path, e)) from e
        for edition, nb_out in made:
            target = out / edition / path.name
            files.write_notebook(nb_out, target)
            written[edition].append(target)
    written["nbgrader"] = nbgrader.build(notebooks, out / "nbgrader", NOTEBOOK_GLOB, hint_mode)
    _write_readmes(out)
    return written


def _edition_of(path: Path) -> str | None:
    try:
        return files.read_notebook(path).metadata.get("xception_edu_edition")
    except Exception:  # not a notebook we can read: certainly not one we wrote
        return None


def _write_readmes(out: Path) -> None:
    (out / "student" / "README.md").write_text(
        "# Student edition\n\nThe notebooks with every exercise left for you: run a cell, read the check's "
        "verdict, replace the `raise NotImplementedError` line with your answer, run it again.\n"
        "Install the package first (`pip install -e .` in the repository, or `make lab`).\n")
    (out / "instructor" / "README.md").write_text(
        "# Instructor edition\n\nThe notebooks with solutions and stored outputs, each opening with "
        "instructor notes (timing, common mistakes, discussion prompts). Do not hand these out.\n"
        "See also docs/course-guide.md.\n")


def main(argv: list[str] | None = None) -> None:
    root = files.ROOT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=root / "notebooks")
    parser.add_argument("--out", type=Path, default=root / "editions")
    parser.add_argument("--notes", type=Path, default=root / "docs" / "instructor-notes")
    parser.add_argument("--hints", choices=exercises.HINT_MODES, default="nudge",
                        help="the student and nbgrader editions' checks: 'nudge' (graded, the default: the "
                             "mistake named, never the fix) or 'fix' (the fix from a second miss on)")
    args = parser.parse_args(argv)
    try:
        written = build(args.notebooks, args.out, args.notes, args.hints)
    except ValueError as e:  # a CourseFileError names its file
        parser.exit(2, f"error: {' '.join(str(e).split())}\n")
    except OSError as e:  # --out read-only, or a folder in it a file: the path it could not write
        parser.exit(2, f"error: {e.filename or args.out}: {e.strerror or e}; give --out a folder you can "
                       "write to\n")
    for edition, paths in written.items():
        print(f"{edition}: {len(paths)} notebooks in {args.out / edition}")
    missing = [p.name for p in sorted(args.notebooks.glob(NOTEBOOK_GLOB))
               if not notes_path(p, args.notes).exists()]
    if missing:
        print(f"no instructor notes yet for: {', '.join(missing)}")


if __name__ == "__main__":
    main()
