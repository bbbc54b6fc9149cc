"""Notebook 11, the closing page: the argument of Figs 1-5 in one picture (``argument_picture.py``), the
paper's evidence beside ours (``evidence.py``: Tables 1-3, Figs 6-10), and the open question of Sec. 5 as a
widget: at a parameter budget, how wide a block with g groups in its spatial step can be, what it costs
and how long it takes. The exercise checks."""

from __future__ import annotations

import html
import math
import statistics
from dataclasses import dataclass

import ipywidgets as W
import torch

from .. import counting
from .._validate import positive_int
from ..devices import cpu_threads
from ..exercises import Mismatch, attempt, check, register
from ..ops import SeparableConv2d
from . import evidence
from .app import App, check_choices
from .argument_picture import (
    argument_described,
    argument_figure,
    argument_panels,
    argument_steps,
    argument_words,
)
from .html_table import stacking_table

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "BUDGET_CHOICES", "DEPTHWISE", "GROUP_CHOICES", "MAP_SIZE", "argument_described", "argument_figure",
    "argument_panels", "argument_steps", "argument_words", "block_width", "budget_explorer", "budget_point",
    "budget_view", "check", "evidence", "evidence_html",
]


# --- the evidence table -------------------------------------------------------------------------------------

_VERDICT_COLORS = {"agrees": "#006d4f", "disagrees": "#a84300", "cannot say": "#5f5f5f"}  # >= 6:1 on white


def evidence_html(rows=evidence.ROWS) -> str:
    """``evidence.ROWS`` as one HTML table: claim, the paper's value and citation, ours and where, verdict."""
    e = html.escape
    head = "".join(f"<th style='text-align:left'>{h}</th>" for h in
                   ("the paper claims", "paper's value", "cited", "ours", "measured in", "verdict"))
    body = "".join(
        f"<tr><td>{e(r.claim)}</td><td>{e(r.paper)}</td><td>{e(r.cited)}</td><td>{e(r.ours)}</td>"
        f"<td>{e(r.where)}</td><td><b style='color:{_VERDICT_COLORS[r.verdict]}'>{r.verdict}</b>: "
        f"{e(r.why)}</td></tr>" for r in rows)
    return f"<table style='font-size:85%'><tr>{head}</tr>{body}</table>"


# --- Sec. 5's open question: the spectrum at an equal parameter budget -------------------------------------

BUDGET_CHOICES = (2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000)
DEPTHWISE = "C"
GROUP_CHOICES = (1, 2, 4, 8, 16, 32, DEPTHWISE)
BUDGET_TABLE_PX = 400
"""Under this width the table of every g stacks its rows (side by side about 340 px in JupyterLab)."""
"""Group counts g of the spatial step the widget offers; "C" is depthwise (g = C, as in Xception)."""
MAP_SIZE = 19
"""The block works on a 19x19 map, the size of Xception's middle flow at 299 px (Fig. 5)."""


def _spatial_groups(groups) -> int | None:
    """``groups`` as ``SeparableConv2d(spatial_groups=...)`` and ``counting.separable`` take it."""
    if groups == DEPTHWISE:
        return None
    return positive_int("groups", groups, f" or {DEPTHWISE!r} (depthwise)")


def _block_params(channels: int, groups: int | None) -> int:
    return counting.separable(channels, channels, 3, (1, 1), groups=groups).params


