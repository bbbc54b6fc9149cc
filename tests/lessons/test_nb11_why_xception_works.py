"""Notebook 11: the evidence table against its sources (the reference notes on the paper, docs/benchmarks.md,
the stored notebooks 05 and 10, parameter counts recomputed with timm and torchvision), the equal-budget
widget against closed forms and traced counts, and the exercise checks (the argument picture:
test_argument_picture.py)."""
import json
import pathlib
import re

import pytest
import torch
import torch.nn as nn

from xception_edu import counting
from xception_edu.lessons import evidence
from xception_edu.lessons import nb11_why_xception_works as nb11

ROOT = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "xception-paper.md"


def _reference() -> str:
    if not REFERENCE.is_file():
        pytest.skip(f"the project's reference notes are not at {REFERENCE}")
    return REFERENCE.read_text()


def _line(text, start):
    return next(line for line in text.splitlines() if line.startswith(start))


# --- the paper's values against the reference -------------------------------------------------------------

def test_table_1_is_the_references():
    line = _line(_reference(), "- Table 1")
    found = {m[1]: (float(m[2]), float(m[3]))
             for m in re.finditer(r"(VGG-16|ResNet-152|Inception V3|Xception) (\d\.\d+)/(\d\.\d+)", line)}
    assert found == evidence.TABLE1


def test_table_2_is_the_references():
    line = _line(_reference(), "- Table 2")
    inc_without, x_without, inc_with, x_with = (float(v) for v in re.findall(r"\b\d\.\d\d\b", line))
    assert evidence.TABLE2 == {"Inception V3": (inc_without, inc_with), "Xception": (x_without, x_with)}


def test_table_3_is_the_references():
    line = _line(_reference(), "- Table 3")
    found = {m[1]: (int(m[2].replace(",", "")), int(m[3]))
             for m in re.finditer(r"(Inception V3|Xception) ([\d,]+) parameters, (\d+) steps/s", line)}
    assert found == evidence.TABLE3 and "60 K80 GPUs" in line


def test_the_rows_quote_the_tables():
    by_cited = {}
    for r in evidence.ROWS:
        by_cited.setdefault(r.cited.split(",")[0], []).append(r.paper)
    assert all(f"{v:.3f}" in by_cited["Table 1"][0] for v in evidence.TABLE1["Xception"])
    assert all(str(v) in by_cited["Table 2"][0] for pair in evidence.TABLE2.values() for v in pair)
    assert f"{evidence.TABLE3['Xception'][0]:,}" in by_cited["Table 3"][0]
    assert f"{evidence.TABLE3['Inception V3'][0]:,}" in by_cited["Table 3"][1]


def test_every_row_cites_the_paper_and_gives_a_verdict_with_a_reason():
    for r in evidence.ROWS:
        assert re.match(r"(Tables? \d|Figs?\.? [\d-]+|Sec\. \d)", r.cited), r.cited
        assert r.verdict in evidence.VERDICTS and r.why and r.claim
        if r.ours == "not measured":
            assert r.verdict == "cannot say", f"{r.claim}: nothing measured, so nothing to agree with"


def test_a_row_with_an_unknown_verdict_is_refused():
    with pytest.raises(ValueError, match="'probably'.*agrees"):
        evidence.Row("c", "p", "Table 1", "o", "w", "probably", "why")


# --- ours against where it was measured -----------------------------------------------------------------

def test_table_3_counts_recomputed_with_timm_and_the_reference():
    timm = pytest.importorskip("timm")
    counts = evidence.table3_counts()
    with torch.device("meta"):
        keras_port = counting.count_params(timm.create_model("legacy_xception", pretrained=False))
    assert counts["Xception (ours)"] == keras_port == evidence.TABLE3["Xception"][0]
    torchvision_line = _line(_reference(), "- torchvision `inception_v3(aux_logits=False)`")
    assert f"{counts['Inception V3 (torchvision, aux_logits=False)']:,} parameters" in torchvision_line
    inception_row = next(r for r in evidence.ROWS if r.claim == "Inception V3's size")
    for aux in (False, True):
        assert f"{counts[f'Inception V3 (torchvision, aux_logits={aux})']:,}" in inception_row.ours


def test_cpu_steps_per_second_are_docs_benchmarks():
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    rows = {m[1].strip(): int(m[2]) for m in re.finditer(r"^\| ([^|]+?) \| [\d.]+ \| (\d+) \|", text, re.M)}
    assert evidence.CPU_MS_PER_STEP == {
        "ours": rows["ours (channels_last, the default path)"],
        "torchvision inception_v3": rows["torchvision inception_v3 (channels_last)"]}
    speed = next(r for r in evidence.ROWS if r.claim.startswith("Xception trains"))
    assert f"{1000 / rows['ours (channels_last, the default path)']:.2f} vs " in speed.ours


