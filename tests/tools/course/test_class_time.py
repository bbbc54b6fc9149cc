"""Class times come from one rule, applied by code to each stored notebook, and the course guide's plans
are fitted to them."""
import math
import pathlib
import re

import nbformat
import pytest

from tools.course import class_time as ct
from tools.course import runs
from xception_edu import exercises

ROOT = pathlib.Path(__file__).resolve().parents[3]
GUIDE = (ROOT / "docs" / "course-guide.md").read_text()

EXERCISE = '''# EXERCISE 99.toy: twice a number
def double(x):
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION
    raise NotImplementedError("replace this line")
'''
PROGRESS_BAR = {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_bar"]}}


def _widget(model_id):
    return nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": model_id, "version_major": 2,
                                                     "version_minor": 0}})


def _toy(monkeypatch):
    """300 words of prose, 20 lines of code, one build exercise (its stub and its solution block), a
    questionnaire of 3 questions and one question in the text, one widget and one progress bar."""
    monkeypatch.setitem(exercises._KINDS, "99.toy", "build")
    prose = " ".join(["word"] * 300)
    answers = "<details><summary>Answers (open once you have tried)</summary>\n\n" + "ignored " * 50 + \
        "\n\n</details>"
    questionnaire = "1. One?\n2. Two?\n3. Three?"
    code = "\n\n".join(f"x{i} = {i}" for i in range(20))
    stub = nbformat.v4.new_code_cell(exercises.strip_solution(EXERCISE))
    solution = f"<details><summary>Worked solution</summary>\n\n```python\n{EXERCISE}```\n\n</details>"
    code_cell = nbformat.v4.new_code_cell(code, outputs=[_widget("app"), _widget("tqdm")])
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"<b>{prose[:1000]}</b>\n\n```python\nnot = prose\n```"),
                nbformat.v4.new_markdown_cell(prose[1000:] + "\n\n" + answers),
                code_cell, stub, nbformat.v4.new_markdown_cell(solution),
                nbformat.v4.new_markdown_cell(f"## Questionnaire\n\n{questionnaire}\n\n{answers}")]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {
        "app": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_slider"]}},
        "slider": {"model_name": "IntSliderModel", "state": {}},
        "tqdm": PROGRESS_BAR, "bar": {"model_name": "FloatProgressModel", "state": {}}}}}
    return nb


def test_the_rule_counts_what_a_learner_reads_and_does(monkeypatch):
    parts = ct.parts(_toy(monkeypatch), run_seconds=90)
    # the words: the 300 of prose and the questionnaire's 8 ("## Questionnaire 1. One? ...")
    assert parts == ct.Parts(words=308, code_lines=20, exercises={"build": 1}, questions=4, widgets=1,
                             run_seconds=90)
    raw = (308 / ct.WORDS_PER_MINUTE + 20 / ct.CODE_LINES_PER_MINUTE + ct.MINUTES_PER_EXERCISE["build"]
           + 4 * ct.MINUTES_PER_QUESTION + ct.MINUTES_PER_WIDGET + 1.5)
    assert parts.raw_minutes() == pytest.approx(raw)
    assert parts.minutes() % ct.ROUND_TO == 0 and raw <= parts.minutes() < raw + ct.ROUND_TO


def test_an_exercise_without_a_registered_kind_is_named(monkeypatch):
    nb = _toy(monkeypatch)
    nb.cells[3].source = nb.cells[3].source.replace("99.toy", "99.unknown")
    with pytest.raises(ValueError, match="99.unknown"):
        ct.parts(nb, run_seconds=1)


@pytest.mark.parametrize("raw_words", [0, 1, 149, 150, 151, 750, 751])
def test_minutes_round_up_to_the_stated_step(raw_words):
    parts = ct.Parts(words=raw_words, code_lines=0, exercises={}, questions=0, widgets=0, run_seconds=0)
    assert parts.minutes() == ct.ROUND_TO * math.ceil(raw_words / ct.WORDS_PER_MINUTE / ct.ROUND_TO)


def test_every_kind_of_exercise_has_its_minutes():
    assert sorted(ct.MINUTES_PER_EXERCISE) == sorted(exercises.KINDS)


def test_the_guide_states_the_rule_the_code_applies():
    def number(pattern):
        found = re.search(pattern, " ".join(GUIDE.split()))
        assert found, f"the course guide does not state {pattern!r}"
        return int(found.group(1))

    stated = {"words_per_minute": number(r"prose read at (\d+) words a minute"),
              "code_lines_per_minute": number(r"code at (\d+) lines a minute"),
              "minutes_per_exercise": {kind: number(rf"\b{kind} (\d+)") for kind in exercises.KINDS},
              "minutes_per_question": number(r"each question (\d+) minutes"),
              "minutes_per_widget": number(r"each interactive widget (\d+) minutes"),
              "round_to": number(r"rounded up to (\d+) minutes"),
              "lab_minutes": number(r"\*\*Labs of (\d+) minutes\*\*"),
              "weekly_lab_minutes": number(r"a (\d+)-minute lab each week")}
    assert stated == ct.rule()


