"""How long each notebook runs and how much memory its kernel needs: measured in one place.

``python -m tools.course.runs`` (``make runs``) runs every notebook top to bottom on a fresh
kernel, as "Run all" does, and writes ``docs/notebook-runs.json``: the seconds of its cells (the kernel's
own start, 2-5 s, is not counted), its slowest cell, and the kernel's peak resident memory. The course
guide's table, the first "Timing." sentence of each instructor note and the "Run all" sentence of each
notebook's opening cell take their numbers from that file, and their class minutes from the rule of
``class_time.py`` (``--write`` puts them there), and
tests/tools/course/test_runs.py checks that they agree with it and that every notebook stays under the limits
(60 s on the project's 2-core CPU; 1.5 GB, since Binder gives a kernel about 2 GB).
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat

from . import class_time, files

ROOT = files.ROOT
RUNS_FILE = ROOT / "docs" / "notebook-runs.json"
GUIDE = ROOT / "docs" / "course-guide.md"
NOTES = ROOT / "docs" / "instructor-notes"
NOTEBOOKS = ROOT / "notebooks"
LIMIT_SECONDS, LIMIT_MB = 60, 1500
NOTEBOOK_GLOB = files.NOTEBOOK_GLOB


def notebook_number(name: str) -> str:
    """A notebook's number as its file names spell it: "06" for 06_correlations, "06a" for
    06a_correlations_deeper (its notes are docs/instructor-notes/06a.md, its guide row "| 06a |")."""
    return Path(name).name.split("_", 1)[0]

# The kernel reports its own peak resident set (Linux: KiB, macOS: bytes) after the last cell.
_PEAK_CELL = ("import resource, sys\n"
              "_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "print(_peak // (1 << 20) if sys.platform == 'darwin' else _peak // 1024)")


@dataclass(frozen=True)
class Run:
    notebook: str        # file name without .ipynb, e.g. "06_correlations"
    seconds: float       # all cells, top to bottom, on a fresh kernel
    peak_mb: int         # the kernel's peak resident memory
    slowest_cell: int    # index in the notebook
    slowest_seconds: float


def measure(path: Path, timeout: int = 600) -> Run:
    """Run one notebook as "Run all" does (a fresh kernel, in its own folder) and time every cell."""
    from nbclient import NotebookClient

    nb = files.read_notebook(path)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    times = []
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            start = time.perf_counter()
            client.execute_cell(cell, index)
            times.append(time.perf_counter() - start)
        probe = nbformat.v4.new_code_cell(_PEAK_CELL)
        nb.cells.append(probe)  # nbclient stores each executed cell back into the notebook by index
        client.execute_cell(probe, len(nb.cells) - 1)
    peak = int("".join(o.get("text", "") for o in probe.outputs).strip())
    slowest = max(range(len(times)), key=times.__getitem__)
    return Run(path.stem, round(sum(times), 1), peak, slowest, round(times[slowest], 1))


def rounded_seconds(seconds: float) -> int:
    """What the docs print: whole seconds (at least 1)."""
    return max(1, round(seconds))


def load(path: Path = RUNS_FILE) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `make runs` "
                                "(python -m tools.course.runs)")
    try:
        return json.loads(files.read_text(path))
    except json.JSONDecodeError as e:
        raise files.CourseFileError(f"{path}: invalid JSON at line {e.lineno} column {e.colno} ({e.msg}); "
                                    "measure again with `make runs`") from e


def class_minutes(notebook: Path) -> int:
    """The class time a notebook's opening cell states ("**Estimated time:** N minutes"); what it should
    state is ``class_time.minutes``."""
    intro = files.read_notebook(notebook).cells[0].source
    found = re.search(r"\*\*Estimated time:\*\* (\d+) minutes", intro)
    if not found:
        raise ValueError(f"{notebook.name}: its first cell states no '**Estimated time:** N minutes'")
    return int(found.group(1))


# --- the three places the numbers appear, each with the pattern that finds them -------------------

def run_all_sentence(run: dict) -> str:
    return f'"Run all" takes about {rounded_seconds(run["seconds"])} s on a 2-core CPU'


RUN_ALL = re.compile(r'"Run all" takes about \d+ s on a 2-core CPU')
ESTIMATED = re.compile(r"\*\*Estimated time:\*\* \d+ minutes in class")
TIMING = re.compile(r'^\*\*Timing\.\*\* \d+ minutes in class; "Run all" takes about \d+ s on a 2-core CPU '
                    r'\(peak memory [\d.]+ GB\)\.', re.M)
# A row of the guide's notebook table: "| NN |" (or "| NNa |", an appendix) then five cells (notebook,
# objectives, class time, run time, peak memory); the schedule tables have fewer columns.
GUIDE_ROW = re.compile(r"^\| (?P<n>\d\d[a-z]?) \|(?P<body>(?:[^|\n]*\|){5})$", re.M)


def timing_sentence(run: dict, minutes: int) -> str:
    return (f"**Timing.** {minutes} minutes in class; {run_all_sentence(run)} "
            f"(peak memory {run['peak_mb'] / 1000:.1f} GB).")


def guide_cells(run: dict, minutes: int) -> list[str]:
    """The last three columns of the course guide's row: class time, run time, peak memory."""
    return [f"{minutes} min", f"{rounded_seconds(run['seconds'])} s", f"{run['peak_mb'] / 1000:.1f} GB"]