_SUMMARY = re.compile(r"^\s*(?P<config>\S.*?)\s+[\d,]+\s+\d+\s+(?P<ms>\d\.\d{3} ± \d\.\d{3})\s+"
                      r"(?P<min>\d\.\d{3})\s+(?P<max>\d\.\d{3})\s+[\d.]+$", re.M)


def _stored_summaries(name):
    nb = json.loads((ROOT / "notebooks" / name).read_text())
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c["outputs"])
    return {m["config"]: m for m in _SUMMARY.finditer(text)}


def test_small_scale_rows_are_notebook_10s_stored_results_and_their_verdicts_follow_the_rule():
    stored = _stored_summaries("10_ablations_and_spectrum.ipynb")
    rows = [r for r in evidence.ROWS if r.compare]
    assert len(rows) >= 4
    for r in rows:
        better, worse = (stored[name] for name in r.compare)
        for s in (better, worse):
            assert s["ms"] in r.ours, f"{r.claim}: notebook 10 stored {s['config']} = {s['ms']}"
        ranges = [[float(s["min"]), float(s["max"])] for s in (better, worse)]
        assert evidence.band_verdict(*ranges) == r.verdict, r.claim


def test_miniature_rows_follow_the_band_rule_on_notebook_05s_run_under_its_seeds():
    from xception_edu.lessons import nb05_depthwise_separable as nb05

    rows = [r for r in evidence.ROWS if r.miniature]
    runs = nb05.fig10_miniature(activations=(None, "elu", "relu"), seeds=(0, 1, 2))  # the notebook's call
    end = {name: losses[:, -10:].mean(1) for name, losses in runs.items()}  # its end loss, per seed
    assert len(rows) >= 3 and all("notebook 05" in r.where for r in rows)
    for r in rows:
        better, worse = (end[name] for name in r.miniature)
        assert evidence.band_verdict(-better, -worse) == r.verdict, r.claim  # a lower loss is better
    # the gap the rows call "less than 0.01"; the mean puts ELU ahead of no activation, the rule does not
    assert 0 < end["relu"].min() - end[None].max() < 0.01
    assert min(end, key=lambda name: end[name].mean()) == "elu" and end[None].min() < end["elu"].max()


@pytest.mark.parametrize("better,worse,want", [
    ([0.6, 0.7], [0.4, 0.5], "agrees"), ([0.4, 0.5], [0.6, 0.7], "disagrees"),
    ([0.5, 0.7], [0.6, 0.65], "cannot say"), ([0.5, 0.6], [0.4, 0.5], "cannot say"),  # touching ends
    ([0.9, 0.1], [0.5], "cannot say")])
def test_band_verdict(better, worse, want):
    assert evidence.band_verdict(better, worse) == want


def test_band_verdict_refuses_an_empty_side():
    with pytest.raises(ValueError, match="at least one value"):
        evidence.band_verdict([], [0.5])


def test_evidence_html_shows_every_row():
    html = nb11.evidence_html()
    assert html.count("<tr>") == len(evidence.ROWS) + 1
    for r in evidence.ROWS:
        assert r.verdict in html and r.cited in html


# --- Sec. 5 at an equal budget: the widget ------------------------------------------------------------------

def _block_params(c, g):
    """Weights of a 3x3 conv in g groups then a 1x1, counted on torch's own modules (g="C": depthwise)."""
    g = c if g == "C" else g
    return counting.count_params(nn.Sequential(nn.Conv2d(c, c, 3, groups=g, bias=False),
                                               nn.Conv2d(c, c, 1, bias=False)))


@pytest.mark.parametrize("budget", nb11.BUDGET_CHOICES)
@pytest.mark.parametrize("g", nb11.GROUP_CHOICES)
def test_block_width_is_the_widest_multiple_of_g_within_the_budget(budget, g):
    try:
        c = nb11.block_width(budget, g)
    except ValueError:
        assert 9 * g + g * g > budget  # not even g channels fit
        return
    step = 1 if g == "C" else g
    spatial = 9 * c if g == "C" else 9 * c * c // g
    assert c % step == 0 and spatial + c * c == _block_params(c, g) <= budget
    assert _block_params(c + step, g) > budget


@pytest.mark.parametrize("budget,g", [(2_000, 1), (20_000, 8), (100_000, "C"), (200_000, 32)])
def test_budget_view_shows_width_params_and_traced_macs(budget, g):
    c = nb11.block_width(budget, g)
    block = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, groups=c if g == "C" else g, bias=False),
                          nn.Conv2d(c, c, 1, bias=False))
    traced = counting.measure(block, (1, c, nb11.MAP_SIZE, nb11.MAP_SIZE))
    html = nb11.budget_view(budget, g, time_it=False)
    assert f"<span class='xe-width'>width {c} channels</span>" in html
    assert f"<span class='xe-params'>parameters: {traced.params:,}</span>" in html
    assert f"<span class='xe-macs'>multiply-adds: {traced.macs:,}</span>" in html
    assert "xe-time" not in html


