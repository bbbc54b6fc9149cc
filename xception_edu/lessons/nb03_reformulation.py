"""Notebook 03, the reformulation (Fig. 3): a simplified Inception module is one 1x1 conv and one grouped
kxk conv. The two stages drawn, the widget that proves it for any number of towers, the exercise checks."""

from __future__ import annotations

import ipywidgets as W
import torch
import torch.nn.functional as F

from .. import counting
from .._validate import divisors
from ..devices import cpu_threads
from ..exercises import Mismatch, attempt, check, register
from ..ops import (
    SimplifiedInception,
    connectivity_matrix,
    measured_connectivity,
    reformulate,
)
from .app import App, same_function
from .checking import mistake_made, same_output
from .operator_drawing import operator_figure
from .stage_weights import stage_figure, stage_text
from .svg import svg_matrix

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "check", "connectivity_matrix", "measured_connectivity", "operator_figure", "reformulation",
    "reformulation_numbers", "reformulation_view", "stage_figure", "stage_text",
]


# --- the reformulation, for any number of towers (Fig. 3) -------------------------------------------------


REFORM_CHANNELS, REFORM_IN = 12, 8


def reformulation_numbers(towers: int, channels: int = REFORM_CHANNELS, cin: int = REFORM_IN,
                          seed: int = 0) -> dict:
    """Build a random Fig. 2 module with ``towers`` towers, turn it into Fig. 3 (``reformulate``) and
    return the largest output difference on a random input, the measured connectivity of Fig. 3's
    spatial stage, and both modules' parameter counts."""

    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # seed the weights without resetting the notebook's RNG
        torch.manual_seed(seed)
        fig2 = SimplifiedInception(cin, channels, towers=towers).eval()
        fig3 = reformulate(fig2)  # builds a module too: its (overwritten) init also draws numbers
    x = torch.randn(2, cin, 8, 8, generator=g)
    with torch.no_grad():
        diff = (fig2(x) - fig3(x)).abs().max().item()
    return {"max_diff": diff, "connectivity": measured_connectivity(fig3.spatial),
            "params_fig2": counting.count_params(fig2), "params_fig3": counting.count_params(fig3)}


def reformulation_view(towers: int) -> str:
    """HTML: Fig. 2 with ``towers`` towers equals Fig. 3 with ``groups=towers`` (difference, parameters)
    and the block-diagonal connectivity of the spatial stage, as inline SVG."""
    with cpu_threads(1):
        r = reformulation_numbers(towers)
    same = same_function(r["max_diff"])
    width = REFORM_CHANNELS // towers
    return (
        f"<p>Fig. 2 with {towers} tower{'s' if towers > 1 else ''} of {width} "
        f"channel{'s' if width > 1 else ''} "
        f"→ Fig. 3: one 1x1 conv {REFORM_IN}→{REFORM_CHANNELS}, then a 3x3 conv with groups={towers}</p>"
        f"<p>largest output difference: {same}</p>"
        f"<p class='xe-params'>parameters: {r['params_fig2']:,} (Fig. 2) = {r['params_fig3']:,} (Fig. 3)</p>"
        + svg_matrix(r["connectivity"], size=220, title=f"groups={towers}: who feeds whom")
    )


def reformulation(towers: int = 3) -> App:
    """Notebook 03's widget: towers (divisors of the channel count) -> proof of Fig. 2 == Fig. 3."""
    options = tuple(divisors(REFORM_CHANNELS))
    if towers not in options:
        raise ValueError(f"towers={towers} is not one of {options} (the divisors of {REFORM_CHANNELS})")
    controls = {"towers": W.SelectionSlider(options=options, value=towers, description="towers")}
    return App(controls, reformulation_view, title=f"Fig. 2 = Fig. 3, for {REFORM_CHANNELS} output channels")


# --- exercise checks --------------------------------------------------------------------------------------


_DENSE_FIX = ("dense = torch.zeros(cout, cin, k, k); for group i, "
              "dense[i * step:(i + 1) * step, i * cin_g:(i + 1) * cin_g] = weight[i * step:(i + 1) * step], "
              "with step = cout // groups and cin_g = weight.shape[1]")