def _places(runs: dict, root: Path, notebooks: bool = True):
    """Each place a notebook's numbers appear: (path, text now, text with the measured numbers); the
    notebooks' opening cells only if ``notebooks``."""
    by_number = {notebook_number(name): run for name, run in runs["notebooks"].items()}
    in_class = {number: class_time.minutes(root / "notebooks" / f"{run['notebook']}.ipynb", run)
                for number, run in by_number.items()}
    guide = root / GUIDE.relative_to(ROOT)

    def row(match):
        run = by_number.get(match["n"])
        if run is None:
            return match[0]
        cells = match["body"][:-1].split("|")  # the body ends with the row's last "|"
        measured = [f" {c} " for c in guide_cells(run, in_class[match["n"]])]
        return f"| {match['n']} |" + "|".join(cells[:-3] + measured) + "|"

    text = files.read_text(guide)
    yield guide, text, class_time.fit_plans(GUIDE_ROW.sub(row, text), in_class)
    for number, run in by_number.items():
        notebook = root / "notebooks" / f"{run['notebook']}.ipynb"
        minutes = in_class[number]
        note = root / NOTES.relative_to(ROOT) / f"{number}.md"
        text = files.read_text(note)
        yield note, text, TIMING.sub(timing_sentence(run, minutes), text, count=1)
        if notebooks:
            intro = files.read_notebook(notebook).cells[0].source
            stated = ESTIMATED.sub(f"**Estimated time:** {minutes} minutes in class", intro, count=1)
            yield notebook, intro, RUN_ALL.sub(run_all_sentence(run), stated, count=1)


def disagreements(runs: dict, root: Path = ROOT) -> list[str]:
    """Where the guide, a note or a notebook's opening cell does not state the measured numbers (or
    states them in a form the patterns above do not find)."""
    found = []
    for path, now, measured in _places(runs, root):
        if now != measured:
            found.append(f"{path.relative_to(root)}: its numbers differ from {RUNS_FILE.name} and the "
                         "class-time rule (python -m tools.course.runs --only-write puts them there)")
        elif path.suffix == ".md" and path.parent.name == NOTES.name and not TIMING.search(now):
            found.append(f"{path.relative_to(root)}: no '**Timing.** N minutes in class; \"Run all\" ...' "
                         "sentence opens it")
        elif path.suffix == ".ipynb" and not (RUN_ALL.search(now) and ESTIMATED.search(now)):
            found.append(f"{path.relative_to(root)}: its first cell has no '**Estimated time:** N minutes "
                         "in class; \"Run all\" takes about N s' sentence")
    rows = {m["n"] for m in GUIDE_ROW.finditer(files.read_text(root / GUIDE.relative_to(ROOT)))}
    missing = sorted({notebook_number(name) for name in runs["notebooks"]} - rows)
    if missing:
        found.append(f"{GUIDE.name}: no table row for notebook(s) {', '.join(missing)}")
    return found


def write_numbers(runs: dict, root: Path = ROOT, notebooks: bool = True) -> list[Path]:
    """Put the measured numbers and the class minutes into the guide, the notes and (if ``notebooks``)
    the notebooks' opening cells."""
    changed = []
    for path, now, measured in list(_places(runs, root, notebooks)):
        if now == measured:
            continue
        if path.suffix == ".ipynb":
            nb = files.read_notebook(path)
            nb.cells[0].source = measured
            files.write_notebook(nb, path)
        else:
            files.write_text(path, measured)
        changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.course.runs [--write] [NOTEBOOK...]``: measure, store, and (with --write)
    put the numbers into the docs."""
    parser = argparse.ArgumentParser(prog="python -m tools.course.runs", description=main.__doc__)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--write", action="store_true", help="update the guide, notes and notebook intros")
    parser.add_argument("--only-write", action="store_true", help="do not measure; write the stored numbers")
    args = parser.parse_args(argv)
    try:
        _run(args, parser)
    except ValueError as e:  # a CourseFileError names its file
        parser.exit(1, f"error: {' '.join(str(e).split())}\n")
    return 0


def _run(args, parser) -> None:
    if not args.only_write:
        paths = args.notebooks or sorted(NOTEBOOKS.glob(NOTEBOOK_GLOB))
        for p in paths:
            if not p.is_file():
                parser.error(f"{p} is not a file: give stored notebooks (notebooks/NN_*.ipynb)")
        runs = load() if RUNS_FILE.is_file() and args.notebooks else {"notebooks": {}}
        for p in paths:
            run = measure(p)
            print(f"{run.notebook:32s} {run.seconds:6.1f} s  {run.peak_mb:5d} MB  "
                  f"(slowest: cell {run.slowest_cell}, {run.slowest_seconds:.1f} s)", flush=True)
            runs["notebooks"][run.notebook] = asdict(run)
        runs["notebooks"] = dict(sorted(runs["notebooks"].items()))
        runs["measured"] = datetime.date.today().isoformat()
        runs["machine"] = f"{platform.machine()}, {_cpus()} CPU cores, Python {platform.python_version()}"
        runs["total_seconds"] = round(sum(r["seconds"] for r in runs["notebooks"].values()), 1)
        files.write_text(RUNS_FILE, json.dumps(runs, indent=1) + "\n")
        print(f"total {runs['total_seconds']:.0f} s; written to {RUNS_FILE}")
    if args.write or args.only_write:
        for path in write_numbers(load()):
            print("updated", path)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    raise SystemExit(main())
