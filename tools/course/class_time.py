"""How many minutes of class a notebook takes: one rule, applied by code to every stored notebook.

The rule adds up what a learner does, working through the notebook alone, from the stored notebook:

* **reading prose** at ``WORDS_PER_MINUTE`` = 150 words a minute: the words of the markdown cells,
  without code blocks and ``<details>`` blocks (answers and worked solutions are read as part of their
  question or exercise). Adults read ordinary non-fiction silently at about 240 words a minute; prose
  dense with formulas, figure references and numbers to check is read at well under that, and 150 is
  the usual planning figure for technical text;
* **reading code** at ``CODE_LINES_PER_MINUTE`` = 10 lines a minute: the lines of every code cell that is
  not an exercise (about 6 s a line: reading it, running it, looking at what it prints), a statement
  counted once however many lines it is wrapped over to fit the screen, and each comment line
  (``code_lines``);
* **exercises**: ``MINUTES_PER_EXERCISE`` by kind (``exercises.kind_of``), from a formula to write (the
  shortest) through an interpretation, a prediction to make then measure and a proof, to a function or
  module to build (the longest).
  An exercise is found by its ``# EXERCISE NN.id:`` line (``exercises.HEADER``) in a code cell or in a
  markdown solution block, each id counted once wherever it sits;
* **questions**: ``MINUTES_PER_QUESTION`` = 2 for each numbered question of the closing questionnaire and
  for each other "Answers" block (a question asked in the text);
* **widgets**: ``MINUTES_PER_WIDGET`` = 5 for each interactive widget stored in the notebook's outputs (a
  progress bar is not one);
* **"Run all"**: the seconds measured in ``docs/notebook-runs.json`` (``runs.py``).

The sum is rounded up to a multiple of ``ROUND_TO`` = 5 minutes. ``python -m tools.course.class_time``
prints each notebook's parts; ``--write`` puts the minutes (with the run-time numbers, ``runs.py``) into
each notebook's opening cell, the first "Timing." sentence of its instructor notes and the course guide's
table; tests/tools/course/test_class_time.py checks that they agree with the rule.
"""
from __future__ import annotations

import argparse
import io
import math
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from xception_edu import exercises

from . import files

WORDS_PER_MINUTE = 150
CODE_LINES_PER_MINUTE = 10
MINUTES_PER_EXERCISE = {"formula": 5, "interpret": 8, "predict": 10, "prove": 12, "build": 15}
MINUTES_PER_QUESTION = 2
MINUTES_PER_WIDGET = 5
ROUND_TO = 5
LAB_MINUTES = 90
"""A lab, as the course guide's plans assume: a notebook over this is taught in two sessions."""
WEEKLY_LAB_MINUTES = 60
"""The 10-week module's weekly lab; what does not fit is homework."""

_DETAILS = re.compile(r"<details>.*?</details>", re.S)
_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_TAG = re.compile(r"<[^>]+>")
_QUESTIONNAIRE = re.compile(r"^## Questionnaire\n\n(?P<questions>(?:\d+\. \S.*\n)+)", re.M)
_ANSWERS = re.compile(r"<details><summary>\s*Answers?\b", re.I)
_WIDGET = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


@dataclass(frozen=True)
class Parts:
    """What the rule counts in one notebook."""
    words: int
    code_lines: int
    exercises: dict[str, int]  # kind -> how many
    questions: int
    widgets: int
    run_seconds: float

    def raw_minutes(self) -> float:
        return (self.words / WORDS_PER_MINUTE + self.code_lines / CODE_LINES_PER_MINUTE
                + sum(MINUTES_PER_EXERCISE[kind] * n for kind, n in self.exercises.items())
                + MINUTES_PER_QUESTION * self.questions + MINUTES_PER_WIDGET * self.widgets
                + self.run_seconds / 60)

    def minutes(self) -> int:
        """The class time: the sum, rounded up to a multiple of ``ROUND_TO`` minutes."""
        return ROUND_TO * math.ceil(round(self.raw_minutes(), 6) / ROUND_TO)


