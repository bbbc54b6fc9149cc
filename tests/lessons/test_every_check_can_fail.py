"""Every exercise check can fail: each registered check rejects its known-wrong answers
(``wrong_answers.py``) with the hint that names the mistake, gives the exact fix only from the second
miss on, accepts the notebook's own solution and answers the student stub with "Not done yet"."""
import difflib
import pathlib
import re

import nbformat
import pytest
import torch
import torch.nn as nn
from answer_keys import KEYS, plain
from right_answers import RIGHT
from wrong_answers import WRONG  # sibling modules (pytest puts this folder on sys.path)

import xception_edu as xe
from tools.course import folding
from xception_edu import exercises, lessons

LESSONS = {m.__name__.rsplit(".", 1)[1][2:].split("_", 1)[0]: m for m in lessons.load_all()}  # "06a": nb06a
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _cells() -> dict[str, str]:
    """Exercise id -> the source of its cell in the notebooks, as shipped (solution included)."""
    found = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb")):
        found.update(folding.exercise_sources(nbformat.read(path, as_version=4)))
    return found


CELLS = _cells()
CASES = [pytest.param(ex, i, wrong, says, id=f"{ex}-{i}")
         for ex, answers in sorted(WRONG.items()) for i, (wrong, says) in enumerate(answers)]


def _answer_of(source: str):
    """Run an exercise cell as the notebook would (``torch``, ``nn``, ``xe`` and ``lesson`` in scope) with
    ``lesson.check`` replaced, and return the answer the cell hands to it."""
    ex = exercises.exercise_id(source)
    lesson = LESSONS[ex.split(".", 1)[0]]
    captured, real = [], lesson.check
    try:
        lesson.check = lambda exercise_id, answer, **_: captured.append((exercise_id, answer))
        exec(compile(source, f"<{ex}>", "exec"), {"torch": torch, "nn": nn, "xe": xe, "lesson": lesson})
    finally:
        lesson.check = real
    assert [e for e, _ in captured] == [ex], f"the cell of {ex} must call lesson.check({ex!r}, ...) once"
    return captured[0][1]


def test_every_registered_exercise_has_known_wrong_answers():
    missing = sorted(set(exercises.known()) - set(WRONG))
    assert not missing, f"exercises without a wrong answer in tests/lessons/wrong_answers.py: {missing}"
    assert all(WRONG[ex] for ex in WRONG)
    unknown = sorted(set(WRONG) - set(exercises.known()))
    assert not unknown, f"wrong answers for exercises no lesson module registers: {unknown}"
    assert sorted(KEYS) == exercises.known(), "every exercise needs its answer's key in answer_keys.py"


@pytest.mark.parametrize("ex, i, wrong, says", CASES)
def test_a_wrong_answer_is_rejected_with_its_hint_and_a_second_miss_gets_the_fix(ex, i, wrong, says):
    exercises.reset_attempts(ex)
    try:
        first = exercises.check(ex, wrong, quiet=True)
        assert not first.passed and first.message.startswith("Not quite"), first.message
        assert says in first.message, first.message
        second = exercises.check(ex, wrong, quiet=True)
        assert not second.passed
        if "Still stuck?" in first.message:  # the check has an exact fix: shown now, and not before
            fix = second.message.split(" The fix: ", 1)[1]
            assert fix and fix not in first.message, second.message
    finally:
        exercises.reset_attempts(ex)


@pytest.mark.parametrize("ex, i, wrong, says", CASES)
def test_the_hint_names_the_mistake_made_and_no_other(ex, i, wrong, says):
    """A hint that names another known mistake of the same exercise (its row's phrase) sends the learner
    to fix what is not broken: each row's first message holds no other row's phrase."""
    exercises.reset_attempts(ex)
    try:
        first = exercises.check(ex, wrong, quiet=True).message
    finally:
        exercises.reset_attempts(ex)
    others = {s for _, s in WRONG[ex] if s not in says and says not in s}
    named = sorted(s for s in others if s in first)
    assert not named, f"{ex}: the hint for {says!r} names another mistake {named}: {first}"


