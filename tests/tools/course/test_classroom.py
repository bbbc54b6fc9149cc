"""What a classroom needs beyond the notebooks running: the Colab first cell, GitHub rendering, editions."""
import json
import pathlib
import subprocess
import sys
import types

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from tools.course import colab, editions, folding, hints
from xception_edu import exercises

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOTEBOOKS = sorted((ROOT / "notebooks").glob(editions.NOTEBOOK_GLOB))
SIZE_BUDGET = 1_000_000  # bytes per stored notebook: GitHub renders it, a diff stays readable


def _nb(path):
    """A notebook as plain data, its multi-line strings joined as nbformat reads them."""
    return json.loads(json.dumps(nbformat.read(path, as_version=4)))


def _src(cell):
    return "".join(cell["source"])


def _first_code(nb):
    return next(c for c in nb["cells"] if c["cell_type"] == "code")


# --- Colab ---------------------------------------------------------------------------------------

def _slug(url):
    return url.removeprefix("https://github.com/")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_opens_with_the_colab_cell(path):
    """The same cell everywhere, installing from the repository the README's links open (ours, or an
    instructor's fork after `python -m tools.course.colab --repo-url ... --readme README.md`)."""
    cell = _first_code(_nb(path))
    repo = colab.repo_of(_src(cell))
    assert _src(cell) == colab.first_cell(repo) and cell["outputs"] == []
    assert f"colab.research.google.com/github/{_slug(repo)}/blob/" in (ROOT / "README.md").read_text()


class _Recorder:
    def __init__(self):
        self.magics = []

    def run_line_magic(self, name, line):
        self.magics.append((name, line))


def _run_first_cell(monkeypatch, on_colab):
    code = TransformerManager().transform_cell(colab.FIRST_CELL)  # what IPython runs: %pip becomes a call
    ip, calls = _Recorder(), []
    fake_output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append("widgets"))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
        monkeypatch.setitem(sys.modules, "google.colab", types.SimpleNamespace(output=fake_output))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(code, {"get_ipython": lambda: ip})
    return ip.magics, calls


def test_colab_cell_does_nothing_elsewhere(monkeypatch):
    assert _run_first_cell(monkeypatch, on_colab=False) == ([], [])


def test_colab_cell_installs_the_suite_and_enables_widgets_on_colab(monkeypatch):
    magics, calls = _run_first_cell(monkeypatch, on_colab=True)
    assert magics == [("pip", f'install --quiet "xception-edu[lab] @ git+{colab.REPO_URL}"')]
    assert calls == ["widgets"]


def test_readme_links_every_notebook_to_colab_and_has_a_binder_badge():
    readme = (ROOT / "README.md").read_text()
    slug = _slug(colab.repo_of(_src(_first_code(_nb(NOTEBOOKS[0])))))
    for path in NOTEBOOKS:
        url = f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{path.name}"
        assert url in readme, path.name
    assert f"mybinder.org/v2/gh/{slug}/main" in readme


def test_the_colab_tool_points_notebooks_and_readme_at_a_fork(tmp_path, capsys):
    readme, nb = tmp_path / "README.md", tmp_path / "00_x.ipynb"
    readme.write_text((ROOT / "README.md").read_text())
    nb.write_text(NOTEBOOKS[0].read_text())
    fork = "https://github.com/prof-x/xception-course"
    assert colab.main(["--repo-url", fork, "--branch", "fall", "--readme", str(readme), str(nb)]) == 0
    text = readme.read_text()
    assert "xception-edu/xception-edu" not in text
    assert "colab.research.google.com/github/prof-x/xception-course/blob/fall/notebooks/00_start_here.ipynb" \
        in text and "mybinder.org/v2/gh/prof-x/xception-course/fall?" in text and f"({fork})" in text
    cell = _src(_first_code(_nb(nb)))
    assert colab.repo_of(cell) == fork and cell == colab.first_cell(fork)
    with pytest.raises(SystemExit) as e:
        colab.main(["--repo-url", "gitlab.com/x/y", str(nb)])
    assert e.value.code == 2 and "https://github.com/OWNER/REPO" in capsys.readouterr().err


