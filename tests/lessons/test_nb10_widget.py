"""Notebook 10's widget: the runs already trained, per grid, metric and epoch (no training), against
statistics computed here on small synthetic result rows."""
import re
import statistics

import pytest
import traitlets

from xception_edu.lessons import nb10_ablations as nb10


def run(config, seed, val_acc, val_loss=None, train_loss=None):
    """A result row as ``ablations.train_run`` makes it, with only what the widget reads: its curve."""
    n = len(val_acc)
    val_loss = val_loss or [2.0 - v for v in val_acc]
    train_loss = train_loss or [1.5 - v for v in val_acc]
    return {"config": config, "seed": seed,
            "history": [{"epoch": e + 1, "val_acc": val_acc[e], "val_loss": val_loss[e],
                         "train_loss": train_loss[e], "train_acc": 0.5} for e in range(n)]}


# Fig. 9-like: at epoch 3 the bands separate (worst residual 0.6 > best plain 0.5); at epoch 1 they overlap.
FIG9 = [run("residual", 0, [0.20, 0.40, 0.60]), run("residual", 1, [0.30, 0.45, 0.70]),
        run("residual", 2, [0.25, 0.50, 0.65]),
        run("no residual", 0, [0.22, 0.30, 0.40]), run("no residual", 1, [0.28, 0.35, 0.50]),
        run("no residual", 2, [0.18, 0.25, 0.45])]
FIG10 = [run("none", s, [0.3 + 0.1 * s, 0.5, 0.6 - 0.05 * s]) for s in range(3)] + \
        [run("ReLU", s, [0.2 + 0.1 * s, 0.4, 0.55 + 0.01 * s]) for s in range(3)]
GRIDS = {"Fig. 9": FIG9, "Fig. 10": FIG10}


def expected(rows, metric, epoch):
    values = {}
    for r in rows:
        values.setdefault(r["config"], []).extend(h[metric] for h in r["history"] if h["epoch"] == epoch)
    return {c: (statistics.mean(v), statistics.stdev(v), min(v), max(v), len(v)) for c, v in values.items()}


@pytest.mark.parametrize("grid", list(GRIDS))
@pytest.mark.parametrize("metric", ["val_acc", "val_loss", "train_loss"])
@pytest.mark.parametrize("epoch", [1, 2, 3])
def test_summary_is_mean_std_min_max_over_seeds_at_that_epoch(grid, metric, epoch):
    got = {s["config"]: (s["mean"], s["std"], s["min"], s["max"], s["n"])
           for s in nb10.epoch_summary(GRIDS[grid], metric, epoch)}
    want = expected(GRIDS[grid], metric, epoch)
    assert list(got) == list(want)  # the rows' order
    for c in want:
        assert got[c] == pytest.approx(want[c])


def test_view_shows_the_numbers_of_every_configuration():
    html = nb10.results_view(GRIDS, "Fig. 9", "val_acc", 3)
    table = re.findall(r"<tr><th scope='row'[^>]*>(.*?)</th>" + r"<td[^>]*>(.*?)</td>" * 5 + "</tr>", html)
    want = expected(FIG9, "val_acc", 3)
    assert [t[0] for t in table] == list(want)
    for name, n, *numbers in table:
        mean, std, lo, hi, count = want[name]
        assert int(n) == count
        assert numbers == [f"{v:.3f}" for v in (mean, std, lo, hi)]
    assert html.count("<circle") == len(FIG9)  # one dot per seed


def test_verdict_follows_the_bands_rule():
    late = nb10.results_view(GRIDS, "Fig. 9", "val_acc", 3)
    early = nb10.results_view(GRIDS, "Fig. 9", "val_acc", 1)
    assert "<b>residual</b> ahead of no residual" in late and "bands separate" in late
    assert "overlap" in early and "ahead" not in early
    # For a loss lower is better: residual's losses (2 - acc) are the lower ones, so it leads again.
    assert "<b>residual</b> ahead of no residual" in nb10.results_view(GRIDS, "Fig. 9", "val_loss", 3)


def test_touching_bands_are_not_separate():
    a = dict(config="a", mean=0.6, min=0.5, max=0.7)
    b = dict(config="b", mean=0.4, min=0.3, max=0.5)  # b's best equals a's worst
    assert "overlap" in nb10.verdict(a, b, "val_acc")
    b["max"] = 0.49
    assert "<b>a</b> ahead of b" in nb10.verdict(a, b, "val_acc")
    assert "<b>b</b> ahead of a" in nb10.verdict(a, b, "val_loss")


def test_app_redraws_the_view_of_its_controls():
    app = nb10.results_explorer(GRIDS)
    assert app.values == {"grid": "Fig. 9", "metric": "val_acc", "epoch": 3}
    app.set(grid="Fig. 10", metric="train_loss", epoch=2)
    assert app.rendering()["text/html"] == nb10.results_view(GRIDS, "Fig. 10", "train_loss", 2)
    assert app.controls["epoch"].options == (1, 2, 3)


@pytest.mark.parametrize("bad", [dict(grid="Fig. 11"), dict(metric="val_accuracy"), dict(epoch=4),
                                 dict(epoch=0)])
def test_invalid_values_are_refused_with_the_valid_ones(bad):
    args = {"grid": "Fig. 9", "metric": "val_acc", "epoch": 3, **bad}
    (name, value), = bad.items()
    with pytest.raises(ValueError, match=rf"{name}={value!r} is not one of"):
        nb10.results_view(GRIDS, **args)
    with pytest.raises(ValueError, match=rf"{name}={value!r} is not one of"):
        nb10.results_explorer(GRIDS, **bad)
    app = nb10.results_explorer(GRIDS)
    with pytest.raises(traitlets.TraitError):
        app.set(**bad)


def test_epochs_offered_are_those_every_run_has():
    short = GRIDS | {"short": [run("x", 0, [0.1, 0.2])]}
    assert nb10.results_explorer(short).controls["epoch"].options == (1, 2)
    with pytest.raises(ValueError, match="epoch=3 is not one of"):
        nb10.results_view(short, "short", "val_acc", 3)


def test_no_runs_is_refused():
    with pytest.raises(ValueError, match="needs grids of trained runs"):
        nb10.results_explorer({"empty": []})
