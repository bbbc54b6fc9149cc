"""The first code cell of every notebook: on Colab it installs this suite and turns on widgets; anywhere
else (JupyterLab from ``make lab``, Binder, nbval) it does nothing.

It cannot import ``xception_edu`` (on Colab the package is not there yet), so it is plain text kept here,
and the tests check that every notebook opens with exactly this cell and that it is a no-op off Colab.
"""
from __future__ import annotations

import json
from pathlib import Path

REPO_URL = "https://github.com/xception-edu/xception-edu"

FIRST_CELL = f"""\
# On Colab: install this suite and enable widgets. Anywhere else this cell does nothing.
import sys
if "google.colab" in sys.modules:
    %pip install --quiet "xception-edu @ git+{REPO_URL}"
    from google.colab import output
    output.enable_custom_widget_manager()"""

MARKER = FIRST_CELL.splitlines()[0]


def colab_url(notebook: str) -> str:
    """'Open in Colab' link of a notebook on the main branch."""
    return f"https://colab.research.google.com/github/{REPO_URL.split('github.com/')[1]}/blob/main/notebooks/{notebook}"


def add_first_cell(path: Path) -> bool:
    """Maintainers: put (or refresh) the Colab cell as the first code cell of a stored notebook, shifting
    the stored execution counts so the outputs stay valid. Returns True if the file changed."""
    nb = json.loads(Path(path).read_text())
    cells = nb["cells"]
    code = [i for i, c in enumerate(cells) if c["cell_type"] == "code"]
    lines = FIRST_CELL.splitlines(keepends=True)
    if code and "".join(cells[code[0]]["source"]).startswith(MARKER):
        if cells[code[0]]["source"] == lines:
            return False
        cells[code[0]]["source"] = lines
    else:
        for i in code:
            if cells[i].get("execution_count") is not None:
                cells[i]["execution_count"] += 1
                for out in cells[i].get("outputs", []):
                    if "execution_count" in out and out["execution_count"] is not None:
                        out["execution_count"] += 1
        cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": lines}
        if (nb.get("nbformat"), nb.get("nbformat_minor", 0)) >= (4, 5):
            cell["id"] = "colab-setup"
        first_md = next((i for i, c in enumerate(cells) if c["cell_type"] == "markdown"), -1)
        cells.insert(first_md + 1 if first_md >= 0 and (not code or first_md < code[0]) else 0, cell)
    Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return True


if __name__ == "__main__":
    import sys

    for p in sys.argv[1:]:
        print(p, "updated" if add_first_cell(Path(p)) else "unchanged")
