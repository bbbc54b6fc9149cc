"""The house plan (docs/architecture.md) kept true: floors that import only downwards, no circle, small
modules, maintainer tools outside the package, and a package that a bare GPU box (torch, torchvision, tqdm)
can import and train with."""
import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "xception_edu"
TOOLS = ROOT / "tools"
MAX_LINES = 400
NOTEBOOK_TOOLS = ("ipywidgets", "IPython", "matplotlib", "torchinfo")

# Floor of each part of the package, lowest first (docs/architecture.md): a module imports its floor or lower.
FLOORS = {
    "_validate": 0, "devices": 0,
    "counting": 1, "exercises": 1,
    "ops": 2,
    "model": 3, "data": 3,
    "train": 4,
    "experiments": 5,
    "lessons": 6,
}


def _modules(top=PACKAGE):
    for path in sorted(top.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _imports(name, path):
    """The package modules ``path`` imports (relative imports resolved), at any depth of the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("xception_edu"):
                out.add(target)
                out |= {f"{target}.{a.name}" for a in node.names}  # `from . import ops` imports a module
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("xception_edu")}
    known = dict(_modules())
    return {t for t in out if t in known and t != name}


def _floor(module):
    part = module.split(".")[1] if "." in module else None
    return FLOORS.get(part)


GRAPH = {name: _imports(name, path) for name, path in _modules()}


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_imports_point_down_only(name):
    if name == "xception_edu":
        return  # the package's front door re-exports the public names of the lower floors
    up = [t for t in GRAPH[name] if t != "xception_edu" and _floor(t) > _floor(name)]
    assert not up, f"{name} (floor {_floor(name)}) imports a higher floor: {up}"


def test_no_import_circle():
    def visit(node, stack):
        if node in stack:
            raise AssertionError(" -> ".join(stack[stack.index(node):] + [node]))
        for t in GRAPH.get(node, ()):
            # A package imports its own submodules in its __init__; that is not a circle.
            if not t.startswith(node + "."):
                visit(t, stack + [node])

    for name in GRAPH:
        visit(name, [])


def _is_lesson(module):
    return module.startswith("xception_edu.lessons.nb")


@pytest.mark.parametrize("name", sorted(n for n in GRAPH if n.startswith("xception_edu.lessons.")))
def test_no_module_imports_a_notebooks_lesson_module(name):
    """A notebook's lesson module is the top of the house: what two notebooks share lives below them."""
    up = sorted(t for t in GRAPH[name] if _is_lesson(t))
    assert not up, f"{name} imports the lesson module(s) {up}: move what it needs below the notebooks"


def _top_level_imports(path):
    """The first dotted part of every module ``path`` imports (absolute imports only)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
    return out


@pytest.mark.parametrize("name,path", list(_modules()), ids=[n for n, _ in _modules()])
def test_the_package_never_imports_the_tools(name, path):
    assert "tools" not in _top_level_imports(path), f"{name} imports tools/, which is not installed"


def test_the_tools_sit_outside_the_installed_package():
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert find["include"] == ["xception_edu*"]  # tools/ is not installed
    assert {"tools.course.editions", "tools.gpu_check", "tools.epoch_cost"} <= dict(_modules(TOOLS)).keys()
    assert not (PACKAGE / "course").exists()


@pytest.mark.parametrize("name,path", list(_modules()) + list(_modules(TOOLS)),
                         ids=[n for n, _ in _modules()] + [n for n, _ in _modules(TOOLS)])
def test_every_module_is_small(name, path):
    assert len(path.read_text().splitlines()) <= MAX_LINES, f"{name}: split it by idea"


def test_the_floors_cover_every_module():
    assert {n.split(".")[1] for n in GRAPH if "." in n} <= set(FLOORS)


LOADED = """
import sys, runpy
{body}
print("loaded:", ",".join(m for m in {tools!r} if m in sys.modules))
"""


@pytest.mark.parametrize("body", [
    "import xception_edu",
    "from xception_edu import Xception\nXception(num_classes=10, width=0.25, middle_repeats=0)",
    "import xception_edu.train, xception_edu.experiments.ablations",
    "sys.argv = ['train', '--help']\ntry:\n    runpy.run_module('xception_edu.train', run_name='__main__')\n"
    "except SystemExit:\n    pass",
], ids=["import", "model", "train-and-grids", "python -m xception_edu.train --help"])
def test_the_package_and_the_trainer_load_no_notebook_tools(body):
    out = subprocess.run([sys.executable, "-c", LOADED.format(body=body, tools=NOTEBOOK_TOOLS)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines()[-1] == "loaded: ", out.stdout.splitlines()[-1]


def test_train_and_experiments_load_on_first_use():
    code = ("import sys, xception_edu as xe\n"
            "before = [m for m in ('xception_edu.train', 'xception_edu.experiments') if m in sys.modules]\n"
            "print(before, xe.train.__name__, callable(xe.train.fit), xe.experiments.__name__,\n"
            "      {'train', 'experiments'} <= set(dir(xe)) & set(xe.__all__))\n"
            "try:\n    xe.no_such_part\nexcept AttributeError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == [
        "[] xception_edu.train True xception_edu.experiments True",
        "module 'xception_edu' has no attribute 'no_such_part'"]
