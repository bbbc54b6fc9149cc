"""Notebook 09's miniature of Fig. 6: the band rule's verdict and p against hand computations, the stored run
against the command that made it and today's nets, the figure's text against its data, and the notebook's
words against the stored numbers."""
import inspect
import json
import pathlib
import shlex
from fractions import Fraction

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from xception_edu.counting import count_params  # noqa: E402
from xception_edu.experiments import fig6 as experiment  # noqa: E402
from xception_edu.lessons import fig6_miniature as fig6  # noqa: E402
from xception_edu.lessons import figures  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _result(x, i, curves=((0.2, 0.5), (0.4, 0.7))):
    return {"settings": {"seeds": list(range(len(x))), "epochs": len(curves[0]), "n_train": 64},
            "params": {"Xception": 1000, "Inception": 990},
            "train_acc": {"Xception": [list(curves[k % len(curves)]) for k in range(len(x))],
                          "Inception": [list(curves[k % len(curves)]) for k in range(len(i))]},
            "val_acc": {"Xception": list(x), "Inception": list(i)}}


@pytest.mark.parametrize("x,i,said,p", [
    ((0.8, 0.9, 0.85), (0.7, 0.75, 0.79), "agrees", Fraction(1, 20)),      # every seed above every seed
    ((0.6, 0.65), (0.7, 0.9), "disagrees", Fraction(1, 6)),                # every seed below: 1 / C(4, 2)
    ((0.8, 0.7), (0.75, 0.9), "cannot say", Fraction(1, 6)),               # the ranges overlap
    ((0.8, 0.7), (0.8, 0.6), "cannot say", Fraction(1, 6)),                # a tie is no separation
])
def test_the_verdict_is_the_band_rule_with_its_p(x, i, said, p):
    assert fig6.verdict(_result(x, i)) == (said, p)


def test_the_table_says_the_verdict_who_is_ahead_and_the_paired_count():
    live = _result((0.6, 0.65), (0.7, 0.9))
    stored = _result((0.8, 0.9, 0.85, 0.88), (0.7, 0.75, 0.79, 0.95))
    table = fig6.verdict_table(live, stored).splitlines()
    assert table[1].split()[:5] == ["Xception-style", "0.625", "(0.600", "to", "0.650)"]
    assert "Inception-style ahead, p = 1/6" in table[3] and "cannot say (bands overlap)" in table[3]
    assert "0 of 2 seeds" in table[4] and "3 of 4 seeds" in table[4]
    assert table[-1] == f"(stored by: {fig6.COMMAND})"


def test_the_stored_run_is_what_its_command_makes():
    args = shlex.split(fig6.COMMAND)
    assert args[:3] == ["python", "-m", experiment.__name__]
    flags = dict(zip(args[3::2], args[4::2]))
    defaults = {k: v.default for k, v in inspect.signature(experiment.fig6_runs).parameters.items()}
    expected = {k: defaults[k] for k in fig6.STORED["settings"] if k != "seeds"}
    expected.update(epochs=int(flags["--epochs"]), n_train=int(flags["--train-size"]))
    assert fig6.STORED["settings"] == {**expected, "seeds": list(range(int(flags["--seeds"])))}
    n = len(fig6.STORED["settings"]["seeds"])
    for name in experiment.NETS:
        assert len(fig6.STORED["val_acc"][name]) == n
        assert [len(c) for c in fig6.STORED["train_acc"][name]] == [fig6.STORED["settings"]["epochs"]] * n


def test_the_stored_parameters_are_todays_nets_and_equal_within_the_tolerance():
    pair = experiment.matched_pair(fig6.STORED["settings"]["width"])
    assert fig6.STORED["params"] == {name: count_params(pair[name]) for name in experiment.NETS}
    x, i = fig6.STORED["params"]["Xception"], fig6.STORED["params"]["Inception"]
    assert abs(x - i) <= experiment.TOLERANCE * x
    assert fig6.params_line(fig6.STORED) == (f"Xception-style: {x:,} parameters; Inception-style: {i:,} "
                                             f"parameters ({100 * abs(x - i) / x:.1f}% apart; count_params, "
                                             "batch norm included)")


def test_the_figure_keeps_the_style_rules_and_its_text_follows_the_data():
    live = _result((0.6, 0.65), (0.7, 0.9))
    shown = fig6.figure(live)
    figures.check_style(shown)
    assert "Live run (2 seeds, 2 epochs of 64 images): Xception-style from 0.30 after epoch 1 to 0.60 " \
           "(seeds 0.50 to 0.70) after epoch 2" in shown.alt
    assert shown.data[1] == ["live", "Xception-style", 1, "0.300 (0.200 to 0.400)"]
    other = _result((0.6, 0.65), (0.7, 0.9), curves=((0.1, 0.5), (0.4, 0.9)))
    assert fig6.figure(other).alt != shown.alt


def _cell(cell_id) -> str:
    cells = json.loads((ROOT / "notebooks" / "09_train_xception.ipynb").read_text())["cells"]
    return "".join(next(c for c in cells if c.get("id") == cell_id)["source"])


def test_the_notebook_reads_the_stored_run_as_it_is():
    text = " ".join(_cell("nb09-fig6-reading").split())
    acc = fig6.STORED["val_acc"]
    said, p = fig6.verdict(fig6.STORED)
    assert said == "cannot say" and "the band rule cannot say" in text
    ahead = sum(b > a for a, b in zip(acc["Xception"], acc["Inception"]))
    assert f"in {ahead} of {len(acc['Xception'])} seeds" in text
    assert f"p = 1/{p.denominator}" in text


def test_the_instructor_notes_quote_the_stored_run():
    notes = " ".join((ROOT / "docs" / "instructor-notes" / "09.md").read_text().split())
    x, i = fig6.STORED["params"]["Xception"], fig6.STORED["params"]["Inception"]
    acc = fig6.STORED["val_acc"]
    assert f"{x:,} and {i:,} parameters ({100 * abs(x - i) / x:.1f} % apart" in notes
    assert f"held-out accuracy {fig6._acc(acc['Xception'])} against {fig6._acc(acc['Inception'])}" in notes
    assert fig6.COMMAND.removeprefix("python ") in notes


def test_the_stored_training_cells_print_no_warning_no_temporary_path_and_no_stale_bar():
    cells = json.loads((ROOT / "notebooks" / "09_train_xception.ipynb").read_text())["cells"]
    outputs = [(c.get("id"), o) for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
    stderr = [cid for cid, o in outputs if o.get("name") == "stderr"]
    texts = [(cid, "".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", "")))
             for cid, o in outputs]
    assert not stderr, f"cells that print to stderr (a pink box in JupyterLab): {stderr}"
    assert not [cid for cid, t in texts if "/tmp" in t], "a cell prints a temporary path"
    assert not [cid for cid, t in texts if "0%|" in t], "a cell keeps a progress bar at 0%"
