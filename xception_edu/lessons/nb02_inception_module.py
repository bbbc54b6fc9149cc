"""Notebook 02, the Inception module (Figs 1-2): its towers drawn from the module, the towers-and-widths
widget, the exercise checks."""

from __future__ import annotations

import ipywidgets as W
import torch
import torch.nn as nn

from .. import counting
from ..exercises import Mismatch, attempt, check, register
from ..ops import InceptionV3Module, SimplifiedInception, StandardConv
from .app import App, check_choices
from .block_drawing import STEP_COLORS  # noqa: F401 (the colours of the figure's steps)
from .build_check import convs_in_call_order
from .checking import (
    BUILD_CRASH,
    FORWARD_CRASH,
    Mistake,
    closed_form,
    extra_layers_hint,
    mistake_made,
    same_output,
)
from .figures import Described
from .operator_drawing import operator_figure, towers
from .svg import html_bar

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "CLAIMS", "check", "cost_modules", "cost_table", "inception_figure", "inception_towers", "towers",
    "towers_view",
]


def inception_figure(module: nn.Module, title: str = "") -> Described:
    """Block diagram of an Inception module (Figs 1-2), drawn from the module itself in the suite's one
    grammar (``operator_drawing``): the input on top, one column per tower, the concatenation below, each
    tower's parameter count, and the same in words as its text alternative."""
    return operator_figure(module, title)


# --- towers and their widths (Fig. 2) ---------------------------------------------------------------------


TOWER_CHOICES = tuple(range(1, 9))


WIDTH_CHOICES = (8, 16, 32, 48, 64, 96, 128, 192, 256)


IN_CHANNEL_CHOICES = (32, 64, 128, 256, 512, 728)


def towers_view(towers: int, width: int, cin: int = 256, kernel_size: int = 3) -> str:
    """HTML: a simplified Inception module (Fig. 2) with ``towers`` towers of 1x1 -> kxk, each
    ``width`` channels wide, against ONE regular kxk conv with the same input and output channels.
    Bars split each tower into its 1x1 part (across channels) and its kxk part (in space)."""
    k, cout = kernel_size, towers * width
    pointwise, spatial = cin * width, k * k * width * width
    module = counting.spectrum(cin, cout, k, towers, (1, 1)).params
    regular = counting.standard(cin, cout, k, (1, 1)).params
    assert module == towers * (pointwise + spatial)
    scale = max(regular, module)
    rows = "".join(
        html_bar(pointwise + spatial, scale,
                 "linear-gradient(90deg,#b2abd2 {0:.0f}%,#fdb863 {0:.0f}%)".format(
            100 * pointwise / (pointwise + spatial)),
            text=f"tower {i + 1}: 1x1 {pointwise:,} + {k}x{k} {spatial:,}")
        for i in range(towers))
    return (
        f"<p>{towers} tower{'s' if towers > 1 else ''} × (1x1 conv {cin}→{width}, then {k}x{k} conv "
        f"{width}→{width}) = {cout} output channels</p>" + rows +
        html_bar(module, scale, "#5b3f8c", text=f"the whole module: {module:,}") +
        html_bar(regular, scale, "#999", text=f"one regular {k}x{k} conv {cin}→{cout}: {regular:,}") +
        f"<p class='xe-params'>parameters: {module:,} ({100 * module / regular:.1f}% of the regular conv)</p>"
    )


def inception_towers(towers: int = 3, width: int = 64, cin: int = 256) -> App:
    """Notebook 02's widget: number of towers and their width -> parameters of Fig. 2's module."""
    check_choices(towers=(towers, TOWER_CHOICES), width=(width, WIDTH_CHOICES), cin=(cin, IN_CHANNEL_CHOICES))
    controls = {
        "towers": W.SelectionSlider(options=TOWER_CHOICES, value=towers, description="towers"),
        "width": W.SelectionSlider(options=WIDTH_CHOICES, value=width, description="tower width"),
        "cin": W.SelectionSlider(options=IN_CHANNEL_CHOICES, value=cin, description="C_in"),
    }
    return App(controls, towers_view, title="Simplified Inception module (Fig. 2): towers and widths")


