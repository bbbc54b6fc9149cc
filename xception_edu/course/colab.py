"""The first code cell of every notebook: on Colab it installs this suite and turns on widgets; anywhere
else (JupyterLab from ``make lab``, Binder, nbval) it does nothing.

It cannot import ``xception_edu`` (on Colab the package is not there yet), so it is plain text kept here,
and the tests check that every notebook opens with exactly this cell and that it is a no-op off Colab.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

REPO_URL = "https://github.com/xception-edu/xception-edu"

FIRST_CELL = f"""\
# On Colab: install this suite and enable widgets. Anywhere else this cell does nothing.
import sys
if "google.colab" in sys.modules:
    %pip install --quiet "xception-edu @ git+{REPO_URL}"
    from google.colab import output
    output.enable_custom_widget_manager()"""

MARKER = FIRST_CELL.splitlines()[0]


def add_first_cell(path: Path) -> bool:
    """Maintainers: put (or refresh) the Colab cell as the first code cell of a stored notebook, shifting
    the stored execution counts so the outputs stay valid. Returns True if the file changed."""
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    code = [c for c in cells if c.cell_type == "code"]
    if code and code[0].source.startswith(MARKER):
        if code[0].source == FIRST_CELL:
            return False
        code[0].source = FIRST_CELL
    else:
        for c in code:
            if c.get("execution_count") is not None:
                c.execution_count += 1
                for out in c.get("outputs", []):
                    if out.get("execution_count") is not None:
                        out.execution_count += 1
        cell = nbformat.v4.new_code_cell(FIRST_CELL, execution_count=1, id="colab-setup")
        first_md = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), -1)
        first_code = cells.index(code[0]) if code else len(cells)
        cells.insert(first_md + 1 if 0 <= first_md < first_code else 0, cell)
    nbformat.write(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m xception_edu.course.colab NOTEBOOK...``: add or refresh the cell in each notebook."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m xception_edu.course.colab", description=main.__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    for p in args.notebooks:
        if not p.is_file():
            parser.error(f"{p} is not a file: give stored notebooks (notebooks/NN_*.ipynb)")
        try:
            print(p, "updated" if add_first_cell(p) else "unchanged")
        except (ValueError, OSError) as e:  # nbformat's NotJSONError is a ValueError
            parser.exit(1, f"error: {p} is not a readable notebook: {' '.join(str(e).split())[:300]}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
