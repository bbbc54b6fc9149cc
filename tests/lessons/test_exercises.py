"""Every exercise in every notebook: its solution passes its check, its stub fails it cleanly."""
import pathlib

import nbformat
import pytest

from tools.course import folding
from xception_edu import exercises, lessons

# "04" -> nb04_extreme_inception, "06a" -> nb06a_correlations_deeper
LESSONS = {m.__name__.rsplit(".", 1)[1][2:].split("_", 1)[0]: m for m in lessons.load_all()}

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _exercise_cells():
    """Each exercise's whole cell (the worked solution the stored notebook hides), as shipped."""
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb")):  # NN_, NNa_ (appendix)
        for exercise_id, source in folding.exercise_sources(nbformat.read(path, as_version=4)).items():
            yield pytest.param(source, id=f"{path.stem}:{exercise_id}")


CELLS = list(_exercise_cells())


def _run(source):
    """Run an exercise cell as the notebook would, returning the Result of its check."""
    import torch

    import xception_edu as xe

    results = []
    # the notebook's own module, as the notebook imports it
    lesson = LESSONS[exercises.exercise_id(source).split(".", 1)[0]]
    real_check = lesson.check
    ns = {"torch": torch, "xe": xe, "lesson": lesson}
    try:
        lesson.check = lambda *a, **k: results.append(real_check(*a, quiet=True, **k)) or results[-1]
        exec(compile(source, "<exercise>", "exec"), ns)
    finally:
        lesson.check = real_check
    assert len(results) == 1, "an exercise cell must call lesson.check exactly once"
    return results[0]


@pytest.mark.parametrize("source", CELLS)
def test_solution_passes_its_check(source):
    result = _run(source)
    assert result.passed, result.message


@pytest.mark.parametrize("source", CELLS)
def test_stub_fails_its_check_cleanly(source):
    student = exercises.strip_solution(source)
    assert exercises.BEGIN not in student and "NotImplementedError" in student
    result = _run(student)
    assert not result.passed and result.message.startswith("Not done yet")


def test_every_registered_check_has_an_exercise_in_a_notebook():
    in_notebooks = {exercises.exercise_id(p.values[0]) for p in CELLS}
    missing = set(exercises.known()) - in_notebooks
    assert not missing, f"checks without a notebook exercise: {sorted(missing)}"


def _conv_params_right(cin, cout, k):
    return k * k * cin * cout


def test_check_says_correct_wrong_and_not_done():
    assert exercises.check("01.conv_params", _conv_params_right, quiet=True).passed
    wrong = exercises.check("01.conv_params", lambda cin, cout, k: k * k * cin, quiet=True)
    assert not wrong.passed and "expected 216" in wrong.message
    assert "per input AND per output" in wrong.message

    def stub(cin, cout, k):
        raise NotImplementedError

    assert exercises.check("01.conv_params", stub, quiet=True).message.startswith("Not done yet")
    crash = exercises.check("01.conv_params", lambda cin, cout, k: 1 / 0, quiet=True)
    assert not crash.passed and "ZeroDivisionError" in crash.message


def test_a_crash_on_a_case_of_the_task_is_a_miss_that_names_the_case():
    """Graduated hints for an answer that raises: the case and the nudge first, the fix from the second
    run on (a crash outside the learner's code on a case would be no miss: nothing to count)."""
    exercises.reset_attempts("06.shift_correlation")
    try:
        def shift_corr(image, c, d):
            raise RuntimeError("the two sets differ in size")

        first, second = (exercises.check("06.shift_correlation", shift_corr, quiet=True) for _ in range(2))
    finally:
        exercises.reset_attempts("06.shift_correlation")
    assert first.message.startswith("Not quite") and "channel 0 at d = 1: your code raised RuntimeError: " \
        "the two sets differ in size." in first.message and "Still stuck?" in first.message
    assert "The fix: x = image[c, :, :W - d]" in second.message


def test_attempt_passes_the_value_and_lets_a_stub_and_a_mismatch_through():
    assert exercises.attempt(lambda a, b: a + b, (2, 3), "case") == 5
    def raise_(error):
        raise error

    for raised in (NotImplementedError("stub"), exercises.Mismatch("wrong")):
        with pytest.raises(type(raised)):
            exercises.attempt(raise_, (raised,), "case")


def test_a_fix_is_shown_from_the_second_miss_on_and_a_pass_starts_over(monkeypatch):
    def strict(answer):
        if answer != 42:
            raise exercises.Mismatch("think of the question", fix="the answer is 42")

    monkeypatch.setitem(exercises._CHECKS, "99.graduated", strict)
    exercises.reset_attempts("99.graduated")
    first, second = (exercises.check("99.graduated", 1, quiet=True) for _ in range(2))
    assert "think of the question" in first.message and "42" not in first.message
    assert second.message.endswith("The fix: the answer is 42")
    assert exercises.check("99.graduated", 42, quiet=True).passed
    assert exercises.check("99.graduated", 1, quiet=True).message == first.message
    exercises.reset_attempts()


def test_grading_mode_shows_the_nudge_alone_set_by_call_or_by_the_environment(monkeypatch):
    def strict(answer):
        if answer != 42:
            raise exercises.Mismatch("think of the question", fix="the answer is 42")

    monkeypatch.setitem(exercises._CHECKS, "99.graded", strict)
    monkeypatch.setenv(exercises.HINTS_VARIABLE, "nudge")
    exercises.reset_attempts("99.graded")
    try:
        assert exercises.hints() == "nudge"
        misses = [exercises.check("99.graded", 1, quiet=True).message for _ in range(3)]
        assert all("think of the question" in m and "42" not in m and "fix" not in m for m in misses), misses
        exercises.set_hints("fix")  # a call wins over the variable
        assert exercises.check("99.graded", 1, quiet=True).message.endswith("The fix: the answer is 42")
    finally:
        exercises.set_hints(None)
        exercises.reset_attempts("99.graded")
    monkeypatch.delenv(exercises.HINTS_VARIABLE)
    assert exercises.hints() == "fix"


def test_a_hint_mode_that_does_not_exist_is_named(monkeypatch):
    with pytest.raises(ValueError, match="hint mode 'quiet': use 'fix'.*or 'nudge'"):
        exercises.set_hints("quiet")
    monkeypatch.setenv(exercises.HINTS_VARIABLE, "none")
    with pytest.raises(ValueError, match="XCEPTION_EDU_HINTS='none': set it to 'fix'"):
        exercises.hints()


def test_check_prints_its_verdict(capsys):
    exercises.check("01.conv_params", _conv_params_right)
    assert "Correct!" in capsys.readouterr().out


def test_unknown_exercise_names_the_known_ones():
    with pytest.raises(ValueError, match=r"no exercise '99.nope'; known exercises: \[.*'01.conv_params'"):
        exercises.check("99.nope", None)


def test_strip_solution_removes_only_the_marked_lines():
    src = ("# EXERCISE 01.x: task\ndef f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n"
           "    raise NotImplementedError\n")
    assert exercises.strip_solution(src) == "# EXERCISE 01.x: task\ndef f():\n    raise NotImplementedError\n"
    assert exercises.exercise_id(src) == "01.x"


@pytest.mark.parametrize("src", ["# BEGIN SOLUTION\nx\n", "# END SOLUTION\n",
                                 "# BEGIN SOLUTION\n# BEGIN SOLUTION\n"])
def test_strip_solution_rejects_broken_markers(src):
    with pytest.raises(ValueError, match="SOLUTION"):
        exercises.strip_solution(src)
