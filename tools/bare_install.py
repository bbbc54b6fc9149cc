"""The bare install works: ``pip install .`` (no extras) into a fresh virtual environment gives a package
that trains, and none of the notebook stack (the ``lab`` extra) comes with it.

    python -m tools.bare_install          # CI runs it after ``make test`` (.ci/run)

It makes the venv in a temporary folder, installs this checkout into it with pip (the build goes through
setuptools, as on a GPU box), runs a short ``python -m xception_edu.train --preset small`` from outside
the checkout (so the installed copy is what runs), and deletes the venv. Exit status 1 when any step fails.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The notebook stack: the `lab` extra (pyproject.toml) and what JupyterLab itself brings.
NOT_WANTED = ("jupyterlab", "ipywidgets", "matplotlib", "torchinfo", "IPython")
TRAIN = ["-m", "xception_edu.train", "--preset", "small", "--epochs", "1", "--synthetic-train", "256",
         "--synthetic-val", "64", "--no-progress"]
# Prints where the package came from, whether tools/ was installed too, and which of NOT_WANTED the venv
# can import.
PROBE = ("import importlib.util, xception_edu; print(xception_edu.__file__); "
         "print(importlib.util.find_spec('tools') is not None); "
         "print(','.join(m for m in {names!r} if importlib.util.find_spec(m)))")


def _run(cmd: list, cwd: Path) -> str:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {done.returncode}:\n"
                           f"{(done.stdout + done.stderr)[-3000:]}")
    return done.stdout


def check(repo: Path = REPO) -> list[str]:
    """Install ``repo`` bare into a fresh venv and train once; returns the problems found (none: [])."""
    with tempfile.TemporaryDirectory(prefix="xe-bare-") as tmp:
        tmp = Path(tmp)
        venv.create(tmp / "venv", with_pip=True)
        python = tmp / "venv" / "bin" / "python"
        _run([python, "-m", "pip", "install", "--quiet", repo], cwd=tmp)
        where, tools, found = _run([python, "-c", PROBE.format(names=NOT_WANTED)], cwd=tmp).split("\n")[:3]
        problems = []
        if not where.startswith(str(tmp / "venv")):
            problems.append(f"xception_edu was imported from {where}, not from the fresh venv")
        if tools == "True":
            problems.append("the maintainer tools (tools/) were installed with the package")
        if found:
            problems.append(f"a bare install brought the notebook stack: {found}")
        _run([python, *TRAIN, "--checkpoint-dir", tmp / "run"], cwd=tmp)
        if not (tmp / "run" / "history.json").is_file():
            problems.append("the training run wrote no history.json")
        return problems


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m tools.bare_install", description=__doc__.split("\n\n")[0]) \
        .parse_args(argv)
    try:
        problems = check()
    except RuntimeError as e:
        problems = [str(e)]
    for p in problems:
        print(f"bare install: {p}", file=sys.stderr)
    if not problems:
        print("bare install: pip install . trains, without the notebook stack")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
