"""Solutions out of the learner's face: the stored notebooks fold every solution, the editions do not."""
import json
import pathlib

import nbformat
import pytest

from tools.course import editions, folding
from xception_edu import exercises

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))  # NN_, NNa_

EXERCISE = '''# EXERCISE 99.double: twice a number
def double(x):
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION
    raise NotImplementedError("replace this line")

print("checked", double(2))'''


def _toy():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Toy\n\nTwo questions.\n\nAnswers: four, and\nsix.\n\nNext."),
                nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell(EXERCISE)]
    return nb


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_stored_notebook_is_folded(path):
    """Each exercise: its task, its stub (no solution line) and its whole cell in a closed <details>."""
    nb = nbformat.read(path, as_version=4)
    assert folding.problems(nb) == [], "run: python -m tools.course.folding " + str(path)
    whole = folding.exercise_sources(nb)
    assert whole, f"{path.name} has no exercise"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and exercises.exercise_id(cell.source):
            exercise_id = exercises.exercise_id(cell.source)
            task, solution = nb.cells[i - 1], nb.cells[i + 1]
            assert task.metadata["tags"] == [folding.TAG] and exercise_id in task.source
            assert cell.source == exercises.strip_solution(whole[exercise_id])
            assert exercises.BEGIN not in cell.source
            assert solution.source.startswith("<details><summary>") and "<details open" not in solution.source
            assert folding.solution_of(solution) == whole[exercise_id].strip()
        if cell.cell_type == "markdown":
            assert not any(p.lstrip().lower().startswith("answer") for p in cell.source.split("\n\n")), \
                f"cell {i}: a written answer outside a <details> block"


def test_fold_shows_a_stub_and_hides_the_solution_and_the_answers_behind_details():
    folded = folding.fold(_toy())
    md, code, task, stub, solution = folded.cells
    assert task.source.startswith("**Exercise `99.double`:** twice a number.") and "hidden" in task.source
    assert stub.source == exercises.strip_solution(EXERCISE) and "return 2 * x" not in stub.source
    assert "jupyter" not in stub.metadata and code.metadata.get("jupyter") is None
    assert solution.source.startswith("<details><summary>Worked solution of 99.double")
    assert folding.solution_of(solution) == EXERCISE
    assert md.source == ("# Toy\n\nTwo questions.\n\n<details><summary>" + folding.SUMMARY
                         + "</summary>\n\nFour, and\nsix.\n\n</details>\n\nNext.")
    again = folding.fold(folded)
    assert json.dumps(again, sort_keys=True) == json.dumps(folded, sort_keys=True)  # idempotent
    assert folding.problems(folded) == [] and folding.problems(_toy()) != []
    assert folding.unfold(folded).cells[2].source == EXERCISE  # the round trip


def test_an_earlier_layout_folded_in_jupyterlab_only_is_refolded():
    nb = _toy()
    nb.cells[2].metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
    folded = folding.fold(nb)
    assert "jupyter" not in folded.cells[3].metadata and folding.solution_of(folded.cells[4]) == EXERCISE


def test_a_stub_without_its_solution_or_a_solution_out_of_place_is_named():
    folded = folding.fold(_toy())
    del folded.cells[4]
    with pytest.raises(ValueError, match="99.double has a stub but no worked solution"):
        folding.unfold(folded)
    folded = folding.fold(_toy())
    folded.cells[3], folded.cells[4] = folded.cells[4], folded.cells[3]
    with pytest.raises(ValueError, match="worked solution of 99.double does not follow its stub"):
        folding.unfold(folded)


def test_an_edited_stub_or_solution_is_reported():
    folded = folding.fold(_toy())
    folded.cells[3].source += "\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION"  # a solution typed into the stub
    assert folding.problems(folded)
    folded = folding.fold(_toy())
    folded.cells[4].metadata["tags"] = []  # the solution block no longer recognised as one
    assert "99.double has a stub but no worked solution" in folding.problems(folded)[0]


def test_a_hand_written_answers_block_gets_the_one_summary_and_leaves_the_student_edition():
    nb = _toy()
    nb.cells[0].source = "Q?\n\n<details><summary>Answers</summary>\n\nYes.\n\n</details>"
    folded = folding.fold(nb)
    summary = f"<details><summary>{folding.SUMMARY}</summary>"
    assert folded.cells[0].source == f"Q?\n\n{summary}\n\nYes.\n\n</details>"
    assert editions.student(folded, hint_mode="fix").cells[0].source == "Q?"


def test_a_stale_task_cell_is_rewritten_from_the_exercise_header():
    folded = folding.fold(_toy())
    folded.cells[4].source = folded.cells[4].source.replace("twice a number", "three times a number")
    assert "cell 2: task cell missing or stale" in folding.problems(folded)[0]
    assert "three times a number" in folding.fold(folded).cells[2].source


def test_the_student_edition_has_the_stub_and_no_solution_nor_answers():
    student = editions.student(folding.fold(_toy()), hint_mode="fix")
    md, _, task, exercise = student.cells
    assert "jupyter" not in exercise.metadata and exercises.BEGIN not in exercise.source
    assert exercise.source == exercises.strip_solution(EXERCISE)
    assert "Four" not in md.source and "<details>" not in md.source and md.source.endswith("Next.")
    assert "Replace the `raise NotImplementedError` line" in task.source and "hidden" not in task.source


def test_the_instructor_edition_has_the_solution_inline_and_the_answers():
    inst = editions.instructor(folding.fold(_toy()), "notes")
    exercise = inst.cells[-1]
    assert exercise.source == EXERCISE and exercise.outputs == []  # the stub's output is not the solution's
    assert "Four, and" in inst.cells[1].source and "holds the worked solution" in inst.cells[3].source


def test_make_notebooks_folds_before_it_executes():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nnotebooks:", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("-m tools.course.folding notebooks/[0-9]*.ipynb") < recipe.index("nbconvert")


def test_the_folding_tool_folds_in_place_and_reports(tmp_path, capsys):
    path = tmp_path / "99_toy.ipynb"
    nbformat.write(_toy(), path)
    assert folding.main([str(path)]) == 0 and "folded" in capsys.readouterr().out
    assert folding.main([str(path)]) == 0 and "unchanged" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        folding.main([str(tmp_path / "missing.ipynb")])
    assert e.value.code == 2 and f"{tmp_path / 'missing.ipynb'} is not a file" in capsys.readouterr().err
