"""A notebook imports only its own lesson module: that import alone must register every exercise the notebook
checks, though the checks live in a module of their own (standard_conv_checks.py, ...)."""
import json
import pathlib
import subprocess
import sys

import nbformat
import pytest

from tools.course import folding

ROOT = pathlib.Path(__file__).resolve().parents[2]
REGISTERED = ("import importlib, json\nfrom xception_edu import exercises\n"
              "importlib.import_module('xception_edu.lessons.{module}')\nprint(json.dumps(exercises.known()))")


@pytest.mark.parametrize("number, module", [
    ("01", "nb01_standard_convolution"), ("04", "nb04_extreme_inception"), ("05", "nb05_depthwise_separable"),
])
def test_importing_the_lesson_module_alone_registers_its_notebooks_exercises(number, module):
    [path] = (ROOT / "notebooks").glob(f"{number}_*.ipynb")
    asked = set(folding.exercise_sources(nbformat.read(path, as_version=4)))
    out = subprocess.run([sys.executable, "-c", REGISTERED.format(module=module)], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)  # a fresh interpreter: nothing registered yet
    assert out.returncode == 0, out.stderr[-2000:]
    registered = {e for e in json.loads(out.stdout.splitlines()[-1]) if e.startswith(f"{number}.")}
    assert asked and registered == asked
