"""A folded solution keeps its outputs out of sight as well as its source (``folding.fold``: cell metadata
``jupyter.source_hidden`` and ``jupyter.outputs_hidden``), also where a reader had opened the cell before
the notebook was saved; the stored outputs stay, behind the bar."""
import nbformat

from tools.course import folding

EXERCISE = '''# EXERCISE 99.double: twice a number
def double(x):
    # BEGIN SOLUTION
    return 2 * x
    # END SOLUTION
    raise NotImplementedError("replace this line")

print("checked", double(2))'''


def _notebook(jupyter=None):
    cell = nbformat.v4.new_code_cell(EXERCISE, execution_count=1, outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="checked 4\n")])
    if jupyter is not None:
        cell.metadata["jupyter"] = jupyter
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), cell]
    return nb


def _solution(nb):
    return next(c for c in nb.cells if c.cell_type == "code" and "EXERCISE" in c.source)


def test_a_folded_solution_hides_its_outputs_and_its_source():
    for opened in (None, {"outputs_hidden": False}, {"source_hidden": False, "outputs_hidden": False}):
        nb = _notebook(opened)
        cell = _solution(folding.fold(nb))
        assert cell.metadata["jupyter"]["outputs_hidden"] is True, opened
        assert cell.metadata["jupyter"]["source_hidden"] is True, opened
        assert cell.outputs == _solution(nb).outputs  # hidden, not deleted
        if opened is not None:
            assert folding.problems(nb), f"a solution opened as {opened} is reported as not folded"


def test_a_folded_cell_whose_outputs_were_reopened_is_reported():
    folded = folding.fold(_notebook())
    _solution(folded).metadata["jupyter"]["outputs_hidden"] = False
    assert folding.problems(folded) and "not folded" in folding.problems(folded)[0]