_RUN_WIDTHS = ("Here cin is not cout: an input run is cin // groups channels wide (weight.shape[1]), an "
               "output run cout // groups.")

# (cin, cout, groups, k, why a crash here is likely)
_DENSE_CASES = [
    (6, 6, 3, 3, "Cut the cout filters into `groups` runs; run i goes to the rows of run i and the columns "
     "of input run i."),
    (4, 8, 2, 3, _RUN_WIDTHS),
    (6, 3, 3, 1, _RUN_WIDTHS),
    (4, 4, 1, 3, "One group: the dense weight is the weight itself."),
    (5, 5, 5, 3, "Five groups of one channel: a depthwise conv."),
]


def _dense_slips(weight, groups) -> dict[str, torch.Tensor]:
    """The dense weights the usual wrong placements give, each with the nudge that names it."""
    cout, cin_g = weight.shape[:2]
    step, cin = cout // groups, cin_g * groups
    blocks = [weight[i * step:(i + 1) * step] for i in range(groups)]

    def placed(columns):
        dense = weight.new_zeros(cout, cin, *weight.shape[2:])
        for i, block in enumerate(blocks):
            dense[i * step:(i + 1) * step, columns(i)] = block
        return dense

    return {
        "Every filter sees every input channel here: where a group does not see an input channel, the dense "
        "weight holds zeros.": weight.repeat(1, groups, 1, 1),
        "Your blocks sit on the other diagonal: the filters of output run i read input run i, the same i.":
            placed(lambda i: slice((groups - 1 - i) * cin_g, (groups - i) * cin_g)),
        "A run is a block of CONSECUTIVE input channels, not every groups-th one.":
            placed(lambda i: slice(i, None, groups)),
    }


