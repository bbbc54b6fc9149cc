"""An exercise's task may go on over indented comment lines after its header; every tool reads it whole."""
import nbformat
import pytest

from tools.course import class_time, editions, folding
from tools.course import nbgrader as course
from xception_edu import exercises

TASK = ("twice a number, written as a function of one argument that returns the argument added to "
        "itself, with no multiplication")
BODY = '''def double(x):
    # BEGIN SOLUTION
    return x + x
    # END SOLUTION
    raise NotImplementedError("replace this line")

lesson.check("99.double", double)'''
ONE_LINE = f"# EXERCISE 99.double: {TASK}\n{BODY}"
WRAPPED = ("# EXERCISE 99.double: twice a number, written as a function of one argument\n"
           "#   that returns the argument added to itself,\n"
           "#   with no multiplication\n" + BODY)


def _notebook(exercise: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 99 · Toy"), nbformat.v4.new_code_cell(exercise)]
    return folding.fold(nb)


def test_the_continuation_lines_join_the_task():
    assert exercises.header(WRAPPED) == ("99.double", TASK) == exercises.header(ONE_LINE)
    assert exercises.exercise_id(WRAPPED) == "99.double" and exercises.header("x = 1") is None


@pytest.mark.parametrize("after", ["# a comment of its own", "#", "", "def double(x):",
                                   "    #   indented code"])
def test_the_task_ends_at_the_first_line_that_is_no_continuation(after):
    source = f"# EXERCISE 99.double: twice\n#   a number\n{after}\n#   not the task"
    assert exercises.header(source) == ("99.double", "twice a number")


def test_a_wrapped_task_reaches_the_task_cell_and_round_trips_through_fold_and_unfold():
    folded = _notebook(WRAPPED)
    _, task, stub, solution = folded.cells
    assert task.source.startswith(f"**Exercise `99.double`:** {TASK}.")
    assert stub.source.startswith(WRAPPED.split("def")[0]) and "return x + x" not in stub.source
    assert folding.solution_of(solution) == WRAPPED
    assert folding.problems(folded) == []
    assert folding.unfold(folded).cells[1].source == WRAPPED
    assert folding.fold(folded) == folded


def test_the_editions_and_nbgrader_keep_the_wrapped_header_and_word_the_whole_task():
    folded = _notebook(WRAPPED)
    student = editions.student(folded, hint_mode="fix")
    assert student.cells[1].source.startswith(f"**Exercise `99.double`:** {TASK}.")
    assert student.cells[2].source == exercises.strip_solution(WRAPPED)
    assert editions.instructor(folded, "notes").cells[-1].source == WRAPPED
    graded = course.course_notebook(folded)
    solution = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("solution"))
    assert solution.source.startswith(WRAPPED.split("def")[0])
    assert solution.metadata["nbgrader"]["grade_id"] == course.grade_id("99.double")
    assert any(TASK in c.source for c in graded.cells if c.cell_type == "markdown")


def test_class_time_counts_a_wrapped_exercise_as_the_one_line_one(monkeypatch):
    monkeypatch.setitem(exercises._KINDS, "99.double", "build")
    wrapped = class_time.parts(_notebook(WRAPPED), run_seconds=10)
    assert wrapped == class_time.parts(_notebook(ONE_LINE), run_seconds=10)
    assert wrapped.exercises == {"build": 1}
