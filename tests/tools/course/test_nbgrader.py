"""The nbgrader course, graded by REAL nbgrader: generate_assignment, then autograde three students.

* ``unchanged`` hands in the released notebooks as they are: every graded cell scores 0;
* ``source`` hands in the instructor's source: every autograded cell scores full marks (its written
  answers wait for a human grader);
* ``wrong`` hands in the source of 01 with one exercise answered wrongly: 0 on that exercise only.

Every notebook executes twice (the two full submissions), in two nbgrader calls at the same time.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools.course import hidden_tests
from tools.course import nbgrader as course
from xception_edu import exercises
from xception_edu.lessons import NOTEBOOK_MODULES

nbgrader_api = pytest.importorskip("nbgrader.api")  # a test dependency (pyproject.toml, extra "test")

ROOT = Path(__file__).resolve().parents[3]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
WRONG = ("01_standard_convolution", "01.conv_params", "return k * k * cin  # one filter per input only")


def _nbgrader(*args, cwd):
    """Start one nbgrader command (nbgrader calls ``alembic``: the venv's bin goes first on PATH, which
    also makes the ``python3`` kernel the venv's, as nbval's --nbval-current-env does)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               OMP_NUM_THREADS=str(max(1, (os.cpu_count() or 2) // 2)))  # two graders share the cores
    return subprocess.Popen([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(*procs):
    for proc in procs:
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
def graded(tmp_path_factory):
    """The course built, released and autograded; returns (course dir, grades per student)."""
    root = tmp_path_factory.mktemp("nbgrader")
    course.build(ROOT / "notebooks", root / "course")
    _wait(_nbgrader("generate_assignment", "*", cwd=root / "course"))
    # Two copies of the released course, each with its own gradebook, graded at the same time: one
    # for the student who hands in the release unchanged, one for the other two.
    for copy in ("a", "b"):
        shutil.copytree(root / "course", root / copy)
    shutil.copytree(root / "course" / "release", root / "a" / "submitted" / "unchanged")
    shutil.copytree(root / "course" / "source", root / "b" / "submitted" / "source")
    wrong = root / "b" / "submitted" / "wrong" / WRONG[0] / f"{WRONG[0]}.ipynb"
    wrong.parent.mkdir(parents=True)
    wrong.write_text(_wrong((root / "course" / "source" / WRONG[0] / wrong.name).read_text()))
    _wait(*[_nbgrader("autograde", "*", "--create", cwd=root / copy) for copy in ("a", "b")])
    grades = {}
    for copy, students in (("a", ["unchanged"]), ("b", ["source", "wrong"])):
        db = f"sqlite:///{root / copy / 'gradebook.db'}"
        with nbgrader_api.Gradebook(db, course_id="xception-edu") as gb:
            for student in students:
                for path in NOTEBOOKS:
                    if student != "wrong" or path.stem == WRONG[0]:
                        submission = gb.find_submission_notebook(path.stem, path.stem, student)
                        grades[student, path.stem] = {g.name: {**g.to_dict(), "score": g.score}
                                                    for g in submission.grades}
    return root / "course", grades


def _exercise_ids(path):
    return [exercises.exercise_id(c.source) for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "code" and exercises.exercise_id(c.source)]


def test_every_exercise_is_an_autograded_test_and_nothing_else_is(graded):
    _, grades = graded
    for path in NOTEBOOKS:
        auto = {n for n, g in grades["source", path.stem].items() if g["cell_type"] == "code"}
        assert auto == {f"test-{course.grade_id(e)}" for e in _exercise_ids(path)}, path.name


def test_released_notebooks_handed_in_unchanged_score_zero(graded):
    _, grades = graded
    for path in NOTEBOOKS:
        for name, g in grades["unchanged", path.stem].items():
            assert g["score"] == 0 and g["max_score"] > 0, (path.name, name, g)
            assert not g["needs_manual_grade"], (path.name, name, "an unanswered cell needs no grader")


def test_the_instructors_source_scores_full_marks(graded):
    _, grades = graded
    for path in NOTEBOOKS:
        for name, g in grades["source", path.stem].items():
            if g["cell_type"] == "code":
                assert g["score"] == g["max_score"] == course.EXERCISE_POINTS, (path.name, name, g)
            else:  # a written answer: a human grades it
                assert g["needs_manual_grade"] and g["max_score"] == course.ANSWER_POINTS, (path.name, name)


def test_one_wrong_answer_loses_that_exercise_only(graded):
    _, grades = graded
    wrong_cell = f"test-{course.grade_id(WRONG[1])}"
    for name, g in grades["wrong", WRONG[0]].items():
        if g["cell_type"] == "code":
            assert g["score"] == (0 if name == wrong_cell else g["max_score"]), (name, g)
    assert wrong_cell in grades["wrong", WRONG[0]]


def test_the_release_holds_no_solution_no_hidden_test_and_no_model_answer(graded):
    root, _ = graded
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
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and exercises.exercise_id(cell.source) == exercise_id:
                return cell.source
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
