"""Notebook 10's figures as a learner meets them: each passes the suite's style check (no colour-only
series, text >= 9 pt, no legend over data), and its text alternative and table are computed from the runs
it draws (change a run, the text changes), against statistics computed here."""
import matplotlib

matplotlib.use("Agg")
import re  # noqa: E402
import statistics  # noqa: E402

import pytest  # noqa: E402

from xception_edu.lessons import figures  # noqa: E402
from xception_edu.lessons import nb10_ablations as nb10  # noqa: E402


def runs(config, accs, losses):
    """A result row per seed with only what the figures read: a curve of val_acc and train_loss."""
    return [{"config": config, "seed": s, "history": [{"epoch": e + 1, "val_acc": a, "train_loss": loss}
                                                      for e, (a, loss) in enumerate(zip(acc, lo))]}
            for s, (acc, lo) in enumerate(zip(accs, losses))]


ROWS = (runs("none", [[0.3, 0.5, 0.62], [0.35, 0.55, 0.58]], [[2.0, 1.5, 1.2], [2.1, 1.6, 1.3]])
        + runs("ELU", [[0.3, 0.45, 0.50], [0.25, 0.4, 0.56]], [[2.0, 1.7, 1.4], [2.2, 1.8, 1.5]])
        + runs("ReLU", [[0.2, 0.3, 0.35]], [[2.3, 2.0, 1.9]]))


def test_curves_pass_the_style_check_and_state_each_configurations_last_epoch():
    d = nb10.curves_described(ROWS, title="Fig. 10 (ours)")
    figures.check_style(d)
    assert d.alt.startswith("Fig. 10 (ours): training loss and validation accuracy against epochs")
    for name in ("none", "ELU", "ReLU"):
        acc = [r["history"][-1]["val_acc"] for r in ROWS if r["config"] == name]
        want = f"validation accuracy {statistics.fmean(acc):.3f} ({min(acc):.3f} to {max(acc):.3f})"
        assert re.search(rf"{name} \(\d seeds?\) at epoch 3: training loss [^;]*, {re.escape(want)}", d.alt)
    assert "ReLU (1 seed)" in d.alt  # not "1 seeds"
    # the table: one row per configuration and epoch, the mean and range of each metric there
    assert d.data[0][:3] == ["configuration", "seeds", "epoch"] and len(d.data) == 1 + 3 * 3
    none_epoch2 = next(row for row in d.data if row[0] == "none" and row[2] == 2)
    assert none_epoch2[3:] == ["1.550 (1.500 to 1.600)", "0.525 (0.500 to 0.550)"]


def test_the_curves_text_follows_the_data():
    changed = [dict(r, history=[dict(h, val_acc=h["val_acc"] / 2) for h in r["history"]]) for r in ROWS]
    before, after = (nb10.curves_described(rows, ("val_acc",)) for rows in (ROWS, changed))
    assert before.alt != after.alt and before.data != after.data
    assert "none (2 seeds) at epoch 3: validation accuracy 0.300 (0.290 to 0.310)" in after.alt


def test_the_curves_tell_configurations_apart_by_more_than_colour():
    ax = nb10.curves_described(ROWS, ("val_acc",)).fig.axes[0]
    means = [line for line in ax.lines if not line.get_label().startswith("_")]
    assert len({(m.get_linestyle(), m.get_marker()) for m in means}) == len(means) == 3
    assert [m.get_color() for m in means] == list(figures.PALETTE[:3])


def spectrum_rows(acc_g1=(0.30, 0.35, 0.40)):
    acc = {"g=1": acc_g1, "depthwise (g=C)": (0.50, 0.55, 0.52)}
    params, groups = {"g=1": 153_528, "depthwise (g=C)": 159_600}, {"g=1": "1", "depthwise (g=C)": "C"}
    return [{"config": c, "groups": groups[c], "params": params[c], "final_val_acc": a,
             "s_per_step": 0.03 + 0.001 * i} for c in acc for i, a in enumerate(acc[c])]


def test_spectrum_passes_the_style_check_and_states_mean_std_and_time():
    d = nb10.spectrum_described(spectrum_rows(), title="The spectrum (ours)")
    figures.check_style(d)
    g1 = [0.30, 0.35, 0.40]
    assert f"g=1 (153,528 parameters) {statistics.fmean(g1):.3f} ± {statistics.stdev(g1):.3f}" in d.alt
    assert "depthwise (g=C) 31.0 ± 1.0 ms" in d.alt  # 30, 31, 32 ms per step
    assert d.data[1] == ["g=1", "1", "153,528", 3, "0.350 ± 0.050", "0.300 to 0.400", "31.0 ± 1.0"]
    assert d.data[2][1] == "C"


def test_the_spectrum_text_follows_the_data():
    before, after = (nb10.spectrum_described(spectrum_rows(acc)).alt
                     for acc in ((0.3, 0.35, 0.4), (0.6, 0.6, 0.6)))
    assert before != after and "g=1 (153,528 parameters) 0.600 ± 0.000" in after


@pytest.mark.parametrize("metric", ["val_acc", "train_loss"])
def test_the_widgets_drawing_is_named_and_described_by_its_numbers(metric):
    view = nb10.results_view({"Fig. 10": ROWS}, "Fig. 10", metric, 3)
    svg = view[view.index("<svg"):view.index("</svg>")]
    assert 'role="img"' in svg and "viewBox=" in svg
    assert re.search(r"<title[^>]*>Fig\. 10: [a-z ]+ after epoch 3</title>", svg)
    for s in nb10.epoch_summary(ROWS, metric, 3):
        assert f"{s['config']}: mean {s['mean']:.3f}, seeds from {s['min']:.3f} to {s['max']:.3f}" in svg
    assert min(float(f) for f in re.findall(r'font-size="([\d.]+)"', svg)) >= 12
