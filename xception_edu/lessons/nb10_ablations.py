"""Notebook 10, the ablations of Figs 9 and 10 (Sec. 4) and the spectrum of Sec. 1.2 whose intermediate
points Sec. 5 leaves open: their figures (``ablation_figures``), the exercise checks, the widget that
explores the runs already trained (no training in it), and the verdict of each comparison by the bands
rule beside the verdict the notebook's text states. The grids run in ``experiments/ablations.py``."""

from __future__ import annotations

import functools
import html
import statistics
from dataclasses import dataclass

import ipywidgets as W

from ..exercises import Mismatch, attempt, check, register
from ..experiments import ablations
from ..experiments.summary import band_p_value, band_verdict
from .ablation_figures import curves_described, plot_curves, plot_spectrum, spectrum_described
from .app import App, check_choices
from .checking import Mistake, closed_form
from .figures import PALETTE
from .html_table import stacking_table
from .svg import svg_root

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "CLAIMS", "COMPARISONS", "Verdict", "band_p_value", "check", "curves_described", "epoch_summary",
    "format_verdicts", "plot_curves", "plot_spectrum", "results_explorer", "results_view",
    "spectrum_described", "verdict_sentence", "verdicts",
]


# --- the widget: the trained runs at any epoch ------------------------------------------------------------

METRICS = {"val_acc": "validation accuracy", "val_loss": "validation loss", "train_loss": "training loss"}
"""What the explorer offers, and which way is better: accuracy up, losses down."""


def _epochs(rows: list[dict]) -> list[int]:
    """The epochs every run of ``rows`` has in its curve (a shorter run limits them all)."""
    sets = [{h["epoch"] for h in r["history"]} for r in rows]
    return sorted(set.intersection(*sets)) if sets else []


def epoch_summary(rows: list[dict], metric: str, epoch: int) -> list[dict]:
    """Per configuration (in the rows' order), ``metric`` at ``epoch`` over its seeds: n, mean, sample std
    (``ablations.mean_std``), min, max and the values themselves; what Figs 9/10's curves show at one x."""
    check_choices(metric=(metric, tuple(METRICS)), epoch=(epoch, tuple(_epochs(rows))))
    out: dict[str, list[float]] = {}
    for r in rows:
        (value,) = [h[metric] for h in r["history"] if h["epoch"] == epoch]
        if value is None:
            raise ValueError(f"{r['config']} seed {r['seed']} has no {metric} at epoch {epoch}")
        out.setdefault(r["config"], []).append(float(value))
    summary = []
    for name, values in out.items():
        mean, std = ablations.mean_std(values)
        summary.append(dict(config=name, n=len(values), mean=mean, std=std, min=min(values), max=max(values),
                            values=values))
    return summary


def verdict(a: dict, b: dict, metric: str) -> str:
    """The notebook's rule: a difference is real only when the min-max bands over seeds do not overlap."""
    sign = 1 if metric.endswith("acc") else -1  # band_verdict reads higher as better; a loss the other way
    said = band_verdict([sign * a["min"], sign * a["max"]], [sign * b["min"], sign * b["max"]])
    if said != "cannot say":
        lead, other = (a, b) if said == "agrees" else (b, a)
        return (f"<b>{html.escape(lead['config'])}</b> ahead of {html.escape(other['config'])}: "
                f"its worst seed is beyond the other's best (bands separate)")
    return (f"{html.escape(a['config'])} vs {html.escape(b['config'])}: the bands overlap, "
            f"not resolved by these seeds")


