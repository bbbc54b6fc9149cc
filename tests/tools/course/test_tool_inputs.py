"""The course tools given what people really hand them: a full disk midway through a write, notebooks as
Colab saves them (no cell ids), `{}` and broken JSON, a Latin-1 README, an --out that is a file, a fork
retargeted twice, arguments from another folder. Each either works or ends in one line naming the file,
exit non-zero, the file as it was."""
import errno
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from tools import _atomic
from tools.course import colab, editions, folding, nbgrader, runs

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXERCISE = "# EXERCISE 99.double: twice a number\ndef double(x):\n    # BEGIN SOLUTION\n    return 2 * x\n" \
           "    # END SOLUTION\n    raise NotImplementedError('replace this line')\n"


def _colab_saved(path):
    """A notebook as Colab saves it: nbformat 4.0, source as lists of lines, no cell ids."""
    nb = {"nbformat": 4, "nbformat_minor": 0, "metadata": {"colab": {"provenance": []}}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Toy\n", "\n", "Answers: four."]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": EXERCISE.splitlines(keepends=True)}]}
    path.write_text(json.dumps(nb))
    return path


def _one_error_line(capsys, exit_info, code, *parts):
    err = capsys.readouterr().err
    assert exit_info.value.code == code and err.startswith("error: ") and err.count("\n") == 1, err
    for part in parts:
        assert part in err, (part, err)
    return err


# --- atomic writes ---------------------------------------------------------------------------------

def _disk_full(*_):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("tool", ["folding", "colab"])
def test_a_failed_write_leaves_the_notebook_whole_and_no_temporary(tmp_path, capsys, monkeypatch, tool):
    path = _colab_saved(tmp_path / "99_toy.ipynb")
    before = path.read_bytes()
    monkeypatch.setattr(_atomic.os, "fsync", _disk_full)  # the disk fills up after the new text is written
    with pytest.raises(SystemExit) as e:
        (folding if tool == "folding" else colab).main([str(path)])
    _one_error_line(capsys, e, 1, f"{path}: cannot be written: No space left on device; it is unchanged")
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["99_toy.ipynb"]