def code_lines(source: str) -> int:
    """The lines of code the rule counts in a cell: its statements (an IPython ``%`` or ``!`` line is
    one) and its comment lines."""
    lines = [line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
             for line in source.splitlines()]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, SyntaxError):  # not Python: every non-blank line
        return sum(1 for line in lines if line.strip())
    return (sum(1 for t in tokens if t.type == tokenize.NEWLINE)
            + sum(1 for line in lines if line.lstrip().startswith("#")))


def prose_words(markdown: str) -> int:
    """The words a learner reads in a markdown cell: code blocks, ``<details>`` blocks and tags left out."""
    return len(_TAG.sub(" ", _FENCE.sub(" ", _DETAILS.sub(" ", markdown))).split())


def questions(markdown: str) -> int:
    """The numbered questions of a questionnaire, plus each other "Answers" block (a question in the text)."""
    found = _QUESTIONNAIRE.search(markdown)
    if found is None:
        return len(_ANSWERS.findall(markdown))
    # the questionnaire's own answers block answers its numbered questions
    return len(_ANSWERS.findall(markdown[:found.start()])) + len(found["questions"].splitlines())


def _is_progress_bar(model_id: str, state: dict) -> bool:
    """A tqdm bar (a box holding a FloatProgress): output to glance at, not a widget to explore."""
    model = state.get(model_id, {})
    if model.get("model_name", "").endswith("ProgressModel"):
        return True
    children = model.get("state", {}).get("children", [])
    return any(_is_progress_bar(child.removeprefix("IPY_MODEL_"), state) for child in children)


def parts(nb, run_seconds: float) -> Parts:
    """Count what the rule counts in a notebook (as nbformat reads it)."""
    state = nb.metadata.get("widgets", {}).get(_WIDGET_STATE, {}).get("state", {})
    ids, words, code, asked, widgets = set(), 0, 0, 0, 0
    for cell in nb.cells:
        found = {m["id"] for m in exercises.HEADER.finditer(cell.source)}
        ids |= found
        if cell.cell_type == "markdown":
            words += prose_words(cell.source)
            asked += questions(cell.source)
        elif cell.cell_type == "code":
            if not found:
                code += code_lines(cell.source)
            widgets += sum(1 for out in cell.get("outputs", []) if _WIDGET in out.get("data", {})
                           and not _is_progress_bar(out["data"][_WIDGET]["model_id"], state))
    kinds = Counter(exercises.kind_of(i) for i in ids)
    return Parts(words, code, dict(sorted(kinds.items())), asked, widgets, run_seconds)


def _load_checks() -> None:
    from xception_edu import lessons

    lessons.load_all()  # registers every exercise, with its kind


def notebook_parts(path: Path, run: dict) -> Parts:
    """The parts of a stored notebook, with its measured run (an entry of docs/notebook-runs.json)."""
    _load_checks()
    return parts(files.read_notebook(path), run["seconds"])


def minutes(path: Path, run: dict) -> int:
    """The rule's class time for a stored notebook."""
    return notebook_parts(path, run).minutes()


# --- the course guide's plans, fitted to the minutes ----------------------------------------------------

def _between(name: str) -> re.Pattern:
    """The text between the guide's ``<!-- class-time: name -->`` and ``<!-- /class-time: name -->``."""
    return re.compile(rf"(?P<open><!-- class-time: {name} -->\n)(?P<table>.*?)"
                      rf"(?P<close><!-- /class-time: {name} -->)", re.S)


LABS, WEEKS = _between("labs"), _between("weeks")
# A row of the weekly table: week, notebooks, class time, homework.
_WEEK_ROW = re.compile(r"^\| (?P<week>\d+) \| (?P<notebooks>[^|\n]*) \| [^|\n]* \|(?P<rest>[^|\n]*\|)$", re.M)
_NUMBER = re.compile(r"\b\d\d[a-z]?\b")