def _svg_bands(summary: list[dict], metric: str, title: str, width: int = 460) -> str:
    """Per configuration: a bar to the mean, a line from the worst to the best seed, a dot per seed; its
    title and description (``svg.svg_root``) name every configuration's mean and seed range."""
    top = 1.0 if metric.endswith("acc") else max(s["max"] for s in summary) * 1.1 or 1.0
    left, plot, row = 130, width - 130 - 110, 26

    def x(v):
        return left + plot * v / top
    axis_y = 4 + row * len(summary)
    desc = "; ".join(f"{s['config']}: mean {s['mean']:.3f}, seeds from {s['min']:.3f} to {s['max']:.3f}"
                     for s in summary)
    parts = [svg_root(width, axis_y + 20, title, f"Bars to the mean, lines from the worst to the best seed: "
                      f"{desc}.")]
    for i, s in enumerate(summary):
        y = 4 + row * i
        parts += [f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{html.escape(s["config"])}</text>',
                  f'<rect x="{left}" y="{y + 4}" width="{x(s["mean"]) - left:.1f}" height="14" '
                  f'fill="{PALETTE[i % len(PALETTE)]}" opacity="0.45"/>',
                  f'<line x1="{x(s["min"]):.1f}" x2="{x(s["max"]):.1f}" y1="{y + 11}" y2="{y + 11}" '
                  f'stroke="#222" stroke-width="2"/>']
        parts += [f'<circle cx="{x(v):.1f}" cy="{y + 11}" r="2.5" fill="#222"/>' for v in s["values"]]
        parts.append(f'<text x="{left + plot + 6}" y="{y + 15}">{s["mean"]:.3f} ± {s["std"]:.3f}</text>')
    parts += [f'<line x1="{left}" x2="{left + plot}" y1="{axis_y}" y2="{axis_y}" stroke="#767676"/>',
              f'<text x="{left}" y="{axis_y + 15}">0</text>',
              f'<text x="{left + plot}" y="{axis_y + 15}" text-anchor="end">{top:.3g}</text>', "</svg>"]
    return "".join(parts)


RESULTS_TABLE_PX = 400
"""Under this width the table of configurations stacks its rows (side by side about 340 px in JupyterLab)."""


def results_view(grids: dict[str, list[dict]], grid: str, metric: str = "val_acc", epoch: int = 1) -> str:
    """HTML: one grid's configurations at one epoch, mean ± std and min-max over seeds (bars), a table of
    the numbers, and the verdict of every pair by the notebook's rule (Figs 9, 10; Sec. 1.2's spectrum)."""
    check_choices(grid=(grid, tuple(grids)))
    summary = epoch_summary(grids[grid], metric, epoch)
    rows = [[html.escape(s["config"]), str(s["n"])] + [f"{s[k]:.3f}" for k in ("mean", "std", "min", "max")]
            for s in summary]
    pairs = [verdict(a, b, metric) for i, a in enumerate(summary) for b in summary[i + 1:]]
    better = "higher" if metric.endswith("acc") else "lower"
    title = f"{grid}: {METRICS[metric]} after epoch {epoch}"
    return (f"<p>{html.escape(title)} ({better} is better); "
            f"bar = mean, line = worst to best seed, dots = seeds</p>{_svg_bands(summary, metric, title)}"
            + stacking_table(("configuration", "n", "mean", "std", "min", "max"), rows,
                             f"{html.escape(title)}, over seeds", RESULTS_TABLE_PX, right=range(1, 6))
            + "<ul class='xe-verdicts'>" + "".join(f"<li>{p}</li>" for p in pairs) + "</ul>")


def results_explorer(grids: dict[str, list[dict]], grid: str | None = None, metric: str = "val_acc",
                     epoch: int | None = None) -> App:
    """Notebook 10's widget: pick a grid, a metric and an epoch of runs ALREADY trained; redraws instantly."""
    epochs = tuple(_epochs([r for rows in grids.values() for r in rows]))
    if not epochs:
        raise ValueError("results_explorer needs grids of trained runs with an epoch common to all of them")
    grid = next(iter(grids)) if grid is None else grid
    epoch = epochs[-1] if epoch is None else epoch
    check_choices(grid=(grid, tuple(grids)), metric=(metric, tuple(METRICS)), epoch=(epoch, epochs))
    style = {"description_width": "initial"}
    controls = {
        "grid": W.Dropdown(options=list(grids), value=grid, description="comparison", style=style),
        "metric": W.Dropdown(options=[(label, key) for key, label in METRICS.items()], value=metric,
                             description="metric", style=style),
        "epoch": W.SelectionSlider(options=epochs, value=epoch, description="epoch", style=style),
    }
    return App(controls, functools.partial(results_view, grids), title="The trained runs, at any epoch")


# --- the notebook's verdicts: one per comparison, by the bands rule, and what its text states ------------