def test_the_docstring_states_the_rules_numbers():
    stated = dict(re.findall(r"``([A-Z_]+)`` = (\d+)", ct.__doc__))
    assert stated.keys() == {"WORDS_PER_MINUTE", "CODE_LINES_PER_MINUTE", "MINUTES_PER_QUESTION",
                             "MINUTES_PER_WIDGET", "ROUND_TO"}
    assert {name: int(n) for name, n in stated.items()} == {name: getattr(ct, name) for name in stated}
    assert list(ct.MINUTES_PER_EXERCISE.values()) == sorted(ct.MINUTES_PER_EXERCISE.values())  # as it says


MINUTES = {"00": 35, "01": 60, "02": 25, "03": 70, "06a": 40, "08": 125, "09": 90}


def test_the_lab_plan_keeps_the_order_and_fits_every_lab():
    plan = ct.lab_plan(MINUTES)
    assert all(minutes <= ct.LAB_MINUTES for _, minutes in plan)
    names = [name for names, _ in plan for name in names]
    assert [n.split()[0] for n in names] == ["00", "01", "02", "03", "06a", "08", "08", "09"]
    assert "06a (optional)" in names and ["08 (part 1 of 2)", "08 (part 2 of 2)"] == names[5:7]
    together = [(names, m) for names, m in plan if len(names) > 1]
    assert together == [(["01", "02"], 85)]  # 00 + 01 is 95: over a lab
    for (first, a), (second, _) in zip(plan, plan[1:]):  # greedy: the next notebook never fit
        assert a + MINUTES[second[0].split()[0]] > ct.LAB_MINUTES or "part" in first[0] + second[0]


@pytest.mark.parametrize("notebooks,shown", [
    ("02", "25 min"), ("00 + 01", "95 min: 60 in the lab, 35 at home"),
    ("03 (+ 06a, optional)", "70 min: 60 in the lab, 10 at home")])
def test_a_weeks_class_time_leaves_out_what_is_optional(notebooks, shown):
    assert ct.WEEKLY_LAB_MINUTES == 60  # the shown strings assume it
    assert ct.week_minutes(notebooks, MINUTES) == shown


def test_fit_plans_fills_the_marked_tables_and_nothing_else():
    guide = ("| 1 | 00 | ? | outside the markers |\n"
             "<!-- class-time: labs -->\nold\n<!-- /class-time: labs -->\n"
             "<!-- class-time: weeks -->\n| week | notebook | class time | homework |\n|---|---|---|---|\n"
             "| 1 | 00 + 01 | ? | read |\n| 2 | 02 | 10 min | write |\n<!-- /class-time: weeks -->\n")
    fitted = ct.fit_plans(guide, MINUTES)
    assert fitted.startswith("| 1 | 00 | ? | outside the markers |\n")
    assert ct.lab_table(MINUTES) in fitted and "old" not in fitted
    assert "| 1 | 00 + 01 | 95 min: 60 in the lab, 35 at home | read |" in fitted
    assert "| 2 | 02 | 25 min | write |" in fitted
    assert ct.fit_plans(fitted, MINUTES) == fitted


def _stored_minutes():
    measured = runs.load()["notebooks"]
    return {runs.notebook_number(name): ct.minutes(runs.NOTEBOOKS / f"{name}.ipynb", run)
            for name, run in measured.items()}


def test_every_notebook_longer_than_a_lab_says_in_the_guide_where_to_split_it():
    long = [n for n, m in _stored_minutes().items() if m > ct.LAB_MINUTES]
    assert [n for n in long if f"**Splitting {n}.**" not in GUIDE] == []


def test_the_guide_and_the_notes_state_the_rules_minutes():
    """The notebooks' opening cells are checked with them by test_runs.py."""
    docs = [d for d in runs.disagreements(runs.load()) if ".ipynb:" not in d]
    assert docs == []
    assert ct.LABS.search(GUIDE) and ct.WEEKS.search(GUIDE)


def test_a_statement_wrapped_to_fit_the_screen_is_read_as_one_line():
    one_line = 'print("a long sentence", "and more of it", sep=" - ")  # why'
    wrapped = 'print("a long sentence",\n      "and more of it",\n      sep=" - ")  # why'
    assert ct.code_lines(wrapped) == ct.code_lines(one_line) == 1
    assert ct.code_lines("# a comment\n# goes on\nx = (1 +\n     2)\n\n%pip install x\nif x:\n    !ls") == 6
    assert ct.code_lines("this is ( not python") == 1  # not Python: its non-blank lines