# --- exercise checks --------------------------------------------------------------------------------------


CLAIMS = {
    "A": "Fig. 1 has the fewest parameters of the three.",
    "B": "Fig. 2 needs fewer multiply-adds than the regular 3x3 conv.",
    "C": "Fig. 2 runs faster than the regular 3x3 conv.",
    "D": "Fig. 2, trained, is as accurate as the regular 3x3 conv.",
}
"""What a table of counts might be said to show (``02.what_counts_tell``): A and B can be read off it,
C and D cannot (a count is not a time, nor an accuracy)."""


def cost_modules(cin: int = 256, cout: int = 256, towers: int = 4, reduce=(48, 64)) -> dict[str, nn.Module]:
    """Fig. 1, Fig. 2 and one regular 3x3 conv with the same input and output channels (Figs 1-2)."""
    return {"Fig. 1": InceptionV3Module(cin, cout, kernel_size=3, reduce=reduce),
            "Fig. 2": SimplifiedInception(cin, cout, kernel_size=3, towers=towers),
            "regular 3x3": StandardConv(cin, cout, kernel_size=3)}


def cost_table(modules: dict[str, nn.Module], hw: int) -> dict[str, counting.Counts]:
    """Each module's parameters and multiply-adds on an hw x hw map, counted while it runs (``measure``)."""
    return {name: counting.measure(m, (1, m.in_channels, hw, hw)) for name, m in modules.items()}


def _supported_claims(table: dict[str, counting.Counts]) -> set[str]:
    """The letters of ``CLAIMS`` that ``table`` supports: A and B where its counts show them, never C, D."""
    fewest = all(table["Fig. 1"].params < c.params for name, c in table.items() if name != "Fig. 1")
    return {claim for claim, holds in (("A", fewest), ("B", table["Fig. 2"].macs < table["regular 3x3"].macs))
            if holds}


_CLAIMS_FIX = ("A when table['Fig. 1'].params is below both others', B when table['Fig. 2'].macs is below "
               "table['regular 3x3'].macs; never C or D (a count is neither a time nor an accuracy)")


def _claim_tables() -> list[tuple[str, dict[str, counting.Counts]]]:
    """Tables where A and B hold, where B fails (one tower wider than its input) and where A fails
    (64 towers): a claim read off the table, not learnt by heart, passes all three."""
    tables = []
    for cin, cout, n, reduce, hw in [(256, 256, 4, (48, 64), 35), (32, 64, 1, (16, 16), 8),
                                     (256, 256, 64, (48, 64), 8)]:
        modules = cost_modules(cin, cout, n, reduce)
        tables.append((f"{cin} -> {cout} channels, Fig. 2 in {n} tower{'s' * (n > 1)}",
                       {name: m.counts(hw, hw) for name, m in modules.items()}))
    return tables


@register("02.what_counts_tell", kind="interpret")
def _what_counts_tell(fn):
    for said, table in _claim_tables():
        answer = attempt(fn, (dict(table),), f"For the table of {said}", "Return a set of letters, "
                         "e.g. {'A'}.", fix=_CLAIMS_FIX)
        if answer is None:
            raise Mismatch(f"For the table of {said} your function returned None: did you forget `return`?",
                           fix=_CLAIMS_FIX)
        got = {answer} if isinstance(answer, str) and len(answer) == 1 else set(answer)
        unknown = sorted(map(repr, got - set(CLAIMS)))
        if unknown:
            raise Mismatch(f"{', '.join(unknown)} is not a claim: pick letters from {sorted(CLAIMS)}.",
                           fix=_CLAIMS_FIX)
        want = _supported_claims(table)
        if got == want:
            continue
        fig1, fig2, regular = (table[n] for n in ("Fig. 1", "Fig. 2", "regular 3x3"))
        extra, missing = got - want, want - got
        hint = (
            "C: a count of multiply-adds is not a time. Memory traffic, the kernels your library has and "
            "the machine decide the time (notebook 07 measures it)." if "C" in extra else
            "D: a count says nothing about what a module learns; only training tells (notebook 10)."
            if "D" in extra else
            f"A does not hold on this table: Fig. 1 has {fig1.params:,} parameters, not the fewest. Read "
            "each claim off the table you are given." if "A" in extra else
            f"B does not hold on this table: Fig. 2 needs {fig2.macs:,} multiply-adds, the regular conv "
            f"{regular.macs:,}. Read each claim off the table you are given." if "B" in extra else
            "A holds on this table: Fig. 1's parameter count is below both others'." if "A" in missing else
            "B holds on this table: compare Fig. 2's multiply-adds with the regular conv's.")
        raise Mismatch(f"For the table of {said} you returned {sorted(got)}, not the claims it supports. "
                       f"{hint}", fix=_CLAIMS_FIX)


