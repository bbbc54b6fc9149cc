"""Notebook 10's verdicts: each comparison of Figs 9, 10 and the spectrum judged by the bands rule
on hand-made runs whose verdicts are known by construction, clear errors on bad input, and the stored
notebook's text stating exactly the verdicts its stored run printed."""
import json
import pathlib
import re

import nbformat
import pytest

from xception_edu.lessons import nb10_ablations as nb10

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "10_ablations_and_spectrum.ipynb"


_STATED = re.compile(r"Verdict on (?P<comparison>[^:*\n]+? > [^:*\n]+?): \*\*(?P<verdict>agrees|disagrees|"
                     r"cannot say)\*\*")
_PRINTED = re.compile(r"^(?P<comparison>[^:\n]+? > [^:\n]+?): (?P<verdict>agrees|disagrees|cannot say) \(",
                      re.M)


def stated_verdicts(notebook) -> dict[str, str]:
    """What a notebook's text says: every "Verdict on <better> > <worse>: **<verdict>**" of its markdown
    cells (line breaks read as spaces), as {comparison: verdict}; a comparison stated twice must be stated
    the same way."""
    cells = json.loads(pathlib.Path(notebook).read_text())["cells"]
    stated: dict[str, str] = {}
    for c in cells:
        if c["cell_type"] == "markdown":
            for m in _STATED.finditer(" ".join("".join(c["source"]).split())):  # a marker may wrap
                if stated.setdefault(m["comparison"], m["verdict"]) != m["verdict"]:
                    raise ValueError(f"{notebook}: the text states {m['comparison']!r} as both "
                                     f"{stated[m['comparison']]!r} and {m['verdict']!r}")
    return stated


def printed_verdicts(text: str) -> dict[str, str]:
    """The verdict table that ``format_verdicts`` printed, read back from a cell's output."""
    return {m["comparison"]: m["verdict"] for m in _PRINTED.finditer(text)}


def runs(config, *accuracies):
    return [{"config": config, "seed": s, "final_val_acc": a} for s, a in enumerate(accuracies)]


NAMES = ("residual", "no residual", "no activation", "ELU", "ReLU", "g=1", "g=8", "depthwise (g=C)")


def grids(accuracies: dict):
    """Rows of the three grids with every configuration the comparisons name (0.5 for those not given)."""
    rows = {name: runs(name, *accuracies.get(name, (0.5, 0.5, 0.5))) for name in NAMES}
    return ([*rows["residual"], *rows["no residual"]], [*rows["no activation"], *rows["ELU"], *rows["ReLU"]],
            [*rows["g=1"], *rows["g=8"], *rows["depthwise (g=C)"]])


def test_each_comparison_follows_the_bands():
    found = nb10.verdicts(*grids({
        "residual": (0.60, 0.70, 0.65), "no residual": (0.40, 0.50, 0.59),       # apart: agrees
        "no activation": (0.30, 0.35, 0.32), "ELU": (0.40, 0.45, 0.41),          # reversed: disagrees
        "ReLU": (0.30, 0.42, 0.50),                                              # overlaps ELU and none
        "depthwise (g=C)": (0.50, 0.60, 0.55), "g=1": (0.40, 0.45, 0.50),        # g=1's best = g=C's worst
        "g=8": (0.20, 0.30, 0.49)}))                                             # just below: agrees
    assert [(v.comparison, v.verdict) for v in found] == [
        ("residual > no residual", "agrees"), ("no activation > ELU", "disagrees"),
        ("ELU > ReLU", "cannot say"), ("no activation > ReLU", "cannot say"),
        ("depthwise (g=C) > g=1", "cannot say"),  # touching ends are no verdict
        ("depthwise (g=C) > g=8", "agrees")]
    assert [v.paper for v in found] == [p for _, _, p in nb10.COMPARISONS]
    assert found[0].better_values == (0.60, 0.70, 0.65) and found[0].worse_values == (0.40, 0.50, 0.59)


def test_sentences_give_the_ranges_and_read_back():
    found = nb10.verdicts(*grids({"residual": (0.60, 0.70), "no residual": (0.40, 0.50),
                                  "no activation": (0.2, 0.3), "ELU": (0.4, 0.5)}))
    lines = nb10.format_verdicts(found).splitlines()
    assert lines[0] == ("residual > no residual: agrees (every seed of residual (0.600-0.700) above every "
                        'seed of no residual (0.400-0.500); Fig. 9: residuals are "clearly essential")')
    assert lines[1].startswith("no activation > ELU: disagrees (every seed of ELU (0.400-0.500) above every "
                               "seed of no activation (0.200-0.300)")
    assert "the seed ranges 0.400-0.500 and 0.500-0.500 overlap or touch" in lines[2]  # touching
    assert printed_verdicts("some log line\n" + "\n".join(lines)) == {
        v.comparison: v.verdict for v in found}


def test_a_missing_configuration_is_named():
    rows9, rows10, rows_s = grids({})
    with pytest.raises(ValueError, match=r"no runs of \['ReLU'\].*'ELU'"):
        nb10.verdicts(rows9, [r for r in rows10 if r["config"] != "ReLU"], rows_s)
    with pytest.raises(ValueError, match=r"no runs of \['residual', 'no residual'\]"):
        nb10.verdicts([], rows10, rows_s)


def _notebook(tmp_path, *markdown):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(m) for m in markdown])
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_stated_verdicts_are_read_from_the_markdown(tmp_path):
    path = _notebook(tmp_path, "So: Verdict on residual > no residual: **agrees**. And more.",
                     "Verdict on depthwise (g=C) > g=8: **cannot say**, and again: Verdict on\n"
                     "residual > no residual:\n**agrees**.")  # a marker may wrap across lines
    assert stated_verdicts(path) == {"residual > no residual": "agrees",
                                          "depthwise (g=C) > g=8": "cannot say"}


def test_a_comparison_stated_two_ways_is_refused(tmp_path):
    path = _notebook(tmp_path, "Verdict on ELU > ReLU: **agrees**.", "Verdict on ELU > ReLU: **cannot say**.")
    with pytest.raises(ValueError, match="'ELU > ReLU' as both 'agrees' and 'cannot say'"):
        stated_verdicts(path)


# --- the stored notebook: its text says what its stored run printed ----------------------------------------

def _outputs(nb):
    return "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c["outputs"])


_SUMMARY = re.compile(r"^\s*(?P<config>\S.*?)\s+[\d,]+\s+\d+\s+\d\.\d{3} ± \d\.\d{3}\s+(?P<min>\d\.\d{3})\s+"
                      r"(?P<max>\d\.\d{3})\s+[\d.]+$", re.M)


def test_the_text_states_the_stored_runs_verdicts():
    nb = json.loads(NOTEBOOK.read_text())
    out = _outputs(nb)
    printed = printed_verdicts(out)
    stated = stated_verdicts(NOTEBOOK)
    assert set(printed) == {f"{b} > {w}" for b, w, _ in nb10.COMPARISONS}
    assert stated == printed
    # ... and the printed verdicts are the bands rule on the stored summary tables (min and max per config).
    ranges = {m["config"]: (float(m["min"]), float(m["max"])) for m in _SUMMARY.finditer(out)}
    for comparison, verdict in printed.items():
        better, worse = (ranges[name] for name in comparison.split(" > "))
        want = ("agrees" if better[0] > worse[1] else "disagrees" if worse[0] > better[1] else "cannot say")
        assert verdict == want, comparison