def block_width(budget: int, groups) -> int:
    """The most channels C (a multiple of g) that a separable block C -> C with its 3x3 spatial step in g
    groups (``SeparableConv2d(C, C, spatial_groups=g)``: 9*C*C/g + C*C weights; g = "C": depthwise,
    9*C + C*C) affords within ``budget`` parameters. Notebook 10's ``width_for_budget`` does the same for
    a whole Xception."""
    positive_int("budget", budget)
    label, groups = groups, _spatial_groups(groups)
    step = groups or 1
    # Start from the real root of C*C*(1 + 9/g) = budget (or C*C + 9C = budget), then let the package's
    # count decide the last step, so that the width is exactly what counting says fits.
    c = math.isqrt(budget * step // (step + 9)) if groups else (math.isqrt(81 + 4 * budget) - 9) // 2
    c -= c % step
    while c >= step and _block_params(c + step, groups) <= budget:
        c += step
    while c >= step and _block_params(c, groups) > budget:
        c -= step
    if c < step:
        raise ValueError(f"budget={budget:,} parameters does not fit even {step} channels with g={label} "
                         f"({_block_params(step, groups):,} parameters); "
                         "choose a larger budget or a smaller g")
    return c


@dataclass(frozen=True)
class BudgetPoint:
    budget: int
    groups: int | str  # "C": depthwise
    channels: int
    params: int
    macs: int
    ms: float | None  # median forward time of one image, one thread; None when not timed

    @property
    def g(self) -> int:
        return self.channels if self.groups == DEPTHWISE else self.groups


def budget_point(budget: int, groups, time_it: bool = True, repeats: int = 5) -> BudgetPoint:
    """The widest block within ``budget`` for this g, its multiply-adds on a 19x19 map (``counting``) and,
    when ``time_it``, its median forward time (``counting.alternating_medians``, one image, one thread)."""
    c = block_width(budget, groups)
    spatial = _spatial_groups(groups)
    counts = counting.separable(c, c, 3, (MAP_SIZE, MAP_SIZE), groups=spatial)
    ms = None
    if time_it:
        torch.manual_seed(0)
        block = SeparableConv2d(c, c, 3, spatial_groups=spatial).eval()
        x = torch.randn(1, c, MAP_SIZE, MAP_SIZE)

        def forward():
            with torch.no_grad():
                block(x)

        with cpu_threads(1):
            ms = counting.alternating_medians({"block": forward}, repeats=repeats)["block"].median_ms
    return BudgetPoint(budget, groups, c, counts.params, counts.macs, ms)


def _g_label(groups) -> str:
    return "C (depthwise)" if groups == DEPTHWISE else str(groups)


def budget_view(budget: int, groups, time_it: bool = True) -> str:
    """HTML for the widget: the chosen point in stable spans (``xe-width``, ``xe-params``, ``xe-macs``,
    ``xe-time``, only when ``time_it``) and, for comparison, the width and multiply-adds of every offered g at
    the same budget."""
    check_choices(budget=(budget, BUDGET_CHOICES), groups=(groups, GROUP_CHOICES))
    p = budget_point(budget, groups, time_it=time_it)
    time = (f"; <span class='xe-time'>forward pass: {p.ms:.2f} ms</span> (median, one image, one thread, "
            "this machine)" if p.ms is not None else "")  # untimed (a static page): no timing clause at all
    rows, marked = [], None
    for g in GROUP_CHOICES:
        try:
            q = budget_point(budget, g, time_it=False)
        except ValueError:
            continue
        if g == groups:
            marked = len(rows)
        rows.append([_g_label(g), str(q.channels), f"{q.params:,}", f"{q.macs:,}"])
    table = stacking_table(("g", "width C", "parameters", "multiply-adds"), rows,
                           f"Every g at {budget:,} parameters (bold: g = {_g_label(groups)})",
                           BUDGET_TABLE_PX, right=(1, 2, 3), marked=marked)
    return (
        f"<p><b>g = {_g_label(groups)}</b> at {budget:,} parameters: "
        f"<span class='xe-width'>width {p.channels} channels</span>, "
        f"<span class='xe-params'>parameters: {p.params:,}</span>, "
        f"<span class='xe-macs'>multiply-adds: {p.macs:,}</span> per image on a {MAP_SIZE}x{MAP_SIZE} map"
        f"{time}</p>" + table
    )


def budget_explorer(budget: int = 20_000, groups=8) -> App:
    """Notebook 11's widget: a parameter budget and a group count g -> the width a separable block with g
    groups in its spatial step can afford, its multiply-adds and its measured forward time."""
    check_choices(budget=(budget, BUDGET_CHOICES), groups=(groups, GROUP_CHOICES))
    controls = {
        "budget": W.SelectionSlider(options=[(f"{b:,}", b) for b in BUDGET_CHOICES], value=budget,
                                    description="budget", continuous_update=False),
        "groups": W.SelectionSlider(options=[(_g_label(g), g) for g in GROUP_CHOICES], value=groups,
                                    description="groups g", continuous_update=False),
    }
    return App(controls, budget_view, title="Sec. 5: one parameter budget, g groups in the spatial step")


# --- exercise checks --------------------------------------------------------------------------------------


def _widest(budget: int, g: int, params) -> int:
    """The largest multiple of g whose block, counted by ``params(c)``, is within ``budget``: what a
    learner's count makes of the width."""
    c = 0
    while params(c + g) <= budget:
        c += g
    return c


@register("11.width_at_budget", kind="formula")
def _width_at_budget(fn):
    # 13_312 is an exact fit: the block of C = 64 in g = 4 groups holds 9 * 64 * 16 + 64 * 64 weights
    for budget, g in [(20_000, 8), (20_000, 1), (13_312, 4), (5_000, 4), (100_000, 16), (2_000, 2),
                      (50_000, 32)]:
        got = attempt(fn, (budget, g), f"width_at_budget({budget}, {g})",
                      "Widen C in steps of g while the block C -> C fits the budget.", fix=_WIDTH_FIX)
        want = block_width(budget, g)
        if got != want:
            if got == math.isqrt(budget * g // (g + 9)):
                hint = " The width must be a multiple of g: every group gets C/g whole channels."
            elif got == want - g and _block_params(want, g) == budget:
                hint = (" A block that uses exactly the whole budget fits it: within budget means at most "
                        "the budget, not strictly under it.")
            elif got == _widest(budget, g, lambda c: 10 * c * c):
                hint = (" That block ignores the groups: its 3x3 step in g groups has filters that see C/g "
                        "channels each, not all C.")
            elif got > want:
                hint = (" Too wide: that block holds more weights than the budget. Count both of its steps "
                        "again: the 3x3 step in g groups (what does one of its filters see?), then the 1x1.")
            else:
                hint = " Not the widest: take the LARGEST multiple of g whose block fits the budget."
            raise Mismatch(f"width_at_budget({budget}, {g}) returned {got}, expected {want}.{hint}",
                           fix=_WIDTH_FIX)


_WIDTH_FIX = ("the block C -> C holds 9 * c * (c // g) + c * c weights (the 3x3 step in g groups, then the "
              "1x1): return the largest multiple c of g for which that is <= budget.")


@register("11.verdict", kind="interpret")
def _verdict(fn):
    cases = [([0.59, 0.66, 0.61], [0.39, 0.55, 0.42]), ([0.52, 0.48, 0.55], [0.45, 0.38, 0.48]),
             ([0.53, 0.63, 0.59], [0.59, 0.66, 0.61]), ([0.30, 0.35, 0.32], [0.50, 0.52, 0.55]),
             ([0.5, 0.6], [0.6, 0.7]),
             # ranges apart while the mean +- std bands overlap; then the reverse
             ([0.60, 0.61, 0.90], [0.10, 0.40, 0.59]), ([0.70, 0.71, 0.72, 0.55], [0.50, 0.51, 0.52, 0.56])]

    def by_means(better, worse):
        return "agrees" if sum(better) / len(better) > sum(worse) / len(worse) else "disagrees"

    def by_bands(spread):  # mean +- std intervals apart (not the notebook's rule)
        def verdict(better, worse):
            (mb, sb), (mw, sw) = ((statistics.fmean(v), spread(v)) for v in (better, worse))
            return "agrees" if mb - sb > mw + sw else "disagrees" if mw - sw > mb + sb else "cannot say"
        return verdict

    def touch(better, worse):  # equal end points: the ranges overlap in one value
        return max(worse) == min(better) or max(better) == min(worse)

    answers = [(better, worse, attempt(fn, (better, worse), f"verdict({better}, {worse})",
                                       "Compare the two ranges of seeds.", fix=_VERDICT_FIX))
               for better, worse in cases]
    for better, worse, got in answers:
        want = evidence.band_verdict(better, worse)
        if got != want:
            # the mistake the whole answer makes: wrong only where ranges touch ('>=' for '>'), the means
            hint = (" Ranges that touch (equal end points) overlap: a re-run could swap them."
                    if all(a == evidence.band_verdict(b, w) for b, w, a in answers if not touch(b, w)) else
                    " Compare the ranges, not the means: every seed of one side must beat every seed of "
                    "the other." if all(a == by_means(b, w) for b, w, a in answers) else
                    " That compares mean ± std bands; the notebook's rule compares the seeds themselves: "
                    "bands can be apart while single seeds of the two sides overlap, and the reverse."
                    if any(all(a == by_bands(s)(b, w) for b, w, a in answers)
                           for s in (statistics.stdev, statistics.pstdev)) else
                    " Compare the two ranges of seeds: the verdict is 'cannot say' unless they are apart.")
            raise Mismatch(f"verdict({better}, {worse}) returned {got!r}, expected {want!r}.{hint}",
                           fix=_VERDICT_FIX)


_VERDICT_FIX = ("'agrees' if min(better) > max(worse), 'disagrees' if min(worse) > max(better), else "
                "'cannot say' (ranges that touch overlap).")
