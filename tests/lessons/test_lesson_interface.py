"""A notebook imports only its own lesson module and calls it as ``lesson.<name>``: every name it calls must
be there (and in the module's ``__all__``, the list of what the notebook calls), and that import alone must
register every exercise the notebook checks, though the checks live in modules of their own
(standard_conv_checks.py, ...)."""
import json
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

from tools.course import folding
from xception_edu import lessons

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))  # NN_, NNa_ (appendix)
# "04" -> nb04_extreme_inception, "06a" -> nb06a_correlations_deeper
LESSONS = {m.__name__.rsplit(".", 1)[1][2:].split("_", 1)[0]: m for m in lessons.load_all()}
REGISTERED = ("import importlib, json\nfrom xception_edu import exercises\n"
              "importlib.import_module('xception_edu.lessons.{module}')\nprint(json.dumps(exercises.known()))")


def _number(path: pathlib.Path) -> str:
    return path.name.split("_", 1)[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_name_a_notebook_calls_is_in_its_lesson_modules_all(path):
    nb = nbformat.read(path, as_version=4)
    called = {name for cell in nb.cells if cell.cell_type == "code"
              for name in re.findall(r"\blesson\.(\w+)", cell.source)}
    lesson = LESSONS[_number(path)]
    missing = sorted(name for name in called if not hasattr(lesson, name) or name not in lesson.__all__)
    assert not missing, f"{path.name} calls lesson.{missing} that {lesson.__name__}.__all__ lacks"


@pytest.mark.parametrize("number, module", [
    ("01", "nb01_standard_convolution"), ("04", "nb04_extreme_inception"), ("05", "nb05_depthwise_separable"),
])
def test_importing_the_lesson_module_alone_registers_its_notebooks_exercises(number, module):
    [path] = [p for p in NOTEBOOKS if _number(p) == number]
    asked = set(folding.exercise_sources(nbformat.read(path, as_version=4)))
    out = subprocess.run([sys.executable, "-c", REGISTERED.format(module=module)], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)  # a fresh interpreter: nothing registered yet
    assert out.returncode == 0, out.stderr[-2000:]
    registered = {e for e in json.loads(out.stdout.splitlines()[-1]) if e.startswith(f"{number}.")}
    assert asked and registered == asked
