"""Notebook 04's exercise checks, on extreme Inception (Fig. 4) and the spectrum of Sec. 1.2: how many times
fewer multiply-adds g groups do (04.macs_speedup), which group counts are valid (04.valid_groups), and Fig. 4
built as a module (04.build_extreme), checked by behaviour with the learner's weights copied into
``ops.ExtremeInception``."""

from __future__ import annotations

import torch

from .. import counting
from .._validate import divisors
from ..exercises import Mismatch, attempt, register
from ..ops import ExtremeInception, connectivity_matrix, measured_connectivity
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


def _speedup(cin: int, c: int, k: int, g: int) -> float:
    """How many times fewer multiply-adds a spectrum point (a 1x1 conv cin -> c, then a k x k conv in g
    groups; Sec. 1.2) does than the same module at g = 1: the map size cancels, the 1x1 conv does not."""
    return counting.spectrum(cin, c, k, 1, (1, 1)).macs / counting.spectrum(cin, c, k, g, (1, 1)).macs


@register("04.macs_speedup", kind="predict")
def _macs_speedup(fn):
    closed_form(
        "macs_speedup", fn,
        [(48, 48, 3, 48), (48, 48, 3, 3), (48, 48, 3, 1), (32, 64, 5, 8), (16, 32, 3, 4), (64, 24, 1, 2),
         (3, 12, 7, 6)],
        _speedup, [
            Mistake(lambda cin, c, k, g: g, "The 1x1 conv costs the same at every g: only the k x k step "
                    "gets cheaper, so the whole module gets cheaper by less than g."),
            Mistake(lambda cin, c, k, g: 1 / _speedup(cin, c, k, g), "That is the cost at g over the cost at "
                    "g = 1 (at most 1): the task asks how many times FEWER."),
            Mistake(lambda cin, c, k, g: _speedup(cin, c, k, c), "That is the saving at g = c (Fig. 4), "
                    "whatever g: use the g you are given."),
            Mistake(lambda cin, c, k, g: (cin * c + k * k * c * c) / (cin * c + k * k * c * c / g**2),
                    "You divided by g twice: the g segments together still give all c output channels."),
            Mistake(lambda cin, c, k, g: (cin * c + k * c * c) / (cin * c + k * c * c / g),
                    "A k x k filter has k*k weights, not k."),
            Mistake(lambda cin, c, k, g: (k * k * cin * c + cin * c) / (k * k * cin * c / g + cin * c),
                    "The k x k conv comes AFTER the 1x1: it works on the c channels, not on the cin inputs."),
        ], nudge="Write the multiply-adds per pixel at g = 1 and at g (the 1x1 conv, then the grouped k x k "
                 "conv), then divide.",
        fix="macs_speedup = (cin * c + k * k * c * c) / (cin * c + k * k * c * c / g).")


@register("04.valid_groups", kind="formula")
def _valid_groups(fn):
    fix = "valid_groups = [g for g in range(1, c + 1) if c % g == 0]"
    for c in (12, 48, 728, 97, 36, 1):
        answer = attempt(fn, (c,), f"valid_groups({c})",
                         "Which g from 1 to c split the c channels into whole groups?", fix=fix)
        if answer is None:
            raise Mismatch(f"valid_groups({c}) returned None: did you forget `return`?", fix=fix)
        got, want = list(answer), divisors(c)
        if got == want:
            continue
        shown = f"valid_groups({c}) returned {got[:12]}{'...' if len(got) > 12 else ''}"
        hint = ("c itself is missing: c groups of one channel each is Fig. 4, one filter per channel"
                if got == want[:-1] else
                "1 is missing: one group is the regular conv, the spectrum's other end"
                if got == want[1:] else
                "1 and c are both missing: the spectrum's two ends (a regular conv, Fig. 4) are valid too"
                if got == want[1:-1] else
                "put them in increasing order" if sorted(got) == want else
                "a group count must divide c; it need not be a power of two"
                if set(got) < set(want) and all(g & (g - 1) == 0 for g in got) else
                "each valid g splits the c channels into g segments of equal size: g divides c")
        raise Mismatch(f"{shown}: {hint}.", fix=fix)


