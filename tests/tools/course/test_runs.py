"""One measurement of run time and memory per notebook, and every place that quotes it agrees with it."""
import json
import pathlib
import shutil

import nbformat
import pytest

from tools.course import class_time, runs

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOTEBOOKS = sorted((ROOT / "notebooks").glob(runs.NOTEBOOK_GLOB))


def test_the_measured_table_covers_exactly_the_notebooks_there_are():
    stored = runs.load()
    assert sorted(stored["notebooks"]) == [p.stem for p in NOTEBOOKS]
    for name, run in stored["notebooks"].items():
        assert run["notebook"] == name and run["seconds"] >= run["slowest_seconds"] > 0


@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_every_notebook_was_measured_within_the_limits(name):
    """The standard: each notebook in at most 60 s on the project's 2-core CPU, and under 1.5 GB (Binder
    gives a kernel about 2 GB). These are the stored measurement's figures; `make runs` remeasures."""
    run = runs.load()["notebooks"][name]
    assert run["seconds"] <= runs.LIMIT_SECONDS, f"{name}: {run['seconds']} s measured"
    assert run["peak_mb"] < runs.LIMIT_MB, f"{name}: {run['peak_mb']} MB peak measured"


def test_the_guide_the_notes_and_the_notebooks_state_the_measured_numbers():
    assert runs.disagreements(runs.load()) == []


def test_every_notebook_has_instructor_notes():
    assert sorted(p.stem for p in (ROOT / "docs" / "instructor-notes").glob("*.md")) == \
        [runs.notebook_number(p.name) for p in NOTEBOOKS]


def _copy_of_the_docs(tmp_path):
    """The docs and notebooks, copied, with the stored measurement and the class-time rule's minutes in
    all three places (the stored notebooks may lag the rule until `make runs`)."""
    for folder in ("docs", "notebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    runs.write_numbers(runs.load(), tmp_path)
    return tmp_path


DIFFERS = "its numbers differ from notebook-runs.json and the class-time rule (python -m tools.course.runs " \
    "--only-write puts them there)"


def test_write_numbers_puts_a_new_measurement_everywhere_and_only_there(tmp_path):
    root = _copy_of_the_docs(tmp_path)
    stored = runs.load()
    changed = json.loads(json.dumps(stored))
    changed["notebooks"]["06_correlations"].update(seconds=3.0, peak_mb=123)
    assert runs.disagreements(changed, root) == [
        f"docs/course-guide.md: {DIFFERS}", f"docs/instructor-notes/06.md: {DIFFERS}",
        f"notebooks/06_correlations.ipynb: {DIFFERS}"]
    written = runs.write_numbers(changed, root)
    assert sorted(p.relative_to(root).as_posix() for p in written) == [
        "docs/course-guide.md", "docs/instructor-notes/06.md", "notebooks/06_correlations.ipynb"]
    assert runs.disagreements(changed, root) == []
    guide = (root / "docs" / "course-guide.md").read_text()
    row = next(line for line in guide.splitlines() if line.startswith("| 06 |"))
    assert row.endswith("| 3 s | 0.1 GB |")
    assert '"Run all" takes about 3 s on a 2-core CPU (peak memory 0.1 GB).' in \
        (root / "docs" / "instructor-notes" / "06.md").read_text()
    nb = nbformat.read(root / "notebooks" / "06_correlations.ipynb", as_version=4)
    assert '"Run all" takes about 3 s on a 2-core CPU' in nb.cells[0].source
    assert runs.disagreements(stored, root) != []  # the old numbers are gone from all three


def test_a_class_time_typed_by_hand_is_reported_and_replaced_by_the_rules(tmp_path):
    root = _copy_of_the_docs(tmp_path)
    path = root / "notebooks" / "03_reformulation.ipynb"
    by_rule = class_time.minutes(path, runs.load()["notebooks"]["03_reformulation"])
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace(f"**Estimated time:** {by_rule} minutes",
                                                    f"**Estimated time:** {by_rule + 5} minutes")
    nbformat.write(nb, path)
    assert runs.class_minutes(path) == by_rule + 5
    assert runs.disagreements(runs.load(), root) == [f"notebooks/03_reformulation.ipynb: {DIFFERS}"]
    assert runs.write_numbers(runs.load(), root, notebooks=False) == []  # the docs only: nothing to do
    assert runs.write_numbers(runs.load(), root) == [path]
    assert runs.class_minutes(path) == by_rule and runs.disagreements(runs.load(), root) == []


def test_a_note_without_the_timing_sentence_is_reported(tmp_path):
    root = _copy_of_the_docs(tmp_path)
    note = root / "docs" / "instructor-notes" / "03.md"
    note.write_text(note.read_text().replace("**Timing.**", "**When.**"))
    assert runs.disagreements(runs.load(), root) == [
        "docs/instructor-notes/03.md: no '**Timing.** N minutes in class; \"Run all\" ...' sentence opens it"]


@pytest.mark.parametrize("seconds,shown", [(0.2, 1), (6.4, 6), (19.6, 20), (57.9, 58)])
def test_rounding_of_the_printed_seconds(seconds, shown):
    assert runs.rounded_seconds(seconds) == shown


def test_measure_times_each_cell_and_reads_the_kernels_peak_memory(tmp_path):
    """A real kernel: a cell that holds 300 MB and one that sleeps 1 s."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a notebook"),
                nbformat.v4.new_code_cell("block = bytearray(300 * 2**20)\n"
                                          "block[::4096] = b'x' * len(block[::4096])  # touch every page"),
                nbformat.v4.new_code_cell("import time\ntime.sleep(1.0)")]
    path = tmp_path / "99_probe.ipynb"
    nbformat.write(nb, path)
    run = runs.measure(path)
    assert run.notebook == "99_probe" and run.slowest_cell == 2
    assert 1.0 <= run.slowest_seconds <= run.seconds < 30
    assert run.peak_mb >= 300
