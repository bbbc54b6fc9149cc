"""No solution shows through its outputs: the stored stub carries what running the stub prints ("Not done
yet"), never the worked solution's verdict or results; the hidden solution is markdown, with no outputs."""
import pathlib

import nbformat
import pytest

from tools.course import folding
from xception_edu import exercises

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))


def _text(outputs) -> str:
    return "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_stored_stub_shows_not_done_yet_and_no_verdict_of_the_solution(path):
    nb = nbformat.read(path, as_version=4)
    stubs = [c for c in nb.cells if c.cell_type == "code" and exercises.exercise_id(c.source)]
    for stub in stubs:
        shown = _text(stub.outputs)
        assert "Not done yet" in shown and "Correct!" not in shown, \
            f"{path.name} {exercises.exercise_id(stub.source)}: stored outputs {shown[:200]!r}"
    assert all("outputs" not in c for c in nb.cells if folding.solution_of(c) is not None)


def test_folding_keeps_the_stubs_outputs_and_gives_the_solution_none():
    printed = nbformat.v4.new_output("stream", name="stdout", text="Not done yet\n")
    cell = nbformat.v4.new_code_cell('# EXERCISE 99.double: twice a number\ndef double(x):\n'
                                     '    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION\n'
                                     '    raise NotImplementedError("replace")\n', outputs=[printed])
    nb = nbformat.v4.new_notebook(cells=[cell])
    _, stub, solution = folding.fold(nb).cells
    assert stub.outputs == cell.outputs and "outputs" not in solution