@register("03.dense_weight", kind="prove")
def _dense_weight(fn):
    g = torch.Generator().manual_seed(3)
    for cin, cout, groups, k, why in _DENSE_CASES:
        weight = torch.randn(cout, cin // groups, k, k, generator=g)
        x = torch.randn(2, cin, 6, 6, generator=g)
        case = f"For the weight of nn.Conv2d({cin}, {cout}, {k}, groups={groups})"
        answer = attempt(fn, (weight.clone(), groups), case, why, fix=_DENSE_FIX)
        if answer is None:
            raise Mismatch(f"{case}: your function returned None: did you forget `return`?", fix=_DENSE_FIX)
        got = torch.as_tensor(answer).detach().float()
        if got.shape != (cout, cin, k, k):
            hint = ("that is the grouped weight as it is: the dense one has a column for every input channel"
                    if got.shape == weight.shape else "rows are the output channels, columns all the inputs")
            raise Mismatch(f"{case}: you returned shape {tuple(got.shape)}, expected {(cout, cin, k, k)}: "
                           f"{hint}.", fix=_DENSE_FIX)
        if same_output(F.conv2d(x, got), F.conv2d(x, weight, groups=groups)):
            continue
        hint = mistake_made(got, _dense_slips(weight, groups)) or (
            "The outputs differ from the grouped conv's: put group i's filters in the rows of output run i "
            "and the columns of input run i, zeros everywhere else.")
        raise Mismatch(f"{case}: F.conv2d with your dense weight computes another function than the grouped "
                       f"conv. {hint}", fix=_DENSE_FIX)


_CONNECTIVITY_FIX = ("segment = torch.arange(channels) // (channels // groups); "
                     "return segment[:, None] == segment[None, :]")


@register("03.connectivity", kind="build")
def _connectivity(fn):
    for c, g in [(6, 3), (12, 1), (12, 12), (8, 2), (12, 4), (12, 3)]:
        answer = attempt(fn, (c, g), f"connectivity({c}, {g})",
                         "Cut the channels into `groups` segments; compare each output's segment with each "
                         "input's.", fix=_CONNECTIVITY_FIX)
        if answer is None:
            raise Mismatch(f"connectivity({c}, {g}) returned None: did you forget `return`?")
        got = torch.as_tensor(answer).bool()
        want = torch.from_numpy(connectivity_matrix(c, g))
        if got.shape != want.shape:
            raise Mismatch(f"connectivity({c}, {g}) has shape {tuple(got.shape)}, expected ({c}, {c}): "
                           "rows = outputs, columns = inputs.", fix=_CONNECTIVITY_FIX)
        if torch.equal(got, want):
            continue
        o, i = torch.arange(c)[:, None], torch.arange(c)[None, :]
        mistakes = {
            "You made segments of `groups` channels: there are `groups` segments, each channels // groups "
            "wide.": o // g == i // g,
            "A segment is a run of CONSECUTIVE channels, not every g-th one.": o % g == i % g,
            "That is one filter per channel (the identity): with fewer groups, a segment holds several "
            "channels.": o == i,
            "That is a regular conv (all True): with groups, an output reads only its own segment.":
                torch.ones(c, c, dtype=torch.bool),
        }
        hint = next((why for why, m in mistakes.items() if torch.equal(got, m)),
                    "Cut the channels into `groups` segments of consecutive channels; output o reads input i "
                    "when both fall in the same segment.")
        raise Mismatch(f"connectivity({c}, {g}) is wrong at {int((got != want).sum())} of {c * c} places. "
                       f"{hint}", fix=_CONNECTIVITY_FIX)


_TRANSPLANT_FIX = ("pointwise = torch.cat([tower[0].weight for tower in fig2.branches]); the same with "
                   "tower[2] for the spatial weight")


@register("03.transplant", kind="build")
def _transplant(fn):
    # Two modules (3 towers of 2 filters, 2 towers of 4): a transplant written for one shape fails the other.
    for seed, (cin, cout, towers) in enumerate(((5, 6, 3), (4, 8, 2))):
        _transplant_one(fn, seed, cin, cout, towers)


def _transplant_one(fn, seed, cin, cout, n_towers):
    with torch.random.fork_rng(devices=[]):  # seeded weights, without resetting the notebook's RNG
        torch.manual_seed(seed)
        fig2 = SimplifiedInception(cin, cout, towers=n_towers)
        want = reformulate(fig2)
    got = fn(fig2)
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise Mismatch("return a tuple (pointwise_weight, spatial_weight).",
                       fix="end with `return pointwise, spatial`: both weights, in that order.")
    towers = fig2.branches
    shapes = tuple(tuple(torch.as_tensor(g).shape) for g in got)
    if shapes == (tuple(want.spatial.weight.shape), tuple(want.pointwise.weight.shape)):
        raise Mismatch("you returned the spatial weight first: the order is (pointwise, spatial), the 1x1 "
                       "conv's weight, then the 3x3 conv's.",
                       fix="end with `return pointwise, spatial`: both weights, in that order.")
    for name, g, w, layer in (("pointwise", got[0], want.pointwise.weight, 0),
                              ("spatial", got[1], want.spatial.weight, 2)):
        g = torch.as_tensor(g).detach()
        if g.shape != w.shape:
            hint = ("you kept only the first tower: stack ALL the towers' weights"
                    if g.shape == towers[0][layer].weight.shape else
                    "stack along the OUTPUT channels (dim 0), not dim 1"
                    if g.dim() == 4 and g.shape[1] == w.shape[1] * len(towers) else
                    "the towers' weights go one after the other along the output channels")
            raise Mismatch(f"the {name} weight has shape {tuple(g.shape)}, expected {tuple(w.shape)}: "
                           f"{hint}.",
                           fix=_TRANSPLANT_FIX)
        if not torch.equal(g, w.detach()):
            reversed_ = torch.cat([t[layer].weight for t in reversed(towers)]).detach()
            hint = ("the towers are in reverse order: tower 0 comes first, as torch.cat puts its outputs"
                    if torch.equal(g, reversed_) else
                    "keep the towers' filters as they are, in tower order: each tower's filters become the "
                    "next block of output channels")
            raise Mismatch(f"the {name} weight has the right shape but not the right values: {hint}.",
                           fix=_TRANSPLANT_FIX)
