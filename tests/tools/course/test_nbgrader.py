"""The nbgrader course that ``make editions`` writes, checked with REAL nbgrader.

What it protects: nbgrader accepts the course; its release holds no solution, hidden test or model
answer; every exercise is one autograded test cell and every written answer one manually graded cell;
and grading gives the right scores:

* ``unchanged`` hands in the released notebooks as they are: every graded cell scores 0;
* ``source`` hands in the instructor's source: every autograded cell scores full marks (its written
  answers wait for a human grader);
* ``wrong`` hands in the source with one exercise answered wrongly: 0 on that exercise only.

``generate_assignment`` runs on every notebook. ``autograde`` executes whole notebooks in a kernel, so it
runs on GRADED only, a subset that holds every kind of graded cell (a function checked by the package,
a module the student builds, hidden tests, written answers); nbval executes every notebook anyway. For
every notebook, each generated test cell is also run beside its solution cell, as the autograder runs
it, without a kernel: it passes the worked solution and fails the released stub.
"""
import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

import xception_edu as xe
from tools.course import folding, hidden_tests
from tools.course import nbgrader as course
from xception_edu import exercises, lessons
from xception_edu.lessons import NOTEBOOK_MODULES

nbgrader_api = pytest.importorskip("nbgrader.api")  # a test dependency (pyproject.toml, extra "test")

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
# 02 has all four kinds of graded cell (simplified_params: a checked function with hidden tests;
# build_simplified: a module built from torch.nn; nine written answers); 00 is the first a class hands in.
GRADED = ("00_start_here", "02_inception_module")
WRONG = ("02_inception_module", "02.simplified_params",
         "return towers * (cin * cout + k * k * cout * cout)  # each tower as wide as the module")