COMPARISONS = (
    ("residual", "no residual", 'Fig. 9: residuals are "clearly essential"'),
    ("no activation", "ELU", "Fig. 10: none > ELU > ReLU"),
    ("ELU", "ReLU", "Fig. 10: none > ELU > ReLU"),
    ("no activation", "ReLU", "Fig. 10: none > ELU > ReLU"),
    ("depthwise (g=C)", "g=1", "Sec. 5 leaves the spectrum open; Xception takes g = C"),
    ("depthwise (g=C)", "g=8", "Sec. 5 leaves the spectrum open; Xception takes g = C"),
)
"""(better, worse, the paper's word): each comparison reads "better beats worse" on final validation accuracy;
for Figs 9 and 10 that is the paper's claim (Sec. 4), for the spectrum Xception's choice (Sec. 5 asks)."""


@dataclass(frozen=True)
class Verdict:
    """One comparison: "``better`` beats ``worse``" (the paper's word on it), the final validation accuracy
    of each seed of both, and the verdict of ``band_verdict`` on them."""

    better: str
    worse: str
    paper: str
    better_values: tuple[float, ...]
    worse_values: tuple[float, ...]
    verdict: str  # band_verdict's: "agrees", "disagrees" or "cannot say"

    @property
    def comparison(self) -> str:
        return f"{self.better} > {self.worse}"


def verdicts(rows9: list[dict], rows10: list[dict], rows_s: list[dict],
             comparisons=COMPARISONS) -> list[Verdict]:
    """Every comparison of ``comparisons`` on the final validation accuracies of the three grids' runs,
    judged by ``band_verdict`` (min-max over seeds: the rule of this notebook)."""
    values: dict[str, list[float]] = {}
    for r in [*rows9, *rows10, *rows_s]:
        values.setdefault(r["config"], []).append(float(r["final_val_acc"]))
    out = []
    for better, worse, paper in comparisons:
        missing = [name for name in (better, worse) if name not in values]
        if missing:
            raise ValueError(f"verdicts: no runs of {missing} in the rows; they hold {sorted(values)}")
        b, w = (tuple(values[name]) for name in (better, worse))
        out.append(Verdict(better, worse, paper, b, w, band_verdict(b, w)))
    return out


def verdict_sentence(v: Verdict) -> str:
    """One line of the verdict table: the comparison, the verdict, the seed ranges it is read from."""
    (blo, bhi), (wlo, whi) = ((min(x), max(x)) for x in (v.better_values, v.worse_values))
    reason = {"agrees": f"every seed of {v.better} ({blo:.3f}-{bhi:.3f}) above every seed of {v.worse} "
                        f"({wlo:.3f}-{whi:.3f})",
              "disagrees": f"every seed of {v.worse} ({wlo:.3f}-{whi:.3f}) above every seed of {v.better} "
                           f"({blo:.3f}-{bhi:.3f})",
              "cannot say": f"the seed ranges {blo:.3f}-{bhi:.3f} and {wlo:.3f}-{whi:.3f} overlap or touch"}
    return f"{v.comparison}: {v.verdict} ({reason[v.verdict]}; {v.paper})"


def format_verdicts(found: list[Verdict]) -> str:
    return "\n".join(verdict_sentence(v) for v in found)




# --- exercise checks --------------------------------------------------------------------------------------


CLAIMS = {
    "first ahead": "on this problem and budget, every seed of the first configuration ends above every seed "
                   "of the second",
    "second ahead": "on this problem and budget, every seed of the second configuration ends above every "
                    "seed of the first",
    "equal": "the two configurations are equally good",
    "imagenet": "the same ordering holds for the full Xception on ImageNet (Figs 9 and 10)",
    "why": "the difference comes from the mechanism the paper proposes (e.g. information lost by a ReLU in "
           "1-channel-deep feature spaces)",
    "any budget": "the ordering holds at every width, depth and training length",
}
"""What a table of seeds of this notebook's CPU grid might be taken to show: key -> claim (10.supported)."""