def _extreme_count_hint(module: torch.nn.Module, cin: int, c: int, got: int) -> str:
    """The mistake a wrong parameter count of build_extreme(cin, c) shows, as the module itself tells."""
    convs = convs_in_call_order(module, torch.randn(1, cin, 7, 7))
    biased = sorted({f"{m.kernel_size[0]}x{m.kernel_size[1]}" for m in convs if m.bias is not None})
    if biased:
        return f"Your {' and '.join(biased)} convs have a bias; Fig. 4's have none."
    if convs and convs[0].kernel_size != (1, 1):
        return ("Your forward calls the 3x3 conv first, on the input: that is a depthwise separable conv's "
                "order. Fig. 4 starts with the 1x1 conv, and the 3x3 conv filters ITS output.")
    if any(got == cin * c + 9 * c * (c // g) for g in divisors(c)):
        return "Fig. 4's 3x3 step has ONE 3x3 filter per channel: how many groups is that?"
    return (f"Fig. 4 is a 1x1 conv {cin} -> {c}, then a 3x3 conv {c} -> {c} with one filter per channel: "
            "count your convs' weights against that.")


def _fig4_reference(module: torch.nn.Module, cin: int, c: int) -> ExtremeInception:
    """``xe.ExtremeInception`` (Fig. 4: 1x1 -> ReLU -> depthwise 3x3 -> ReLU) carrying the weights of a
    learner's module: its 1x1 conv and its 3x3 conv with one filter per channel."""
    convs = [m for m in module.modules() if isinstance(m, torch.nn.Conv2d)]
    pw = [m for m in convs if m.kernel_size == (1, 1) and (m.in_channels, m.out_channels) == (cin, c)]
    dw = [m for m in convs if m.kernel_size == (3, 3) and m.groups == c == m.in_channels == m.out_channels]
    if len(pw) != 1 or len(dw) != 1 or len(convs) != 2:
        raise Mismatch(f"build_extreme({cin}, {c}) should hold exactly two nn.Conv2d: "
                       f"a 1x1 conv {cin} -> {c} and a 3x3 conv {c} -> {c}, one filter per channel; "
                       f"found {len(convs)} conv(s).", fix=_extreme_fix(cin, c))
    ref = ExtremeInception(cin, c, 3).eval()
    with torch.no_grad():
        ref.pointwise.weight.copy_(pw[0].weight)
        ref.spatial.weight.copy_(dw[0].weight)
    return ref


def _fig4_wrong_answers(ref: ExtremeInception, x: torch.Tensor) -> dict:
    """What common wrong answers compute with the same weights, each with the message that names it."""
    pw, dw, relu = ref.pointwise, ref.spatial, torch.relu
    return {
        "there is no ReLU after the 3x3 depthwise conv: in Fig. 4 (as in every Inception module) BOTH "
        "operations are followed by a ReLU": dw(relu(pw(x))),
        "there is no ReLU between the 1x1 conv and the 3x3 conv": relu(dw(pw(x))),
        "there is no ReLU at all: Fig. 4 has one after the 1x1 conv and one after the 3x3 conv": dw(pw(x)),
        "the ReLU comes before the 1x1 conv, not after it": relu(dw(pw(relu(x)))),
    }


def _extreme_fix(cin: int, c: int) -> str:
    return (f"nn.Sequential(nn.Conv2d({cin}, {c}, 1, bias=False), nn.ReLU(), "
            f"nn.Conv2d({c}, {c}, 3, padding=1, groups={c}, bias=False), nn.ReLU())")


@register("04.build_extreme", kind="build")
def _build_extreme(fn):
    for cin, c in [(8, 12), (16, 16), (6, 4)]:
        fix = f"for build_extreme({cin}, {c}): {_extreme_fix(cin, c)}"
        call = f"build_extreme({cin}, {c})"
        module = attempt(fn, (cin, c), call, BUILD_CRASH, fix=fix)
        if not isinstance(module, torch.nn.Module):
            raise Mismatch(f"{call} returned a {type(module).__name__}, not an nn.Module")
        with torch.no_grad():
            y = attempt(module, (torch.randn(1, cin, 7, 7),),
                        f"{call} run on an input of shape (1, {cin}, 7, 7)", FORWARD_CRASH, fix=fix)
        if tuple(y.shape) != (1, c, 7, 7):
            why = ": pad the 3x3 conv so that the map keeps its size" if y.shape[-2:] != (7, 7) else ""
            raise Mismatch(f"build_extreme({cin}, {c}) maps (1, {cin}, 7, 7) to {tuple(y.shape)}, "
                           f"expected (1, {c}, 7, 7){why}.", fix=fix)
        got, want = (sum(p.numel() for p in module.parameters()),
                     counting.spectrum(cin, c, 3, c, (1, 1)).params)
        if got != want:
            hint = _extreme_count_hint(module, cin, c, got)
            raise Mismatch(f"build_extreme({cin}, {c}) has {got} parameters, expected {want}. {hint}",
                           fix=fix)
        spatial = [m for m in module.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size[0] == 3]
        if len(spatial) != 1 or not (measured_connectivity(spatial[0]) == connectivity_matrix(c, c)).all():
            raise Mismatch("the 3x3 conv must filter each channel on its own: "
                           "groups equal to its channel count.", fix=fix)
        # behaviour, not only counts: the learner's weights in the reference, inputs of both signs
        ref = _fig4_reference(module, cin, c)
        x = torch.randn(4, cin, 7, 7, generator=torch.Generator().manual_seed(cin + c))
        with torch.no_grad():
            got, want = module(x), ref(x)
            if same_output(got, want):
                continue
            why = mistake_made(got, _fig4_wrong_answers(ref, x))
        if why:
            raise Mismatch(f"with your weights copied into xe.ExtremeInception the outputs differ: {why}.",
                           fix=fix)
        others = extra_layers_hint(module, "Fig. 4")
        if others or (got.min() > 0 and got.max() < 1):
            used = others or "your outputs all lie in (0, 1)"
            raise Mismatch(f"with your weights copied into xe.ExtremeInception the outputs differ: {used}; "
                           "Fig. 4 follows each of its two convs with a ReLU.", fix=fix)
        raise Mismatch("with your weights copied into xe.ExtremeInception the outputs differ "
                       f"(largest difference {(got - want).abs().max().item():.3g}): Fig. 4 is "
                       "1x1 conv -> ReLU -> 3x3 depthwise conv -> ReLU, in that order.", fix=fix)