def _nbgrader(*args, cwd):
    """Start one nbgrader command as from a virtual environment that is not activated (its bin not on
    PATH): the course's config puts it first, for ``alembic`` and the ``python3`` kernel."""
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != Path(sys.executable).parent]
    env = dict(os.environ, PATH=os.pathsep.join(path),
               OMP_NUM_THREADS=str(max(1, (os.cpu_count() or 2) // 2)))  # beside the other test worker
    return subprocess.Popen([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(proc):
    out, _ = proc.communicate(timeout=1500)
    assert proc.returncode == 0, out[-4000:]


def _wrong(source: str) -> str:
    """The source notebook's solution cell of WRONG[1] with its solution replaced by a wrong one."""
    nb = nbformat.reads(source, as_version=4)
    gid = course.grade_id(WRONG[1])
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid]
    lines, inside = [], False
    for line in cell.source.splitlines():
        if line.strip() in (course.BEGIN, course.END):
            inside = line.strip() == course.BEGIN
            if inside:
                lines.append(line[:len(line) - len(line.lstrip())] + WRONG[2])
        elif not inside:
            lines.append(line)
    cell.source = "\n".join(lines)
    return nbformat.writes(nb)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The course built and released by nbgrader (every notebook); returns the course directory."""
    root = tmp_path_factory.mktemp("nbgrader") / "course"
    course.build(ROOT / "notebooks", root)
    _wait(_nbgrader("generate_assignment", "*", cwd=root))
    return root


@pytest.fixture(scope="module")
def graded(released):
    """GRADED autograded for three students, by one nbgrader run on a copy of the released course;
    returns grades per (student, notebook)."""
    root = released.parent / "graded"
    shutil.copytree(released, root)
    for name in GRADED:
        shutil.copytree(released / "release" / name, root / "submitted" / "unchanged" / name)
        shutil.copytree(released / "source" / name, root / "submitted" / "source" / name)
    wrong = root / "submitted" / "wrong" / WRONG[0] / f"{WRONG[0]}.ipynb"
    wrong.parent.mkdir(parents=True)
    wrong.write_text(_wrong((released / "source" / WRONG[0] / wrong.name).read_text()))
    _wait(_nbgrader("autograde", "*", "--create", cwd=root))
    grades = {}
    with nbgrader_api.Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="xception-edu") as gb:
        for student in ("unchanged", "source", "wrong"):
            for name in GRADED:
                if student != "wrong" or name == WRONG[0]:
                    submission = gb.find_submission_notebook(name, name, student)
                    grades[student, name] = {g.name: {**g.to_dict(), "score": g.score}
                                             for g in submission.grades}
    return grades


def _exercise_ids(path):
    return [exercises.exercise_id(c.source) for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "code" and exercises.exercise_id(c.source)]


def _source(released, path):
    return nbformat.read(released / "source" / path.stem / path.name, as_version=4)


def test_every_exercise_is_an_autograded_test_and_every_written_answer_a_manual_one(released, graded):
    for path in NOTEBOOKS:
        tests = {f"test-{course.grade_id(e)}" for e in _exercise_ids(path)}
        cells = [c for c in _source(released, path).cells if c.metadata["nbgrader"]["grade"]]
        code = [c.metadata["nbgrader"] for c in cells if c.cell_type == "code"]
        assert {m["grade_id"] for m in code} == tests, path.name
        assert all(m["points"] == course.EXERCISE_POINTS for m in code), path.name
        written = [c for c in cells if c.cell_type == "markdown"]
        assert written and all(c.metadata["nbgrader"]["solution"] and
                               c.metadata["nbgrader"]["points"] == course.ANSWER_POINTS for c in written)
        if path.stem in GRADED:  # what nbgrader itself recorded from those cells
            grades = graded["source", path.stem]
            assert {n for n, g in grades.items() if g["cell_type"] == "code"} == tests, path.name
            assert len(grades) == len(cells), path.name


def test_released_notebooks_handed_in_unchanged_score_zero(graded):
    for stem in GRADED:
        for name, g in graded["unchanged", stem].items():
            assert g["score"] == 0 and g["max_score"] > 0, (stem, name, g)
            assert not g["needs_manual_grade"], (stem, name, "an unanswered cell needs no grader")


def test_the_instructors_source_scores_full_marks(graded):
    for stem in GRADED:
        for name, g in graded["source", stem].items():
            if g["cell_type"] == "code":
                assert g["score"] == g["max_score"] == course.EXERCISE_POINTS, (stem, name, g)
            else:  # a written answer: a human grades it
                assert g["needs_manual_grade"] and g["max_score"] == course.ANSWER_POINTS, (stem, name)


def test_one_wrong_answer_loses_that_exercise_only(graded):
    wrong_cell = f"test-{course.grade_id(WRONG[1])}"
    for name, g in graded["wrong", WRONG[0]].items():
        if g["cell_type"] == "code":
            assert g["score"] == (0 if name == wrong_cell else g["max_score"]), (name, g)
    assert wrong_cell in graded["wrong", WRONG[0]]


def test_the_autograded_feedback_names_the_mistake_and_never_the_fix(released, graded):
    """The course's checks run in grading mode: the test cell of the wrong answer (its second miss, after
    the student's own check) shows the nudge, no fix and no promise of one."""
    path = released.parent / "graded" / "autograded" / "wrong" / WRONG[0] / f"{WRONG[0]}.ipynb"
    gid = f"test-{course.grade_id(WRONG[1])}"
    [cell] = [c for c in nbformat.read(path, as_version=4).cells
              if c.metadata.get("nbgrader", {}).get("grade_id") == gid]
    said = " ".join(o.get("evalue", "") + o.get("text", "") for o in cell.outputs)
    assert f"Not quite ({WRONG[1]})" in said, said
    assert "The fix:" not in said and "names the exact fix" not in said, said


def _lesson(stem):
    [module] = [m for m in NOTEBOOK_MODULES if m.startswith(f"nb{stem.split('_')[0]}_")]
    return importlib.import_module(f"xception_edu.lessons.{module}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_each_test_cell_passes_the_worked_solution_and_fails_the_released_stub(released, path):
    """What autograde does for one exercise, without a kernel: run the solution cell (the source's, or
    the release's stub), then the locked test cell with its hidden tests (nbgrader restores it from the
    source); an exercise cell uses only torch, xception_edu and what it imports itself."""
    release = nbformat.read(released / "release" / path.stem / path.name, as_version=4)
    stubs = {c.id: c.source for c in release.cells}
    cells = _source(released, path).cells
    tests = [(cells[i - 1], c) for i, c in enumerate(cells) if c.id.startswith("test-")]
    assert len(tests) == len(_exercise_ids(path))
    for solution, test in tests:
        hidden = exercises.exercise_id(solution.source) in hidden_tests.HIDDEN
        assert (course.BEGIN_HIDDEN in test.source) == hidden, test.id
        for answer, passes in ((solution.source, True), (stubs[solution.id], False)):
            ns = {"torch": torch, "xe": xe, "lesson": _lesson(path.stem)}
            exec(compile(answer, f"{solution.id} ({'source' if passes else 'release'})", "exec"), ns)
            try:
                exec(compile(test.source, test.id, "exec"), ns)
            except (AssertionError, NotImplementedError) as e:
                assert not passes, f"{test.id} fails the worked solution: {e}"
            else:
                assert passes, f"{test.id} passes the released stub"


def test_the_release_holds_no_solution_no_hidden_test_and_no_model_answer(released):
    root = released
    for path in NOTEBOOKS:
        text = (root / "release" / path.stem / path.name).read_text()
        source = nbformat.read(root / "source" / path.stem / path.name, as_version=4)
        for cell in source.cells:
            meta = cell.metadata["nbgrader"]
            if cell.cell_type == "code" and meta["solution"]:
                lines = [ln.strip() for ln in exercises.split_solution(
                    cell.source.replace(course.BEGIN, exercises.BEGIN).replace(course.END, exercises.END))[1]]
                leaked = [ln for ln in lines if ln and ln in text]
                assert not leaked, (path.name, leaked)
            elif cell.cell_type == "markdown" and meta["solution"]:
                assert cell.source not in text, (path.name, cell.id)
        assert "HIDDEN TESTS" not in text and "_count(" not in text, path.name


def test_grade_ids_are_stable_across_regenerations(tmp_path):
    def ids(out, path):
        return [c.metadata["nbgrader"]["grade_id"]
                for c in nbformat.read(out / "source" / path.stem / path.name, as_version=4).cells]

    for out in (tmp_path / "a", tmp_path / "b"):
        course.build(ROOT / "notebooks", out)
    for path in NOTEBOOKS:
        assert ids(tmp_path / "a", path) == ids(tmp_path / "b", path)
        assert {course.grade_id(e) for e in _exercise_ids(path)} <= set(ids(tmp_path / "a", path))


def _exercise_cell(exercise_id):
    for path in NOTEBOOKS:
        whole = folding.exercise_sources(nbformat.read(path, as_version=4))
        if exercise_id in whole:
            return whole[exercise_id]
    raise LookupError(f"hidden tests for {exercise_id}, which no notebook has")


@pytest.mark.parametrize("exercise_id", sorted(hidden_tests.HIDDEN))
def test_hidden_tests_catch_an_answer_fitted_to_the_visible_check(exercise_id, monkeypatch):
    """An answer that only knows what the visible check asks (a lookup table of its calls) passes that
    check and fails the hidden tests; the worked solution passes both."""
    import importlib

    import torch

    import xception_edu as xe

    source = _exercise_cell(exercise_id)
    prefix = exercise_id.split(".")[0]
    [module] = [m for m in NOTEBOOK_MODULES if m.startswith(f"nb{prefix}_")]
    lesson = importlib.import_module(f"xception_edu.lessons.{module}")
    monkeypatch.setattr(lesson, "check", lambda *a, **k: exercises.check(*a, quiet=True))
    ns = {"torch": torch, "xe": xe, "lesson": lesson}
    exec(compile(source, exercise_id, "exec"), ns)
    name, solution, calls = course.answer_name(source), ns[course.answer_name(source)], {}

    def recorder(*args):
        calls[repr(args)] = solution(*args)
        return calls[repr(args)]

    def fitted(*args):
        if repr(args) not in calls:
            raise LookupError("an input the visible check never tried")
        return calls[repr(args)]

    assert exercises.check(exercise_id, recorder, quiet=True) and calls
    assert exercises.check(exercise_id, fitted, quiet=True), "the fitted answer passes the visible check"
    hidden = compile(hidden_tests.HIDDEN[exercise_id].code, f"hidden {exercise_id}", "exec")
    exec(hidden, dict(ns, **{name: solution}))  # the worked solution passes
    with pytest.raises((AssertionError, LookupError)):
        exec(hidden, dict(ns, **{name: fitted}))


def test_every_exercise_has_hidden_tests_in_its_released_test_cell():
    """Hidden tests in every autograded test cell: an answer fitted to the visible check gets no marks."""
    lessons.load_all()  # every exercise registered, whichever tests ran before this one
    assert sorted(hidden_tests.HIDDEN) == exercises.known()
    for path in NOTEBOOKS:
        cells = course.course_notebook(nbformat.read(path, as_version=4), where=path.name).cells
        tests = [c for c in cells if c.id.startswith("test-")]
        assert tests and all(course.BEGIN_HIDDEN in c.source and course.END_HIDDEN in c.source
                             for c in tests), path.name


def _wrong_cases():
    sys.path.insert(0, str(ROOT / "tests" / "lessons"))  # the lessons' table of known-wrong answers
    from wrong_answers import WRONG
    return [pytest.param(ex, wrong, id=f"{ex}-{i}")
            for ex, answers in sorted(WRONG.items()) for i, (wrong, _) in enumerate(answers)]


@pytest.mark.parametrize("exercise_id, wrong", _wrong_cases())
def test_each_known_wrong_answer_fails_the_hidden_tests(exercise_id, wrong):
    """The hidden tests try the inputs where each known mistake shows: run in-process (no kernel) with the
    wrong answer under the name the exercise cell gives it, they fail (an assert, or the answer's crash)."""
    source = _exercise_cell(exercise_id)
    lesson = _lesson(next(p.stem for p in NOTEBOOKS if exercise_id in _exercise_ids(p)))
    ns = {"torch": torch, "xe": xe, "lesson": lesson, course.answer_name(source): wrong}
    hidden = compile(hidden_tests.HIDDEN[exercise_id].code, f"hidden {exercise_id}", "exec")
    with pytest.raises(Exception):  # noqa: B017  (a crash on a hidden input is a failed test too)
        exec(hidden, ns)


def test_the_course_guide_shows_the_points_of_today():
    guide = (ROOT / "docs" / "course-guide.md").read_text()
    assert course.points_table(ROOT / "notebooks") in guide, (
        "the points table in docs/course-guide.md is out of date: paste the output of "
        "`python -m tools.course.nbgrader` there")


def test_only_the_answer_cells_are_editable():
    # nbgrader's rule: a student may edit a cell only where it is an answer (a "solution" cell); every
    # other cell, the autograded tests above all, is locked (read-only, restored from the source on grading).
    for path in NOTEBOOKS:
        nb = course.course_notebook(nbformat.read(path, as_version=4), where=path.name)
        for cell in nb.cells:
            meta = cell.metadata["nbgrader"]
            assert meta["locked"] != meta["solution"], (path.name, cell.id, meta)
        tests = [c for c in nb.cells if c.id.startswith("test-")]
        assert all(c.metadata["nbgrader"]["grade"] and c.metadata["nbgrader"]["locked"] for c in tests)
