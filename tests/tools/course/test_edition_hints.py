"""The handed-out editions are graded: their checks name the mistake, never the fix (``course/hints.py``),
unless the instructor builds them with ``--hints fix``; and the nbgrader course runs from a virtual
environment that is not activated (its config puts this Python's folder first on PATH)."""
import os
import sys

import nbformat
import pytest
from traitlets.config import Config

from tools.course import editions, hints
from tools.course import nbgrader as course
from xception_edu import exercises


def _notebook():
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 99 · A lesson", id="title"),
        nbformat.v4.new_code_cell("import sys  # the Colab cell", id="colab-setup"),
        nbformat.v4.new_code_cell("import xception_edu as xe\nfrom xception_edu.lessons import nb01_standard_"
                                  "convolution as lesson", id="imports"),
        nbformat.v4.new_code_cell("print(1)", id="later"),
    ])


@pytest.mark.parametrize("edition", [editions.student,
                                     lambda nb, mode: course.course_notebook(nb, "nb", hint_mode=mode)])
def test_a_graded_edition_sets_nudge_right_after_its_import_cell_and_fix_leaves_the_notebook_alone(edition):
    ids = [c.id for c in edition(_notebook(), "nudge").cells]
    assert ids[ids.index("imports") + 1] == hints.CELL_ID, ids
    assert hints.CELL_ID not in [c.id for c in edition(_notebook(), "fix").cells]


def test_the_hint_cell_switches_the_checks_to_nudge_and_is_locked_in_nbgrader():
    [cell] = [c for c in course.course_notebook(_notebook(), "nb").cells if c.id == hints.CELL_ID]
    assert cell.metadata["nbgrader"]["locked"] and not cell.metadata["nbgrader"]["solution"]
    try:
        exec(cell.source, {})
        assert exercises.hints() == "nudge"
    finally:
        exercises.set_hints(None)


def test_building_twice_keeps_one_hint_cell_and_a_bad_mode_is_named():
    nb = hints.with_hints(hints.with_hints(_notebook()))
    assert [c.id for c in nb.cells].count(hints.CELL_ID) == 1
    with pytest.raises(ValueError, match="--hints 'quiet': use 'nudge'"):
        hints.with_hints(_notebook(), "quiet")
    with pytest.raises(SystemExit):
        editions.main(["--hints", "quiet"])


def test_the_course_config_puts_this_pythons_folder_first_on_path(monkeypatch):
    """nbgrader runs ``alembic`` from PATH: ``.venv/bin/nbgrader`` works without activating the venv."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    config = Config()
    exec(course.CONFIG, {"get_config": lambda: config})
    assert os.environ["PATH"].split(os.pathsep) == [os.path.dirname(sys.executable), "/usr/bin", "/bin"]
    assert config.CourseDirectory.course_id == "xception-edu"
