"""Solutions out of the learner's face: the stored notebooks fold every solution, the editions do not."""
import json
import pathlib
import subprocess
import sys

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
    nb = nbformat.read(path, as_version=4)
    assert folding.problems(nb) == [], "run: python -m tools.course.folding " + str(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and exercises.exercise_id(cell.source):
            assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
            task = nb.cells[i - 1]
            assert task.metadata["tags"] == [folding.TAG]
            assert exercises.exercise_id(cell.source) in task.source
        if cell.cell_type == "markdown":
            assert not any(p.lstrip().lower().startswith("answer") for p in cell.source.split("\n\n")), \
                f"cell {i}: a written answer outside a <details> block"


def test_fold_hides_the_solution_behind_a_visible_task_and_the_answers_behind_details():
    folded = folding.fold(_toy())
    md, code, task, exercise = folded.cells
    assert exercise.metadata["jupyter"] == folding.HIDDEN and code.metadata.get("jupyter") is None
    assert task.source.startswith("**Exercise `99.double`:** twice a number.") and "folded" in task.source
    assert md.source == ("# Toy\n\nTwo questions.\n\n<details><summary>" + folding.SUMMARY
                         + "</summary>\n\nFour, and\nsix.\n\n</details>\n\nNext.")
    again = folding.fold(folded)
    assert json.dumps(again, sort_keys=True) == json.dumps(folded, sort_keys=True)  # idempotent
    assert folding.problems(folded) == [] and folding.problems(_toy()) != []


def test_a_hand_written_answers_block_gets_the_one_summary_and_leaves_the_student_edition():
    nb = _toy()
    nb.cells[0].source = "Q?\n\n<details><summary>Answers</summary>\n\nYes.\n\n</details>"
    folded = folding.fold(nb)
    summary = f"<details><summary>{folding.SUMMARY}</summary>"
    assert folded.cells[0].source == f"Q?\n\n{summary}\n\nYes.\n\n</details>"
    assert editions.student(folded).cells[0].source == "Q?"


def test_a_stale_task_cell_is_rewritten_from_the_exercise_header():
    folded = folding.fold(_toy())
    folded.cells[3].source = folded.cells[3].source.replace("twice a number", "three times a number")
    assert "cell 2: task cell missing or stale" in folding.problems(folded)[0]
    assert "three times a number" in folding.fold(folded).cells[2].source


def test_the_student_edition_unfolds_and_drops_the_solution_and_the_answers():
    student = editions.student(folding.fold(_toy()))
    md, _, task, exercise = student.cells
    assert "jupyter" not in exercise.metadata and exercises.BEGIN not in exercise.source
    assert "Four" not in md.source and "<details>" not in md.source and md.source.endswith("Next.")
    assert "Replace the `raise NotImplementedError` line" in task.source


def test_the_instructor_edition_unfolds_and_keeps_everything():
    inst = editions.instructor(folding.fold(_toy()), "notes")
    exercise = inst.cells[-1]
    assert "jupyter" not in exercise.metadata and exercises.BEGIN in exercise.source
    assert "Four, and" in inst.cells[1].source and "holds the worked solution" in inst.cells[3].source


def test_make_notebooks_keeps_the_folding(tmp_path):
    """`make notebooks` re-executes with nbconvert in place: the metadata must survive that."""
    path = tmp_path / "99_toy.ipynb"
    nbformat.write(folding.fold(_toy()), path)
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nnotebooks:", 1)[1].split("\n\n", 1)[0]
    assert "-m tools.course.folding notebooks/[0-9]*.ipynb" in recipe
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                    "--inplace", "--ExecutePreprocessor.kernel_name=python3", str(path)],
                   check=True, capture_output=True, timeout=300)
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[3].outputs[0]["text"] == "checked 4\n"  # it did run
    assert folding.problems(nb) == [] and nb.cells[3].metadata["jupyter"] == folding.HIDDEN


def test_the_folding_tool_folds_in_place_and_reports(tmp_path, capsys):
    path = tmp_path / "99_toy.ipynb"
    nbformat.write(_toy(), path)
    assert folding.main([str(path)]) == 0 and "folded" in capsys.readouterr().out
    assert folding.main([str(path)]) == 0 and "unchanged" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        folding.main([str(tmp_path / "missing.ipynb")])
    assert e.value.code == 2 and f"{tmp_path / 'missing.ipynb'} is not a file" in capsys.readouterr().err