def test_budget_view_lists_every_offered_g_with_the_chosen_one_marked():
    for g in nb11.GROUP_CHOICES:
        html = nb11.budget_view(20_000, g, time_it=False)
        rows = re.findall(r"<tr( style='[^']*')?><th scope='row'[^>]*>([^<]+)</th>", html)
        assert [label for _, label in rows] == [nb11._g_label(h) for h in nb11.GROUP_CHOICES]
        assert [label for style, label in rows if style] == [nb11._g_label(g)]
        assert f"(bold: g = {nb11._g_label(g)})</caption>" in html


def test_budget_view_untimed_says_no_timing_and_every_count():
    """Untimed (the static site's views): no timing clause left dangling, every count still there, and
    otherwise the timed text word for word."""
    budget, g = 20_000, 8
    untimed = nb11.budget_view(budget, g, time_it=False)
    assert not re.search(r"xe-time|forward pass|\bms\b|median|thread|machine", untimed, re.IGNORECASE)
    for h in nb11.GROUP_CHOICES:
        q = nb11.budget_point(budget, h, time_it=False)
        assert f"<td data-head='multiply-adds' style='text-align:right'>{q.macs:,}</td>" in untimed
        assert f"<td data-head='width C' style='text-align:right'>{q.channels}</td>" in untimed
    p = nb11.budget_point(budget, g, time_it=False)
    for said in (f"width {p.channels} channels", f"parameters: {p.params:,}", f"multiply-adds: {p.macs:,}"):
        assert said in untimed
    timed = nb11.budget_view(budget, g)
    clause = re.search(r"; <span class='xe-time'>forward pass: [\d.]+ ms</span> "
                       r"\(median, one image, one thread, this machine\)(?=</p>)", timed)
    assert clause and timed.replace(clause.group(0), "") == untimed


def test_budget_point_times_the_block():
    p = nb11.budget_point(5_000, 4, repeats=2)
    assert p.ms is not None and p.ms > 0 and p.g == 4
    assert nb11.budget_point(5_000, "C", time_it=False).g == nb11.block_width(5_000, "C")


@pytest.mark.parametrize("kwargs,match", [
    (dict(budget=1234, groups=8), "budget=1234 is not one of"), (dict(budget=20_000, groups=3), "groups=3"),
])
def test_budget_view_refuses_values_the_widget_does_not_offer(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nb11.budget_view(time_it=False, **kwargs)


@pytest.mark.parametrize("budget,groups,match", [
    (100, 32, "budget=100 parameters does not fit even 32 channels"), (0, 1, "budget must be a positive"),
    (2_000, 0, "groups must be a positive integer or 'C'"), (2_000, None, "got None"),
    (2_000.5, 1, "budget must be a positive")])
def test_block_width_bad_input(budget, groups, match):
    with pytest.raises(ValueError, match=match):
        nb11.block_width(budget, groups)


def test_budget_explorer_follows_its_controls():
    app = nb11.budget_explorer(budget=20_000, groups=8)
    assert app.values == {"budget": 20_000, "groups": 8}
    app.set(budget=50_000, groups="C")
    assert f"width {nb11.block_width(50_000, 'C')} channels" in app.view()
    with pytest.raises(ValueError, match="budget=3 is not one of"):
        nb11.budget_explorer(budget=3)


# --- the exercise checks ----------------------------------------------------------------------------------

def test_width_check_names_the_missing_multiple_of_g():
    import math

    result = nb11.check("11.width_at_budget", lambda b, g: math.isqrt(b * g // (g + 9)), quiet=True)
    assert not result and "multiple of g" in result.message


def test_width_check_catches_a_too_wide_answer():
    result = nb11.check("11.width_at_budget", lambda b, g: nb11.block_width(b, g) + g, quiet=True)
    assert not result and "Too wide" in result.message


def test_verdict_check_names_comparing_means():
    def by_means(better, worse):
        return "agrees" if sum(better) / len(better) > sum(worse) / len(worse) else "disagrees"

    result = nb11.check("11.verdict", by_means, quiet=True)
    assert not result and "ranges, not the means" in result.message


def test_the_checks_pass_the_package_functions():
    assert nb11.check("11.width_at_budget", nb11.block_width, quiet=True)
    assert nb11.check("11.verdict", evidence.band_verdict, quiet=True)
