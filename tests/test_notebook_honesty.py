"""A notebook teaches; tests test. Two rules on the code cells of every stored notebook:

* **No file by a relative path.** A notebook runs wherever it is opened (Colab runs in ``/content``,
  Binder and JupyterLab in the notebook's folder or the repository's): a path relative to the working
  folder, or the working folder itself, breaks "Run all" somewhere. What a notebook needs comes from the
  package (``xception_edu``) or from an absolute path the learner chooses.
* **Asserts state exact facts only**: equalities (shapes, counts, a run repeated with its seed), memberships,
  orderings of counts, float equality within a rounding tolerance (at most 1e-3). An ordering against any
  other fractional threshold, or of an accuracy, a loss, a time or a training history, states an outcome
  that can change with the machine, the seed or the library version: the lesson says it in words, and
  nbval compares the printed numbers on the project's machine.
"""
import ast
import json
import pathlib
import re

import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
TOLERANCE = 1e-3
OUTCOME = re.compile(r"acc|loss|time|seconds|elapsed|_ms\b|throughput|speed|history|enough", re.I)
RELATIVE_FILE = re.compile(r"^(?!/|~|[a-z]+://)(\.{1,2}/)?[\w.\-]+(/[\w.\-]+)*\.(ipynb|json|csv|pt|pth|png|"
                           r"jpe?g|txt|md|ya?ml|npz|npy|pkl|tar|gz|zip)$", re.I)
WORKING_FOLDER = re.compile(r"\bos\.getcwd\(|\bPath\.cwd\(|\bPath\(\s*['\"]\.{0,2}/?['\"]\s*\)|%cd\b|"
                            r"os\.chdir\(")


def _code_cells(path):
    transform = TransformerManager().transform_cell
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            yield i, source, ast.parse(transform(source))


def _fractional(node) -> list[float]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, float)
            and n.value != int(n.value)]


def not_exact(test: ast.expr) -> str | None:
    """Why an assert's test is not an exact fact (None when it is)."""
    for compare in (n for n in ast.walk(test) if isinstance(n, ast.Compare)):
        if not any(isinstance(op, (ast.Lt, ast.Gt, ast.LtE, ast.GtE)) for op in compare.ops):
            continue  # an equality (a run repeated with its seed gives the same numbers) is exact
        outcome = OUTCOME.search(ast.unparse(compare))
        if outcome:
            return f"it orders {outcome.group()!r}, an outcome of a run"
        thresholds = [abs(v) for v in _fractional(compare) if abs(v) > TOLERANCE]
        if thresholds:
            return f"it compares with the threshold {thresholds[0]}, not a count or a rounding tolerance"
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_reads_a_file_by_a_relative_path_or_the_working_folder(path):
    for i, source, tree in _code_cells(path):
        assert not WORKING_FOLDER.search(source), f"{path.name} cell {i}: {WORKING_FOLDER.search(source)[0]}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and RELATIVE_FILE.match(str(node.value)):
                pytest.fail(f"{path.name} cell {i}: the relative path {node.value!r}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_assert_states_an_exact_fact(path):
    found = [f"cell {i}: assert {ast.unparse(node.test)[:120]} ({not_exact(node.test)})"
             for i, _, tree in _code_cells(path) for node in ast.walk(tree)
             if isinstance(node, ast.Assert) and not_exact(node.test)]
    assert not found, f"{path.name}:\n" + "\n".join(found)


@pytest.mark.parametrize("test, exact", [
    ("y.shape == (1, 8, 5, 5)", True), ("max_diff < 1e-05", True), ("5500 < n < 6500", True),
    ("module.params < regular.params / 3", True), ("abs(r - ratio) < 1e-12", True),
    ("[r['val_acc'] for r in again] == [r['val_acc'] for r in first]", True),
    ("trainer.history[-1]['val_acc'] > enough", False), ("r['val_acc'] > 0.35", False),
    ("seconds[4] < seconds[1]", False), ("0.4 < zeroed < 0.6", False), ("sep > 0.9999", False),
])
def test_the_rule_tells_an_exact_fact_from_an_outcome(test, exact):
    assert (not_exact(ast.parse(test, mode="eval").body) is None) is exact


@pytest.mark.parametrize("text, relative", [
    ("10_ablations_and_spectrum.ipynb", True), ("../docs/notebook-runs.json", True), ("data/cat.png", True),
    ("/content/data.csv", False), ("https://example.org/x.json", False), ("a sentence.", False),
    ("relu", False),
])
def test_the_rule_tells_a_relative_path(text, relative):
    assert bool(RELATIVE_FILE.match(text)) is relative