@register("02.simplified_params", kind="formula")
def _simplified_params(fn):
    closed_form(
        "simplified_params", fn,
        [(256, 192, 3, 3), (64, 64, 3, 4), (32, 96, 5, 2), (16, 16, 3, 1), (3, 12, 3, 6), (48, 48, 1, 2)],
        lambda cin, cout, k, n: counting.spectrum(cin, cout, k, n, (1, 1)).params, [
            Mistake(lambda cin, cout, k, n: n * (cin * cout + k * k * cout * cout),
                    "Each tower is cout/towers wide, not cout: the towers TOGETHER give cout channels."),
            Mistake(lambda cin, cout, k, n: cin * cout + k * k * cout * cout, "That is ONE tower as wide as "
                    "the module: there are `towers` towers, each cout/towers wide, and a tower's k x k sees "
                    "only its own channels."),
            Mistake(lambda cin, cout, k, n: n * (cin * (cout // n) + k * k * cin * (cout // n)),
                    "Each tower's k x k conv sees only its tower's own cout/towers channels, not cin."),
            Mistake(lambda cin, cout, k, n: cin * (cout // n) + n * k * k * (cout // n) ** 2,
                    "Every tower has its own 1x1 conv: count `towers` of them."),
        ], nudge="Count one tower (its 1x1 and its k x k), then multiply by the number of towers.",
        fix="w = cout // towers; simplified_params = towers * (cin * w + k * k * w * w).")


def _build_fix(cin: int, cout: int, n: int) -> str:
    w = cout // n
    return (f"Towers(nn.Sequential(nn.Conv2d({cin}, {w}, 1, bias=False), nn.ReLU(), "
            f"nn.Conv2d({w}, {w}, 3, padding=1, bias=False), nn.ReLU()) for _ in range({n}))")


@register("02.build_simplified", kind="build")
def _build_simplified(fn):
    for cin, cout, n in [(16, 24, 3), (8, 8, 2), (4, 12, 1), (6, 16, 4)]:
        fix = f"for build_simplified({cin}, {cout}, {n}): {_build_fix(cin, cout, n)}"
        call = f"build_simplified({cin}, {cout}, {n})"
        module = attempt(fn, (cin, cout, n), call, BUILD_CRASH, fix=fix)
        if not isinstance(module, torch.nn.Module):
            raise Mismatch(f"{call} returned a {type(module).__name__}, not an nn.Module")
        with torch.no_grad():
            y = attempt(module, (torch.randn(2, cin, 9, 9),),
                        f"{call} run on an input of shape (2, {cin}, 9, 9)", FORWARD_CRASH, fix=fix)
        if tuple(y.shape) != (2, cout, 9, 9):
            why = ("pad the 3x3 convs so that the map keeps its size" if y.shape[-2:] != (9, 9)
                   else "concatenate the towers on the channels (dim=1)" if y.shape[0] != 2 else
                   "the towers TOGETHER give cout channels: each is cout // towers wide")
            raise Mismatch(f"build_simplified({cin}, {cout}, {n}) maps (2, {cin}, 9, 9) to {tuple(y.shape)}, "
                           f"expected (2, {cout}, 9, 9): {why}.", fix=fix)
        got = sum(p.numel() for p in module.parameters())
        want = counting.spectrum(cin, cout, 3, n, (1, 1)).params
        if got != want:
            biased = sorted({f"{m.kernel_size[0]}x{m.kernel_size[1]}" for m in module.modules()
                             if isinstance(m, nn.Conv2d) and m.bias is not None})
            normalized = extra_layers_hint(module, "Fig. 2")
            hint = (f"{normalized}." if normalized and "normalizes" in normalized else
                    f"Your {' and '.join(biased)} convs have a bias; Fig. 2's have none." if biased else
                    f"Each of the {n} towers is a 1x1 conv, then a 3x3 conv on that tower's own channels.")
            raise Mismatch(f"build_simplified({cin}, {cout}, {n}) has {got} parameters, "
                           f"expected {want}. {hint}", fix=fix)
        _check_simplified_function(module, cin, cout, n, fix)


def _fig2_reference(pointwise: list[nn.Conv2d], spatial: list[nn.Conv2d], cin: int, cout: int,
                    n: int) -> SimplifiedInception:
    """``xe.SimplifiedInception`` (Fig. 2: per tower 1x1 -> ReLU -> 3x3 -> ReLU) carrying the learner's
    conv weights, tower by tower (the i-th 1x1 and the i-th 3x3 that the forward calls)."""
    ref = SimplifiedInception(cin, cout, 3, towers=n).eval()
    with torch.no_grad():
        for i, (branch, pw, sp) in enumerate(zip(ref.branches, pointwise, spatial)):
            if (pw.weight.shape, sp.weight.shape) != (branch[0].weight.shape, branch[2].weight.shape):
                raise Mismatch(f"tower {i}'s convs have weights of shapes {tuple(pw.weight.shape)} and "
                               f"{tuple(sp.weight.shape)}, expected {tuple(branch[0].weight.shape)} and "
                               f"{tuple(branch[2].weight.shape)}: each tower is cout // towers wide.",
                               fix=_build_fix(cin, cout, n))
            branch[0].weight.copy_(pw.weight)
            branch[2].weight.copy_(sp.weight)
    return ref


def _check_simplified_function(module: nn.Module, cin: int, cout: int, n: int, fix: str) -> None:
    """The right parameter count is not enough (a module without its ReLUs has it too): run the learner's
    module and ``xe.SimplifiedInception`` carrying the same weights on inputs of both signs, and compare."""
    x = torch.randn(2, cin, 9, 9, generator=torch.Generator().manual_seed(cin + n))
    convs = convs_in_call_order(module, x)  # the forward's order, not __init__'s
    pointwise = [c for c in convs if c.kernel_size == (1, 1)]
    spatial = [c for c in convs if c.kernel_size == (3, 3)]
    if len(pointwise) != n or len(spatial) != n or len(convs) != 2 * n:
        raise Mismatch(f"build_simplified({cin}, {cout}, {n}) should hold {n} tower(s), each "
                       "a 1x1 conv then a 3x3 conv; your forward calls the convs "
                       f"{[c.kernel_size[0] for c in convs]} (kernel sizes, in order).", fix=fix)
    ref = _fig2_reference(pointwise, spatial, cin, cout, n)
    with torch.no_grad():
        y, want = module(x), ref(x)
        if same_output(y, want):
            return
        relu, towers = torch.relu, [(b[0], b[2]) for b in ref.branches]
        wrong = {
            "it has negative outputs: Fig. 2 puts a ReLU after each tower's 3x3 conv too":
                torch.cat([sp(relu(pw(x))) for pw, sp in towers], 1),
            "put a ReLU between each tower's 1x1 conv and its 3x3 conv":
                torch.cat([relu(sp(pw(x))) for pw, sp in towers], 1),
            "it has no ReLU at all: Fig. 2 has one after each conv":
                torch.cat([sp(pw(x)) for pw, sp in towers], 1),
            "the ReLU comes before the 1x1 conv, not after it":
                torch.cat([relu(sp(pw(relu(x)))) for pw, sp in towers], 1),
        }
        hint = mistake_made(y, wrong)
    if hint is None:
        hint = (extra_layers_hint(module, "Fig. 2") or
                "each tower must be 1x1 conv -> ReLU -> 3x3 conv -> ReLU, concatenated in tower order")
    raise Mismatch(f"build_simplified({cin}, {cout}, {n}) has the right size but computes something "
                   f"else than Fig. 2 (your weights copied into xe.SimplifiedInception): {hint}.", fix=fix)