@pytest.mark.parametrize("ex", sorted(CELLS))
def test_the_notebooks_own_solution_is_accepted_even_after_a_miss(ex):
    answer = _answer_of(CELLS[ex])
    if ex in WRONG:  # a pass after misses: the graduated hints start over
        exercises.check(ex, WRONG[ex][0][0], quiet=True)
    result = exercises.check(ex, answer, quiet=True)
    assert result.passed, result.message
    assert ex not in exercises._FAILURES


@pytest.mark.parametrize("ex, answer, why", [pytest.param(ex, a, why, id=f"{ex}-{i}") for ex, answers in
                                              sorted(RIGHT.items()) for i, (a, why) in enumerate(answers)])
def test_a_right_answer_written_otherwise_is_accepted(ex, answer, why):
    result = exercises.check(ex, answer, quiet=True)
    assert result.passed, f"{ex} ({why}): {result.message}"


@pytest.mark.parametrize("ex", sorted(CELLS))
def test_the_student_stub_is_not_done_yet(ex):
    stub = _answer_of(exercises.strip_solution(CELLS[ex]))
    result = exercises.check(ex, stub, quiet=True)
    assert not result.passed and result.message.startswith("Not done yet"), result.message


OPERATOR = re.compile(r"\*\*|//|==|<=|>=|[-*/+%<>\[]")


def _solution_code_in(message: str, cell: str) -> list[str]:
    """The longest run of each line of the notebook's own solution that ``message`` repeats, where that run
    is code (10 characters or more, two operators or more): a formula copied from the answer."""
    found = []
    for line in exercises.split_solution(cell)[1]:
        code, said = plain(line.split("#")[0]), plain(message)
        m = difflib.SequenceMatcher(None, said, code, autojunk=False).find_longest_match(
            0, len(said), 0, len(code))
        run = code[m.b:m.b + m.size]
        if len(run) >= 10 and len(OPERATOR.findall(run)) >= 2:
            found.append(run)
    return found


@pytest.mark.parametrize("ex, i, wrong, says", CASES)
def test_a_first_miss_nudges_and_keeps_the_answer_for_the_fix(ex, i, wrong, says):
    """Graduated hints, enforced ("never the whole answer at once"). For every known-wrong answer:
    (1) the first miss offers a fix for later ("Still stuck?"), so the check keeps nudge and fix apart;
    (2) the fix the second miss shows holds one of the exercise's declared keys (``answer_keys.py``: the
    formula, code or exact recipe of the answer), so the keys are what the fix reveals; (3) the first
    message holds none of those keys, in any notation (``plain``: ``9·C + C·C`` reads as ``9 * c + c * c``);
    (4) nor a run of code of the notebook's own solution (10+ characters, 2+ operators). The expected VALUE
    may be said ("expected 216"): every exercise asks for a method (a function, a module), not a number.
    Rules (3)-(4) catch a formula, not a paraphrase in new words: the keys list the words hints used."""
    exercises.reset_attempts(ex)
    try:
        first = exercises.check(ex, wrong, quiet=True).message
        second = exercises.check(ex, wrong, quiet=True).message
    finally:
        exercises.reset_attempts(ex)
    assert "Still stuck?" in first, f"{ex}: a first miss with no fix to come: {first}"
    fix, keys = plain(second.split(" The fix: ", 1)[1]), [plain(k) for k in KEYS[ex]]
    assert any(k in fix for k in keys), f"{ex}: the fix shows none of the keys {KEYS[ex]}: {second}"
    nudge = plain(first.split(" (Still stuck?", 1)[0])
    assert not [k for k in KEYS[ex] if plain(k) in nudge], f"{ex}: the first miss gives the answer: {first}"
    assert not _solution_code_in(first, CELLS[ex]), f"{ex}: the first miss copies the solution: {first}"


