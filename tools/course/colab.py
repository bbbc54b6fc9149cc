"""The first code cell of every notebook: on Colab it installs this suite and turns on widgets; anywhere
else (JupyterLab from ``make lab``, Binder, nbval) it does nothing.

It cannot import ``xception_edu`` (on Colab the package is not there yet), so it is plain text kept here,
and the tests check that every notebook opens with exactly this cell and that it is a no-op off Colab.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from . import files

REPO_URL = "https://github.com/xception-edu/xception-edu"


def first_cell(repo_url: str = REPO_URL) -> str:
    """The cell, installing from ``repo_url`` (an instructor's fork: see ``retarget``)."""
    return f"""\
# On Colab: install this suite and enable widgets. Anywhere else this cell does nothing.
import sys
if "google.colab" in sys.modules:
    %pip install --quiet "xception-edu[lab] @ git+{repo_url}"
    from google.colab import output
    output.enable_custom_widget_manager()"""


FIRST_CELL = first_cell()
MARKER = FIRST_CELL.splitlines()[0]
_GITHUB = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(?:\.git)?/?$")
# The README's links that open this suite, whichever repository they point at now (ours, or a fork from
# an earlier --repo-url): its Colab links and its Binder badge; the plain repository link follows them.
_SLUG = r"(?P<slug>[\w.-]+/[\w.-]+)"
COLAB_LINK = re.compile(rf"(?P<site>colab\.research\.google\.com/github/){_SLUG}/blob/(?P<branch>[\w.-]+)/")
BINDER_LINK = re.compile(rf"(?P<site>mybinder\.org/v2/gh/){_SLUG}/(?P<branch>[\w.-]+)(?![\w.-])")


def repo_of(cell_source: str) -> str:
    """The repository URL a Colab cell installs from."""
    found = re.search(r'git\+(\S+?)"', cell_source)
    if not cell_source.startswith(MARKER) or found is None:
        raise ValueError(f"not the Colab cell: {cell_source[:120]!r}")
    return found.group(1)


def retarget(readme: str, repo_url: str, branch: str = "main") -> str:
    """The README with its Colab links, Binder badge and repository link pointing at ``repo_url``'s
    ``branch`` (a fork: https://github.com/OWNER/REPO), from wherever they point now: run again, it
    replaces the previous fork."""
    found = _GITHUB.match(repo_url)
    if found is None:
        raise ValueError(f"--repo-url must be a GitHub repository, https://github.com/OWNER/REPO, "
                         f"not {repo_url!r}")
    slug = f"{found['owner']}/{found['repo']}"
    now = {m["slug"] for pattern in (COLAB_LINK, BINDER_LINK) for m in pattern.finditer(readme)}
    if len(now) > 1:
        raise ValueError(f"the README's Colab and Binder links open several repositories ({sorted(now)}); "
                         "make them one, then retarget")
    if not now:
        return readme

    def plain(m):  # the repository link, and any /blob/BRANCH or /tree/BRANCH after it
        tree = m["tree"].rsplit("/", 1)[0] + f"/{branch}" if m["tree"] else ""
        return f"https://github.com/{slug}{tree}"

    readme = COLAB_LINK.sub(lambda m: f"{m['site']}{slug}/blob/{branch}/", readme)
    readme = BINDER_LINK.sub(lambda m: f"{m['site']}{slug}/{branch}", readme)
    old = re.escape(now.pop())
    return re.sub(rf"https://github\.com/{old}(?P<tree>/(?:blob|tree)/[\w.-]+)?(?![\w.-])", plain, readme)


def add_first_cell(path: Path, repo_url: str = REPO_URL) -> bool:
    """Maintainers: put (or refresh) the Colab cell as the first code cell of a stored notebook, shifting
    the stored execution counts so the outputs stay valid. Returns True if the file changed."""
    nb = files.read_notebook(path)
    cells = nb.cells
    code = [c for c in cells if c.cell_type == "code"]
    wanted = first_cell(repo_url)
    if code and code[0].source.startswith(MARKER):
        if code[0].source == wanted:
            return False
        code[0].source = wanted
    else:
        for c in code:
            if c.get("execution_count") is not None:
                c.execution_count += 1
                for out in c.get("outputs", []):
                    if out.get("execution_count") is not None:
                        out.execution_count += 1
        cell = nbformat.v4.new_code_cell(wanted, execution_count=1, id="colab-setup")
        first_md = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), -1)
        first_code = cells.index(code[0]) if code else len(cells)
        cells.insert(first_md + 1 if 0 <= first_md < first_code else 0, cell)
    files.write_notebook(nb, path)
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.course.colab [--repo-url URL --readme README.md] NOTEBOOK...``: add or
    refresh the cell in each notebook; with --repo-url (an instructor's fork), the cells install from
    that repository and the README's Colab links and Binder badge open it."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.course.colab", description=main.__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--repo-url", default=REPO_URL,
                        help="https://github.com/OWNER/REPO (default: %(default)s)")
    parser.add_argument("--branch", default="main", help="the branch the README's links open")
    parser.add_argument("--readme", type=Path, help="also point this README's links at --repo-url")
    args = parser.parse_args(argv)
    if _GITHUB.match(args.repo_url) is None:
        parser.error(f"--repo-url must be a GitHub repository, https://github.com/OWNER/REPO, "
                     f"not {args.repo_url!r}")
    for p in [args.readme] * (args.readme is not None) + args.notebooks:
        if not p.is_file():
            parser.error(f"{p} is not a file: give stored notebooks (notebooks/NN_*.ipynb) and a README")
    if args.readme is not None:
        try:
            text = files.read_text(args.readme)
            new = retarget(text, args.repo_url, args.branch)
            if new != text:
                files.write_text(args.readme, new)
        except ValueError as e:
            parser.exit(1, f"error: {files.error_line(args.readme, e)}\n")
        print(args.readme, "updated" if new != text else "unchanged")
    for p in args.notebooks:
        try:
            print(p, "updated" if add_first_cell(p, args.repo_url) else "unchanged")
        except ValueError as e:
            parser.exit(1, f"error: {files.error_line(p, e)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