# --- GitHub rendering ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebook_renders_on_github(path):
    assert path.stat().st_size < SIZE_BUDGET, f"{path.name} is {path.stat().st_size:,} bytes"
    nb = _nb(path)
    views = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    if views:  # GitHub draws widgets only from the saved state, under metadata.widgets
        state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
        for v in views:
            assert v["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] in state
            assert "text/plain" in v["data"] or "text/html" in v["data"], "a static fallback for viewers"


# --- editions ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("editions")
    editions.build(ROOT / "notebooks", out, ROOT / "docs" / "instructor-notes")
    return out


def _exercises(nb):
    return [c for c in nb["cells"] if editions.is_exercise(c)]


def _other_outputs(nb):
    return [_outputs(c) for c in nb["cells"] if c["cell_type"] == "code" and not editions.is_exercise(c)]


def test_student_edition_has_no_solution_text(built):
    for path in NOTEBOOKS:
        source = json.loads(json.dumps(folding.unfold(nbformat.read(path, as_version=4))))  # solutions whole
        student = _nb(built / "student" / path.name)
        pairs = list(zip(_exercises(source), _exercises(student), strict=True))
        for src_cell, stu_cell in pairs:
            text = _src(stu_cell)
            assert exercises.BEGIN not in text and stu_cell["outputs"] == []
            leaked = [line for line in editions.solution_lines(_src(src_cell)) if line in text]
            assert not leaked, f"{path.name}: {leaked}"
        # every other cell is untouched, but for the written answers (removed) and the task cells (worded
        # for a stub)
        def others(nb, answers=lambda text: text):
            return [(c["cell_type"], answers(_src(c)), _outputs(c)) for c in nb["cells"]
                    if not editions.is_exercise(c) and folding.TAG not in c["metadata"].get("tags", [])
                    and c.get("id") != hints.CELL_ID]
        assert others(source, folding.remove_answers) == others(student)


def _outputs(cell):
    return [{k: v for k, v in out.items() if k != "execution_count"} for out in cell.get("outputs", [])]


def test_student_edition_carries_no_trace_of_our_run(built):
    """A student meets a notebook they have not run: no execution counts, no timestamps."""
    for path in NOTEBOOKS:
        code = [c for c in _nb(built / "student" / path.name)["cells"] if c["cell_type"] == "code"]
        assert all(c["execution_count"] is None and "execution" not in c["metadata"] for c in code), path.name
        assert all(out.get("execution_count") is None for c in code for out in c["outputs"]), path.name
    assert any(c.get("execution_count") for c in _nb(NOTEBOOKS[1])["cells"])  # the stored notebook has them


def test_student_stubs_fail_their_checks_cleanly(built, capsys):
    import importlib

    import xception_edu as xe
    from xception_edu import lessons

    n = 0
    for path in NOTEBOOKS:
        number = path.name.split("_", 1)[0]  # "06", "06a"
        module = next(m for m in lessons.NOTEBOOK_MODULES if m[2:].split("_", 1)[0] == number)
        lesson = importlib.import_module(f"xception_edu.lessons.{module}")
        for cell in _exercises(_nb(built / "student" / path.name)):
            exec(_src(cell), {"xe": xe, "lesson": lesson})  # the check prints its verdict; it must not raise
            assert "not done yet" in capsys.readouterr().out.lower(), _src(cell).splitlines()[0]
            n += 1
    assert n >= 10


def test_instructor_edition_is_the_notebook_with_notes_on_top(built):
    for path in NOTEBOOKS:
        source, inst = _nb(path), _nb(built / "instructor" / path.name)
        unfolded = json.loads(json.dumps(folding.fold(nbformat.read(path, as_version=4), "instructor")))
        assert [_src(c) for c in inst["cells"][1:]] == [_src(c) for c in unfolded["cells"]]
        assert [c.get("outputs") for c in inst["cells"][1:]] == [c.get("outputs") for c in unfolded["cells"]]
        assert _other_outputs(source) == _other_outputs(inst), "every other cell keeps its stored outputs"
        assert all(c["outputs"] == [] and exercises.BEGIN in _src(c) for c in _exercises(inst)), path.name
        assert editions.NOTES_MARKER in _src(inst["cells"][0])
        notes = editions.notes_path(path, ROOT / "docs" / "instructor-notes")
        if notes.exists():
            assert notes.read_text().strip() in _src(inst["cells"][0])


def test_instructor_edition_passes_nbval(built):
    # Two quick notebooks through nbval from the edition folder (the others differ from the source,
    # which nbval checks anyway, only by the notes cell, as the previous test shows).
    paths = [str(built / "instructor" / name) for name in ("00_start_here.ipynb", "03_reformulation.ipynb")]
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                          "--nbval-current-env", "--nbval-sanitize-with",
                          str(ROOT / "tests" / "nbval_sanitize.cfg"),
                          *paths], capture_output=True, text=True, cwd=built, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:]


def test_editions_refuse_an_output_folder_that_overlaps_the_notebooks(tmp_path, capsys):
    source = tmp_path / "course" / "student"  # the notebooks inside what would be --out
    source.mkdir(parents=True)
    nb = NOTEBOOKS[0]
    (source / nb.name).write_text(nb.read_text())
    for out in (tmp_path / "course", source, source / "editions"):
        with pytest.raises(SystemExit) as e:
            editions.main(["--notebooks", str(source), "--out", str(out), "--notes", str(tmp_path)])
        assert e.value.code == 2
        assert f"the output folder {out} and the notebooks folder {source} overlap" in capsys.readouterr().err
        assert (source / nb.name).read_text() == nb.read_text()  # nothing deleted or overwritten
    with pytest.raises(ValueError, match="overlap"):
        editions.build(source, tmp_path / "course", tmp_path)


def test_editions_delete_only_the_notebooks_they_wrote(tmp_path):
    out = tmp_path / "out"
    (out / "student").mkdir(parents=True)
    mine = out / "student" / "99_my_own.ipynb"
    mine.write_text(NOTEBOOKS[0].read_text())  # an instructor's own notebook, not written by editions
    stale = out / "student" / "98_removed.ipynb"
    old = editions.student(_nb(NOTEBOOKS[0]))  # what an earlier build wrote for a notebook since removed
    stale.write_text(json.dumps(old))
    editions.build(ROOT / "notebooks", out, ROOT / "docs" / "instructor-notes")
    assert mine.exists() and not stale.exists()


def test_the_colab_tool_refuses_what_is_not_a_notebook(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        colab.main([str(tmp_path / "missing.ipynb")])
    assert e.value.code == 2 and "missing.ipynb is not a file" in capsys.readouterr().err
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{ not json")
    with pytest.raises(SystemExit) as e:
        colab.main([str(bad)])
    assert e.value.code == 1 and "bad.ipynb: not a notebook: invalid JSON" in capsys.readouterr().err
    good = tmp_path / "00_x.ipynb"
    good.write_text(NOTEBOOKS[0].read_text())
    assert colab.main([str(good)]) == 0 and "unchanged" in capsys.readouterr().out
