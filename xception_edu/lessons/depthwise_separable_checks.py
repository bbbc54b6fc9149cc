"""Notebook 05's exercise checks, on the depthwise separable conv of Sec. 1.2: a depthwise conv built with
``groups`` (05.depthwise_conv) and by hand, channel by channel (05.depthwise_by_hand), and the proof that
depthwise then pointwise is one regular conv with weight W[o, c] = p[o, c] · d_c (05.separable_as_regular).
Each compares with ``F.conv2d`` and names the usual slip."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..exercises import Mismatch, attempt, register
from ..ops import connectivity_matrix, measured_connectivity
from .checking import mistake_made, same_output

_AS_REGULAR_FIX = ("W = pointwise * depthwise.transpose(0, 1): (cout, cin, 1, 1) times (1, cin, k, k) "
                   "broadcasts to W[o, c] = p[o, c] * d_c")

_INPUT_FILTER = ("Here cout is not cin: W[o, c] pairs the pointwise weight p[o, c] with d_c, the depthwise "
                 "filter of the INPUT channel c.")

# (cin, cout, k, why a crash here is likely)
_AS_REGULAR_CASES = [(4, 4, 3, "W has a k x k filter for every (output o, input c) pair."),
                     (3, 5, 3, _INPUT_FILTER), (6, 2, 5, _INPUT_FILTER)]


def _as_regular_slips(depthwise, pointwise) -> dict[str, torch.Tensor]:
    """The regular weights the usual slips give, each with the nudge that names it."""
    d, p = depthwise[:, 0], pointwise[:, :, 0, 0]
    cout, cin = p.shape
    slips = {"Each filter d_c must be scaled by p[o, c]: yours leaves the pointwise weights out.":
             d[None].expand(cout, -1, -1, -1)}
    if cout == cin:  # the output channel's filter, or the pointwise weight transposed, fit the shape then
        slips["W[o, c] is scaled by d_o, the filter of the OUTPUT channel (Fig. 4's order, 1x1 first): the "
              "depthwise step filters the INPUT channel c, so W[o, c] needs d_c."] = \
            p[:, :, None, None] * d[:, None]
        slips["p[o, c] is pointwise[o, c, 0, 0]: dim 0 of the pointwise weight is the output channel (you "
              "took its transpose)."] = p.T[:, :, None, None] * d[None]
    return slips


@register("05.separable_as_regular", kind="prove")
def _separable_as_regular(fn):
    g = torch.Generator().manual_seed(5)
    for cin, cout, k, why in _AS_REGULAR_CASES:
        depthwise = torch.randn(cin, 1, k, k, generator=g)
        pointwise = torch.randn(cout, cin, 1, 1, generator=g)
        x = torch.randn(2, cin, 7, 7, generator=g)
        case = f"For a separable conv {cin} -> {cout}, k = {k}"
        answer = attempt(fn, (depthwise.clone(), pointwise.clone()), case, why, fix=_AS_REGULAR_FIX)
        if answer is None:
            raise Mismatch(f"{case}: your function returned None: did you forget `return`?",
                           fix=_AS_REGULAR_FIX)
        got = torch.as_tensor(answer).detach().float()
        if got.shape != (cout, cin, k, k):
            hint = ("you added up over the input channels: W keeps one filter per (o, c) pair, and the conv "
                    "adds them up" if got.shape in ((cout, 1, k, k), (cout, k, k)) else
                    "rows are the cout output channels, columns the cin input channels")
            raise Mismatch(f"{case}: you returned shape {tuple(got.shape)}, expected {(cout, cin, k, k)}: "
                           f"{hint}.", fix=_AS_REGULAR_FIX)
        two_steps = F.conv2d(F.conv2d(x, depthwise, padding=k // 2, groups=cin), pointwise)
        if same_output(F.conv2d(x, got, padding=k // 2), two_steps):
            continue
        hint = mistake_made(got, _as_regular_slips(depthwise, pointwise)) or (
            "One regular conv with your weight computes another function than depthwise then pointwise: "
            "W[o, c] is the k x k filter d_c of input channel c, times the number p[o, c].")
        raise Mismatch(f"{case}: the outputs differ from the two-step conv's. {hint}", fix=_AS_REGULAR_FIX)


@register("05.depthwise_conv", kind="build")
def _depthwise_conv(fn):
    for c, k in [(6, 3), (16, 5), (4, 1)]:
        fix = f"nn.Conv2d({c}, {c}, {k}, padding={k // 2}, groups={c}, bias=False)"
        conv = fn(c, k)
        if not isinstance(conv, torch.nn.Conv2d):
            raise Mismatch(f"depthwise_conv({c}, {k}) should return an nn.Conv2d, got {type(conv).__name__}",
                           fix="return the nn.Conv2d itself, not wrapped in another module.")
        if tuple(conv.weight.shape) != (c, 1, k, k):
            hint = (f"set `groups` so that each of the {c} filters sees ONE input channel"
                    if conv.weight.shape[1] != 1 else f"make it a {k} x {k} conv from {c} to {c} channels")
            raise Mismatch(f"depthwise_conv({c}, {k}): the weight has shape {tuple(conv.weight.shape)}, "
                           f"expected ({c}, 1, {k}, {k}): {hint}.", fix=fix)
        if not (measured_connectivity(conv) == connectivity_matrix(c, c)).all():
            raise Mismatch("each output channel must read only its own input channel.", fix=fix)
        if conv.bias is not None:
            raise Mismatch(f"depthwise_conv({c}, {k}) has a bias: the exercise asks for none.",
                           fix=fix)
        x = torch.randn(2, c, 9, 9, generator=torch.Generator().manual_seed(c + k))
        with torch.no_grad():
            y = conv(x)
        if y.shape[-2:] != (9, 9):
            raise Mismatch(f"depthwise_conv({c}, {k}) turns a 9x9 map into {tuple(y.shape[-2:])}: 'same' "
                           "padding keeps the size.", fix=fix)
        with torch.no_grad():  # stride, dilation, padding mode: the values tell
            want = F.conv2d(x, conv.weight, padding=k // 2, groups=c)
        if not torch.allclose(y, want, atol=1e-5):
            raise Mismatch(f"depthwise_conv({c}, {k}) keeps the size but computes something else than a "
                           "zero-padded depthwise conv: check padding_mode, stride and dilation (the "
                           "defaults are right).", fix=fix)


@register("05.depthwise_by_hand", kind="build")
def _depthwise_by_hand(fn):
    fix = ("torch.cat([F.conv2d(x[:, i:i + 1], weight[i:i + 1], padding=1) for i in range(x.shape[1])], "
           "dim=1)")
    g = torch.Generator().manual_seed(0)
    for c in (3, 5):
        x, w = torch.randn(2, c, 7, 7, generator=g), torch.randn(c, 1, 3, 3, generator=g)
        want = F.conv2d(x, w, padding=1, groups=c)
        answer = attempt(fn, (x, w), f"for x of shape {tuple(x.shape)}",
                         "Filter each channel i on its own, with its own kernel weight[i].", fix=fix)
        if answer is None:
            raise Mismatch("depthwise_by_hand returned None: did you forget `return`?", fix=fix)
        got = torch.as_tensor(answer)
        if got.shape != want.shape:
            hint = ("padding=1 keeps the 7x7 size" if got.shape[:2] == want.shape[:2] else
                    "one output channel per input channel, concatenated on dim=1")
            raise Mismatch(f"for x of shape {tuple(x.shape)} you returned shape {tuple(got.shape)}, "
                           f"expected {tuple(want.shape)}: {hint}.", fix=fix)
        if torch.allclose(got, want, atol=1e-5):
            continue
        shared = torch.cat([F.conv2d(x[:, i:i + 1], w[:1], padding=1) for i in range(c)], dim=1)
        only_first = torch.zeros_like(x)
        only_first[:, 0] = x[:, 0]  # a depthwise conv's other outputs must stay zero
        mixes = bool(torch.as_tensor(fn(only_first, w))[:, 1:].abs().max() > 1e-6)
        flipped = F.conv2d(x, w.flip(-1, -2), padding=1, groups=c)
        hint = ("You used kernel 0 for every channel: channel i has its OWN kernel weight[i]."
                if torch.allclose(got, shared, atol=1e-5) else
                "Your outputs mix the channels (as a regular conv does): output i reads input channel i only."
                if mixes else
                "You flipped the kernels: a conv layer slides each kernel as it is."
                if torch.allclose(got, flipped, atol=1e-5) else
                "Filter each channel i on its own, with its own kernel (padding=1), then put the outputs "
                "back together.")
        raise Mismatch(f"wrong values for {c} channels. {hint}", fix=fix)
