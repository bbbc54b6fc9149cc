"""The questionnaire that ends every notebook in the editions: the student edition keeps the
questions and loses the answers; the instructor edition keeps both, and its notes repeat the answers.
(tests/test_notebooks_meta.py checks that every stored notebook has one, in the exact format.)"""
import pathlib

import nbformat
import pytest

from tools.course import editions, folding

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOTEBOOKS = sorted((ROOT / "notebooks").glob(editions.NOTEBOOK_GLOB))
NOTES = ROOT / "docs" / "instructor-notes"

QUESTIONS = ["How many weights has a 3x3 conv from 2 to 2 channels?", "Why is `groups=C` depthwise?",
             "Predict: does a ReLU between the steps help?", "What is 1x1 for?", "Name Fig. 4."]
ANSWERS = ["3·3·2·2 = 36.", "One filter per channel (Sec. 1.2).", "No: Fig. 10 finds none > ELU > ReLU.",
           "Mixing channels.", "Extreme Inception."]
EXERCISE = '''# EXERCISE 99.double: twice a number
def double(x):
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION
    raise NotImplementedError("replace this line")'''


def _numbered(items):
    return "\n".join(f"{i}. {text}" for i, text in enumerate(items, 1))


def _questionnaire(questions=QUESTIONS, answers=ANSWERS):
    # Written out by hand in the questionnaire's format, not produced by the code under test.
    return (f"## Questionnaire\n\n{_numbered(questions)}\n\n<details><summary>Answers (open once you have "
            f"tried)</summary>\n\n{_numbered(answers)}\n\n</details>")


def _toy():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 99 · Toy"), nbformat.v4.new_code_cell(EXERCISE),
                nbformat.v4.new_markdown_cell(_questionnaire(), id="questionnaire")]
    return nb


def test_the_stored_notebook_keeps_the_questionnaire_as_written():
    nb = _toy()
    folded = folding.fold(nb)
    assert folded.cells[-1].source == _questionnaire() and folded.cells[-1].id == "questionnaire"
    assert folding.problems(folded) == []  # the folding step of `make notebooks` leaves it alone


def test_student_edition_keeps_the_questions_and_drops_every_answer():
    last = editions.student(_toy()).cells[-1]
    assert last.source == "## Questionnaire\n\n" + _numbered(QUESTIONS)
    assert "<details" not in last.source and not any(answer in last.source for answer in ANSWERS)


def test_instructor_edition_keeps_the_questions_and_the_answers_and_its_notes_repeat_them():
    notes = f"## Instructor notes · 99\n\n**Questionnaire answers.**\n\n{_numbered(ANSWERS)}\n"
    nb = editions.instructor(_toy(), notes)
    assert nb.cells[-1].source == _questionnaire()
    assert nb.cells[0].metadata["tags"] == ["instructor-notes"] and _numbered(ANSWERS) in nb.cells[0].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_editions_of_every_stored_questionnaire(path):
    nb = nbformat.read(path, as_version=4)
    source = nb.cells[-1].source
    if nb.cells[-1].get("id") != "questionnaire":
        pytest.skip(f"{path.name} has no questionnaire yet (test_notebooks_meta.py fails for it)")
    questions, answers = source.split("\n\n<details>", 1)
    student = editions.student(nb).cells[-1]
    assert student.id == "questionnaire" and student.source == questions
    answer_lines = [line for line in answers.splitlines() if line[:1].isdigit()]
    assert answer_lines and not any(line in student.source for line in answer_lines)
    notes_file = editions.notes_path(path, NOTES)
    instructor = editions.instructor(nb, notes_file.read_text() if notes_file.exists() else None)
    assert instructor.cells[-1].source == source