@pytest.mark.parametrize("ex, i, wrong, says", CASES)
def test_grading_mode_names_the_mistake_and_never_the_fix(ex, i, wrong, says):
    """Grading mode (the student and nbgrader editions): a wrong answer run twice still names its mistake,
    and neither miss shows the fix, promises one, or holds a key or a run of the solution's code."""
    exercises.reset_attempts(ex)
    exercises.set_hints("nudge")
    try:
        misses = [exercises.check(ex, wrong, quiet=True).message for _ in range(2)]
    finally:
        exercises.set_hints(None)
        exercises.reset_attempts(ex)
    for said in misses:
        assert said.startswith("Not quite") and says in said, said
        assert "The fix:" not in said and "names the exact fix" not in said, said
        keys = [k for k in KEYS[ex] if plain(k) in plain(said)]
        assert not keys, f"{ex}: grading mode gives the answer {keys}: {said}"
        assert not _solution_code_in(said, CELLS[ex]), f"{ex}: grading mode copies the solution: {said}"


def _memorizer(answer):
    """The notebook's own function answer, right for the first inputs the check tries and off by one (or
    by 1 %; tensors by one) for every other input: what a formula right only for the default sizes does."""
    seen = []

    def fn(*args, **kwargs):
        key = repr((args, sorted(kwargs.items())))
        seen.append(key)
        value = answer(*args, **kwargs)
        if key == seen[0]:
            return value
        if isinstance(value, torch.Tensor):
            return value + 1
        if isinstance(value, tuple) and all(isinstance(v, torch.Tensor) for v in value):
            return tuple(v + 1 for v in value)
        if isinstance(value, tuple) and all(isinstance(v, (int, float)) for v in value):
            return tuple(v * 1.01 + 1e-3 for v in value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError("not a number")
        return value + 1 if isinstance(value, int) else value * 1.01 + 1e-3
    return fn


def _numeric_function_answers():
    out = []
    for ex, cell in sorted(CELLS.items()):
        answer = _answer_of(cell)
        if isinstance(answer, type) or not callable(answer):
            continue  # a module class or a value: checked by behaviour, not over a grid of sizes
        exercises.reset_attempts(ex)
        probe, result = _memorizer(answer), None
        try:
            result = exercises.check(ex, probe, quiet=True)
        except TypeError:
            continue
        finally:
            exercises.reset_attempts(ex)
        if "not a number" not in result.message:
            out.append(ex)
    return out


def _first_try(ex, answer):
    """``answer`` checked as a first attempt, the attempt count left as it was found (none)."""
    exercises.reset_attempts(ex)
    try:
        return exercises.check(ex, answer, quiet=True)
    finally:
        exercises.reset_attempts(ex)


@pytest.mark.parametrize("ex", _numeric_function_answers())
def test_a_closed_form_check_tries_more_than_the_default_sizes(ex):
    """"Closed-form exercises are checked over a grid of inputs wide enough that a formula right
    only for the default sizes fails". An answer right for the check's first inputs only is refused."""
    result = _first_try(ex, _memorizer(_answer_of(CELLS[ex])))
    assert not result.passed, f"{ex}: a function right only for the first inputs tried was accepted"


def _not_a_number(answer):
    """The notebook's own function answer with every number it returns made NaN (tensors filled with it):
    what a sum over an empty slice or a 0 / 0 hands back."""
    def fn(*args, **kwargs):
        value = answer(*args, **kwargs)
        if isinstance(value, torch.Tensor):
            return torch.full_like(value, float("nan"), dtype=torch.float32)
        if isinstance(value, tuple):
            return tuple(float("nan") for _ in value)
        return float("nan") if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    return fn


@pytest.mark.parametrize("ex", _numeric_function_answers())
def test_a_nan_answer_is_refused(ex):
    """``abs(got - want) > tol`` is False for NaN: every check must refuse it all the same."""
    result = _first_try(ex, _not_a_number(_answer_of(CELLS[ex])))
    assert not result.passed, f"{ex}: an answer that returns NaN was accepted"