def test_runs_writes_the_docs_atomically(tmp_path, monkeypatch):
    for folder in ("docs", "notebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    changed = runs.load()
    changed["notebooks"]["06_correlations"].update(seconds=3.0, peak_mb=123)
    guide = tmp_path / "docs" / "course-guide.md"
    before = guide.read_bytes()
    monkeypatch.setattr(_atomic.os, "fsync", _disk_full)
    with pytest.raises(runs.files.CourseFileError, match=f"^{re.escape(str(guide))}: cannot be written"):
        runs.write_numbers(changed, tmp_path)
    assert guide.read_bytes() == before and not list(tmp_path.rglob("*.tmp"))


def test_an_atomic_write_keeps_the_files_permissions_and_writes_through_a_symlink(tmp_path):
    target, link = tmp_path / "a.md", tmp_path / "link.md"
    target.write_text("old")
    target.chmod(0o644)  # readable by a course's group: a temporary file is 0600 until told otherwise
    link.symlink_to(target)
    _atomic.write_text(link, "new")
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o644 and link.is_symlink()
    new = tmp_path / "b.md"
    _atomic.write_text(new, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~mask


# --- notebooks as they come --------------------------------------------------------------------------

@pytest.mark.parametrize("tool", ["folding", "colab"])
def test_a_notebook_saved_by_colab_without_cell_ids_comes_back_valid(tmp_path, capsys, tool):
    path = _colab_saved(tmp_path / "99_toy.ipynb")
    assert (folding if tool == "folding" else colab).main([str(path)]) == 0
    data = json.loads(path.read_text())
    nbformat.validate(data)  # every cell has an id, as nbformat 4.5 requires of the cells we add
    cells = 4 if tool == "folding" else 3  # folding adds a task and a solution cell; colab its first cell
    assert data["nbformat_minor"] == 5
    assert len({c["id"] for c in data["cells"]}) == len(data["cells"]) == cells
    assert [c["id"] for c in data["cells"] if c["id"].startswith("cell-")] == ["cell-0", "cell-1"]


BAD = {"empty.ipynb": ("{}", "not a Jupyter notebook (no 'nbformat' and 'cells'; found [])"),
       "list.ipynb": ("[1, 2]", "not a Jupyter notebook (no 'nbformat' and 'cells'; found list)"),
       "broken.ipynb": ('{"cells": [', "not a notebook: invalid JSON at line 1 column 12"),
       "cells.ipynb": ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": 3}]}',
                       "not a valid notebook"),
       "latin1.ipynb": ("{\"nbformat\": 4, \"cells\": [], \"x\": \"caf\xe9\"}", "not UTF-8 text (byte 0xe9")}


@pytest.mark.parametrize("name", BAD)
@pytest.mark.parametrize("tool", ["folding", "colab", "runs"])
def test_what_is_not_a_notebook_is_one_named_line(tmp_path, capsys, name, tool):
    path = tmp_path / name
    text, problem = BAD[name]
    path.write_bytes(text.encode("latin-1"))
    if tool == "runs":
        with pytest.raises(runs.files.CourseFileError, match=f"^{re.escape(f'{path}: {problem}')}"):
            runs.class_minutes(path)
        return
    with pytest.raises(SystemExit) as e:
        (folding if tool == "folding" else colab).main([str(path)])
    _one_error_line(capsys, e, 1, f"{path}: {problem}")
    assert path.read_bytes() == text.encode("latin-1")


def test_the_folding_tool_prints_no_traceback(tmp_path):
    path = tmp_path / "99_toy.ipynb"
    path.write_text("{}")
    out = subprocess.run([sys.executable, "-m", "tools.course.folding", str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and out.stderr.splitlines() == [
        f"error: {path}: not a Jupyter notebook (no 'nbformat' and 'cells'; found [])"]


# --- the README of a fork ------------------------------------------------------------------------------

def test_a_latin1_readme_is_named_and_left_as_it_was(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_bytes("Caf\xe9: https://github.com/xception-edu/xception-edu\n".encode("latin-1"))
    with pytest.raises(SystemExit) as e:
        colab.main(["--repo-url", "https://github.com/a/b", "--readme", str(readme),
                    str(_colab_saved(tmp_path / "99_toy.ipynb"))])
    _one_error_line(capsys, e, 1, f"{readme}: not UTF-8 text (byte 0xe9 at offset 3); save it as UTF-8")
    assert readme.read_bytes() == "Caf\xe9: https://github.com/xception-edu/xception-edu\n".encode("latin-1")


def test_the_readme_can_be_retargeted_again_and_back(tmp_path):
    readme = (ROOT / "README.md").read_text()
    first = colab.retarget(readme, "https://github.com/prof-x/course", "fall")
    second = colab.retarget(first, "https://github.com/prof-y/xc.2", "spring")
    for text, slug, branch in ((first, "prof-x/course", "fall"), (second, "prof-y/xc.2", "spring")):
        assert f"colab.research.google.com/github/{slug}/blob/{branch}/notebooks/00_start_here.ipynb" in text
        assert f"mybinder.org/v2/gh/{slug}/{branch}?" in text and f"(https://github.com/{slug})" in text
    assert "prof-x" not in second and "xception-edu/xception-edu" not in second
    assert colab.retarget(second, colab.REPO_URL, "main") == readme  # and back to ours, exactly


def test_a_readme_opening_two_repositories_is_refused():
    text = ("[a](https://colab.research.google.com/github/a/b/blob/main/x.ipynb) "
            "[c](https://colab.research.google.com/github/c/d/blob/main/x.ipynb)")
    with pytest.raises(ValueError, match=r"several repositories \(\['a/b', 'c/d'\]\)"):
        colab.retarget(text, "https://github.com/e/f")


# --- editions and the nbgrader points table ---------------------------------------------------------------

def test_editions_out_that_is_a_file_or_unwritable_is_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("a file")
    with pytest.raises(SystemExit) as e:
        editions.main(["--out", str(out)])
    _one_error_line(capsys, e, 2, f"--out {out} is a file, not a folder")
    with pytest.raises(SystemExit) as e:  # a folder that cannot be made: one line naming where
        editions.main(["--out", str(out / "editions")])
    _one_error_line(capsys, e, 2, f"error: {out / 'editions'}", "give --out a folder you can write to")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_editions_read_only_out_is_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir(mode=0o555)
    with pytest.raises(SystemExit) as e:
        editions.main(["--out", str(out)])
    _one_error_line(capsys, e, 2, f"{out / 'student'}: Permission denied")


def test_editions_errors_name_the_notebook(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1  # BEGIN SOLUTION, but no exercise header")]
    nbformat.write(nb, notebooks / "99_toy.ipynb")
    with pytest.raises(SystemExit) as e:
        editions.main(["--notebooks", str(notebooks), "--out", str(tmp_path / "out"),
                       "--notes", str(tmp_path)])
    _one_error_line(capsys, e, 2, f"error: {notebooks / '99_toy.ipynb'}: a code cell has '# BEGIN SOLUTION'")


def test_the_points_table_honours_its_argument_and_refuses_others(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        nbgrader.main(["--bogus"])
    assert e.value.code == 2 and "unrecognized arguments: --bogus" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        nbgrader.main([str(tmp_path)])
    assert e.value.code == 2 and f"no notebooks matching {nbgrader.NOTEBOOK_GLOB} in {tmp_path}" in \
        capsys.readouterr().err
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "02_inception_module.ipynb").write_bytes((ROOT / "notebooks" / "02_inception_module.ipynb")
                                                          .read_bytes())
    assert nbgrader.main([str(notebooks)]) == 0
    assert capsys.readouterr().out == nbgrader.points_table(notebooks) + "\n"


def test_the_points_table_from_another_folder_is_the_repositorys(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # tools/ is not installed: it runs from a checkout
    out = subprocess.run([sys.executable, "-m", "tools.course.nbgrader"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout == nbgrader.points_table(ROOT / "notebooks") + "\n"
    assert "| **all** | **0** |" not in out.stdout
