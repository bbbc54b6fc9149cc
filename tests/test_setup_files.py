"""The set-up files agree with each other: pyproject, environment.yml, Makefile, CI, README, notebooks."""
import json
import pathlib
import re

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CONDA_NAMES = {"torch": "pytorch"}  # pip name -> conda-forge name where they differ
NOTEBOOK_STACK = {"jupyterlab", "ipywidgets", "matplotlib", "torchinfo"}


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req, maxsplit=1)[0].lower()


def test_runtime_dependencies_have_lower_bounds_only():
    for req in PYPROJECT["project"]["dependencies"]:
        assert ">=" in req and "==" not in req and "<" not in req.replace(">=", ""), req


def test_the_trainer_installs_without_the_notebook_stack_which_the_lab_extra_adds():
    runtime = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert runtime == {"torch", "torchvision", "tqdm", "numpy"}
    assert NOTEBOOK_STACK | {"nbformat"} == {_name(r) for r in extras["lab"]}
    assert "xception-edu[lab]" in extras["test"]  # the tests open the notebooks


def test_environment_yml_is_valid_and_names_every_runtime_and_lab_dependency():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    conda = {_name(d) for d in deps if isinstance(d, str)}
    assert "python" in conda and "python=3.11" in deps
    for req in PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["lab"]:
        name = _name(req)
        assert CONDA_NAMES.get(name, name) in conda, f"{name} is in pyproject but not in environment.yml"
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-e .[lab]" in pip  # the package itself, so Binder and conda users import xception_edu


def test_ci_runs_the_readme_test_command_then_the_bare_install_check():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci  # a failing step fails CI
    steps = [line.strip() for line in ci.splitlines() if line.strip() and not line.startswith((" ", "#"))]
    assert steps.index("make test") < steps.index(".venv/bin/python -m tools.bare_install")
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme


def test_make_test_runs_nbval_strictly_with_the_sanitize_file():
    makefile = (ROOT / "Makefile").read_text()
    assert "--nbval " in makefile and "--nbval-lax" not in makefile
    assert "--nbval-current-env" in makefile
    assert "--nbval-sanitize-with tests/nbval_sanitize.cfg" in makefile
    assert (ROOT / "tests" / "nbval_sanitize.cfg").exists()


def test_every_notebook_is_listed_in_the_readme_and_stores_its_outputs():
    readme = (ROOT / "README.md").read_text()
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    assert notebooks
    for path in notebooks:
        assert path.name in readme, f"{path.name} is not listed in README.md"
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert all(c["execution_count"] for c in code), (f"{path.name} has unexecuted cells: "
                                                         "run `make notebooks`")
        assert any(c["outputs"] for c in code), f"{path.name} stores no outputs"


def test_notebooks_with_widgets_store_widget_state():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb")):
        nb = json.loads(path.read_text())
        outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
        if any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs):
            state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
            assert state["state"], f"{path.name} shows widgets but stores no widget state"


def test_lab_settings_silence_the_news_question_with_keys_the_installed_jupyterlab_knows():
    """lab-settings/overrides.json: `make lab`, Binder (postBuild) and the browser test use it. Each key
    must exist in this JupyterLab's own schema, with a value the schema allows, or Lab ignores it."""
    import jupyterlab

    overrides = json.loads((ROOT / "lab-settings" / "overrides.json").read_text())
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}
    schemas = pathlib.Path(jupyterlab.__file__).parent.parent
    schema_file = next(schemas.glob("**/schemas/@jupyterlab/apputils-extension/notification.json"), None)
    if schema_file is None:  # an editable JupyterLab keeps its schemas under sys.prefix
        import sys

        schema_file = next(pathlib.Path(sys.prefix).glob(
            "share/jupyter/lab/schemas/@jupyterlab/apputils-extension/notification.json"))
    properties = json.loads(schema_file.read_text())["properties"]
    assert "false" in [choice["const"] for choice in properties["fetchNews"]["oneOf"]]
    assert properties["fetchNews"]["default"] == "none"  # "ask": the pop-up the override turns off
    assert properties["checkForUpdates"]["type"] == "boolean"


def test_make_lab_and_binder_use_the_lab_settings():
    makefile = (ROOT / "Makefile").read_text()
    lab_recipe = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "--LabApp.app_settings_dir=$(CURDIR)/lab-settings" in lab_recipe
    post_build = (ROOT / "postBuild").read_text()
    assert "cp lab-settings/overrides.json" in post_build and "share/jupyter/lab/settings" in post_build


def test_make_lab_cpu_1_installs_the_cpu_only_pytorch_wheels_first(tmp_path):
    import shutil
    import subprocess

    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)

    def dry_run(*args):
        out = subprocess.run(["make", "-n", "lab", *args], cwd=tmp_path, capture_output=True, text=True,
                             check=True).stdout.splitlines()
        return [line for line in out if "pip install" in line]

    cpu = dry_run("CPU=1")
    assert "install --quiet torch torchvision --index-url https://download.pytorch.org/whl/cpu" in cpu[1]
    assert cpu[2].endswith("install --quiet -e '.[lab]'")  # the package after: pip keeps the CPU torch
    assert not any("download.pytorch.org" in line for line in dry_run())