def lab_plan(minutes: dict[str, int]) -> list[tuple[list[str], int]]:
    """Labs of ``LAB_MINUTES``, notebooks in order, as many in each as fit: ``[(notebooks, minutes)]``.
    A notebook longer than a lab is taught over as few labs as hold it ("08 (part 1 of 2)"); an
    appendix (06a) is optional."""
    labs: list[tuple[list[str], int]] = []
    names: list[str] = []
    used = 0
    for number, m in minutes.items():
        name = f"{number} (optional)" if number[-1].isalpha() else number
        if names and (used + m > LAB_MINUTES or m > LAB_MINUTES):
            labs.append((names, used))
            names, used = [], 0
        if m > LAB_MINUTES:
            parts = math.ceil(m / LAB_MINUTES)
            labs += [([f"{name} (part {i} of {parts})"], ROUND_TO * math.ceil(m / parts / ROUND_TO))
                     for i in range(1, parts + 1)]
            continue
        names.append(name)
        used += m
    if names:
        labs.append((names, used))
    return labs


def lab_table(minutes: dict[str, int]) -> str:
    rows = [f"| {i} | {' + '.join(names)} | {m} min |" for i, (names, m) in enumerate(lab_plan(minutes), 1)]
    return "\n".join(["| lab | notebooks | class time |", "|---|---|---|", *rows]) + "\n"


def week_minutes(notebooks: str, minutes: dict[str, int]) -> str:
    """A week's class time: its notebooks' minutes (those in parentheses, optional, left out), split
    into the weekly lab and what is left for home."""
    required = _NUMBER.findall(re.sub(r"\([^)]*\)", "", notebooks))
    total = sum(minutes[n] for n in required)
    if total <= WEEKLY_LAB_MINUTES:
        return f"{total} min"
    return f"{total} min: {WEEKLY_LAB_MINUTES} in the lab, {total - WEEKLY_LAB_MINUTES} at home"


def fit_plans(guide: str, minutes: dict[str, int]) -> str:
    """The guide with its lab table and its weekly table's class times computed from ``minutes``
    (notebook number -> minutes, in notebook order)."""
    guide = LABS.sub(lambda m: m["open"] + lab_table(minutes) + m["close"], guide)

    def row(m):
        return f"| {m['week']} | {m['notebooks']} | {week_minutes(m['notebooks'], minutes)} |{m['rest']}"

    return WEEKS.sub(lambda m: m["open"] + _WEEK_ROW.sub(row, m["table"]) + m["close"], guide)


def rule() -> dict:
    """The rule's numbers, as the course guide states them."""
    return {"words_per_minute": WORDS_PER_MINUTE, "code_lines_per_minute": CODE_LINES_PER_MINUTE,
            "minutes_per_exercise": MINUTES_PER_EXERCISE, "minutes_per_question": MINUTES_PER_QUESTION,
            "minutes_per_widget": MINUTES_PER_WIDGET, "round_to": ROUND_TO,
            "lab_minutes": LAB_MINUTES, "weekly_lab_minutes": WEEKLY_LAB_MINUTES}


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.course.class_time [--write [--docs-only]]``: each notebook's class time by the
    rule, and (with --write) put it into the guide, the notes and the notebooks' opening cells."""
    from . import runs  # runs.py writes the three places; it reads its minutes from here

    parser = argparse.ArgumentParser(prog="python -m tools.course.class_time", description=main.__doc__)
    parser.add_argument("--write", action="store_true", help="update the guide, notes and notebook intros")
    parser.add_argument("--docs-only", action="store_true", help="with --write: the guide and notes only")
    args = parser.parse_args(argv)
    try:
        measured = runs.load()
        for name, run in measured["notebooks"].items():
            p = notebook_parts(runs.NOTEBOOKS / f"{name}.ipynb", run)
            print(f"{name:26s} {p.minutes():4d} min ({p.raw_minutes():5.1f}): {p.words:5d} words, "
                  f"{p.code_lines:3d} code lines, exercises {p.exercises}, {p.questions} questions, "
                  f"{p.widgets} widgets, run {p.run_seconds:.0f} s")
        if args.write:
            for path in runs.write_numbers(measured, notebooks=not args.docs_only):
                print("updated", path)
    except ValueError as e:  # a CourseFileError names its file
        parser.exit(1, f"error: {' '.join(str(e).split())}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