_NEVER = {
    "imagenet": "No run here can support 'imagenet': a 0.16 M-parameter model trained for 3 epochs on 160 "
                "synthetic images says nothing about the full model on ImageNet.",
    "why": "Accuracies say which model ends higher, not why: 'why' needs a measurement of the mechanism "
           "itself (the information lost), and no accuracy is one.",
    "any budget": "One width, one depth, one training length: nothing in this grid varies them, so "
                  "'any budget' is not tested.",
}
_SUPPORTED_CASES = [  # separated, reversed, overlapping with a higher mean, touching ends, level
    ((0.46, 0.50, 0.54), (0.29, 0.33, 0.38)), ((0.30, 0.35, 0.32), (0.40, 0.45, 0.41)),
    ((0.40, 0.52, 0.60), (0.35, 0.42, 0.45)), ((0.45, 0.55, 0.50), (0.40, 0.45, 0.42)),
    ((0.50, 0.50, 0.50), (0.50, 0.50, 0.50)),
]
_SUPPORTED_FIX = ("return {'first ahead'} when every seed of the first is above every seed of the second, "
                  "{'second ahead'} the other way round, and an empty set otherwise (ranges that overlap or "
                  "touch); 'equal', 'imagenet', 'why' and 'any budget' are never supported")


def _supported_hint(first, second, got: set, want: set) -> str:
    """The mistake an answer of ``supported(first, second)`` makes, in words: a claim no such run
    supports, an equality read into an overlap, means instead of seeds, touching ends, a missed side."""
    for key in sorted(got & set(_NEVER)):
        return _NEVER[key]
    if "equal" in got:
        return ("Overlapping seed ranges do not show that the two are equal, only that these seeds cannot "
                "rank them.")
    touching = min(first) == max(second) or min(second) == max(first)
    if got - want and touching:
        return "The ranges touch: a re-run with other seeds could swap them, so touching ends are no verdict."
    if got - want and not want:
        return "Compare every seed, not the means: the seed ranges overlap, so no ordering is supported."
    side = "first" if "first ahead" in want else "second"
    return (f"Every seed of the {side} configuration ends above every seed of the other: that ordering IS "
            "supported, on this problem and budget.")


@register("10.supported", kind="interpret")
def _supported(fn):
    for first, second in _SUPPORTED_CASES:
        call = f"supported({list(first)}, {list(second)})"
        got = attempt(fn, (list(first), list(second)), call, "Return a set of keys of lesson.CLAIMS.",
                      fix=_SUPPORTED_FIX)
        if got is None:
            raise Mismatch(f"{call} returned None: did you forget `return`?", fix=_SUPPORTED_FIX)
        if isinstance(got, str) or not all(isinstance(k, str) for k in got):
            raise Mismatch(f"{call} returned {got!r}: return a set of keys of lesson.CLAIMS, e.g. "
                           "{'first ahead'} or set().", fix=_SUPPORTED_FIX)
        unknown = sorted(set(got) - set(CLAIMS))
        if unknown:
            raise Mismatch(f"{call} returned the unknown key(s) {unknown}: the keys are {sorted(CLAIMS)}.",
                           fix=_SUPPORTED_FIX)
        verdict = band_verdict(first, second)
        want = {"agrees": {"first ahead"}, "disagrees": {"second ahead"}}.get(verdict, set())
        if set(got) != want:
            raise Mismatch(f"{call} returned {sorted(got)}, expected {sorted(want)}. "
                           f"{_supported_hint(first, second, set(got), want)}", fix=_SUPPORTED_FIX)


@register("10.mean_std", kind="formula")
def _mean_std(fn):
    closed_form(
        "mean_std", lambda values: tuple(fn(list(values))),
        [((0.5, 0.7, 0.6),), ((0.25, 0.25, 0.25),), ((0.1, 0.9),), ((0.31, 0.42, 0.38, 0.55),)],
        lambda values: ablations.mean_std(values), [
            Mistake(lambda values: (statistics.fmean(values), statistics.pstdev(values)), "That is the "
                    "population std (divide by n); for a few seeds use the sample std (divide by n - 1)."),
            Mistake(lambda values: (statistics.fmean(values), statistics.variance(values)), "That is the "
                    "variance: the standard deviation is its square root."),
            Mistake(lambda values: ablations.mean_std(values)[::-1], "You returned (std, mean): the order is "
                    "(mean, std)."),
            Mistake(lambda values: (statistics.median(values), statistics.stdev(values)),
                    "That is the median: "
                    "the mean is the sum divided by n."),
        ], describe=lambda values: f"mean_std({list(values)})", rel_tol=1e-6,
        nudge="The mean, then the square root of the sum of squared deviations from it over n - 1.",
        fix="mean = sum(values) / n; std = (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5")
