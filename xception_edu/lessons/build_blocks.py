"""Notebook 08's build exercises: the learner writes Xception's building blocks (Sec. 3, Fig. 5) as
``nn.Module`` classes, each checked by behaviour against the package's own module:

    08.separable_conv2d  Sec. 1.2: depthwise kxk (groups = channels) -> pointwise 1x1, no bias, nothing
                         between                                   vs ops.SeparableConv2d
    08.middle_block      (ReLU -> SeparableConv 3x3 -> BN) x 3, + x  vs model.Block (block5)
    08.entry_block       (ReLU -> SeparableConv 3x3 -> BN) x 2 -> MaxPool2dTFSame(3, 2),
                         + 1x1/2 conv -> BN of x                   vs model.Block (block3, block4)

The learner passes the CLASS; the check builds it with channel numbers of its own (Fig. 5 at 1/16 and
1/32 width): ``cls(in, out, kernel_size)``, ``cls(channels)``, ``cls(in, out)``, names the structural
mistakes its traced forward shows, then compares its outputs with the reference's on the same weights
(``build_check``: how a built class is run beside the package's module). Here: what each exercise asks and
the mistakes it names. Hints are graduated: a first miss gets a nudge, a repeated one the exact fix
(``Mismatch(..., fix=...)``).
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..devices import cpu_threads
from ..exercises import Mismatch, register
from ..model import Block, MaxPool2dTFSame, XceptionConfig, fig5_blocks
from ..ops import SeparableConv2d
from .build_check import Trace, build, call_text, check_layers, compare, crashed, named_mistake, signed_input

WIDTHS = (1 / 16, 1 / 32)
"""Fig. 5 at these widths: middle blocks of 48 and 24 channels; block3 8 -> 16 and block4 16 -> 48 at 1/16."""

_POOLS = (nn.MaxPool2d, MaxPool2dTFSame)


BIAS = ("your convs have a bias. Xception's have none: the BN after each of them (Fig. 5) has its own shift.",
        "pass bias=False to every nn.Conv2d.")
ORDER = ("your module calls the 1x1 conv first: that is Fig. 4's order (extreme Inception). A depthwise "
         "separable conv (Sec. 1.2) filters each channel in space first, then mixes the channels.",
         "call the k x k depthwise conv on the input first, then the 1x1 pointwise conv on its output.")
REGULAR = ("your k x k conv mixes all the channels (groups=1): that is a regular convolution, not a "
           "depthwise one.", "give the k x k conv groups=in_channels: one filter per channel.")
DEPTH = ("your k x k conv is not one filter per channel: a depthwise conv keeps the channel count "
         "(depth multiplier 1) and leaves the change of channels to the 1x1 conv.",
         "nn.Conv2d(in_channels, in_channels, kernel_size, groups=in_channels) for the depthwise step.")
RELU_AFTER_ADD = ("your block's output is never negative: a ReLU after the add? In Fig. 5 a block ends "
                  "with the add; the next block begins with its own ReLU.", "remove the ReLU after the add.")
REBOUND = ("your shortcut reads relu(x), not the block's input x: `x = self.relu(x)` gives the name x to "
           "the ReLU's output, so by the time the shortcut reads x it is no longer the block's input.",
           "keep the block's input under a name of its own (h = self.relu(x) ... return h + x).")
INPLACE = ("your shortcut reads relu(x), not the block's input x: your first ReLU works in place, so by "
           "the time the shortcut reads x, x has been overwritten.",
           "make the first ReLU nn.ReLU() (inplace=False): the shortcut needs the untouched input.")
NO_SHORTCUT = ("your output is the residual branch alone: where is the shortcut (Fig. 5's '+')?",
               "add the block's input x to the output of the branch.")
RELU_LAST = ("your units run SeparableConv -> BN -> ReLU; in the entry and middle flows each unit BEGINS "
             "with the ReLU (Fig. 5).", "move each ReLU in front of its separable conv.")
POOL_MISSING = ("your residual branch keeps the map size, but an entry-flow block halves it: Fig. 5 ends "
                "the branch with a 3x3 max-pool of stride 2.",
                "end the branch with xe.model.MaxPool2dTFSame(3, 2), after its second BN.")
POOL_PADDING = ("your pool agrees on odd map sides but not on even ones: nn.MaxPool2d(3, 2, padding=1) pads "
                "one pixel on each side, Keras's 'same' pool pads an even side 0 before and 1 after, so "
                "its windows sit one pixel further on.", "use xe.model.MaxPool2dTFSame(3, 2) as the pool.")
SHORTCUT_BN = ("your shortcut is a bare 1x1 conv: in Fig. 5 every conv, the shortcut's too, is followed by "
               "batch normalization.", "follow the shortcut's 1x1 conv with nn.BatchNorm2d(out_channels).")
RELU_BETWEEN = ("your module puts a ReLU between the depthwise and the pointwise step: Sec. 1.2's separable "
                "conv has no non-linearity there (Fig. 10: none works best).",
                "remove the ReLU: the 1x1 conv reads the depthwise conv's output directly.")
RELU_AFTER = ("your module's output is never negative: a ReLU after the pointwise conv? Xception's separable "
              "conv ends with the 1x1 conv (a BN follows it in Fig. 5).", "remove the final ReLU.")
NO_SHORTCUT_CONV = ("the block changes the channels and halves the map, so its input cannot be added as it "
                    "is: Fig. 5 puts a 1x1 conv with stride 2 (and its BN) on the shortcut.",
                    "shortcut: a 1x1 nn.Conv2d from in_channels to out_channels, stride=2, bias=False, "
                    "then its own nn.BatchNorm2d.")

# The whole recipe: the fix for a class that cannot be built or run at all.
SEPARABLE_RECIPE = ("a depthwise nn.Conv2d(in, in, k, padding=k // 2, groups=in, bias=False), then the 1x1 "
                    "pointwise conv on its output: nn.Conv2d(in, out, 1, bias=False).")
MIDDLE_RECIPE = ("3 x [ReLU -> SeparableConv2d(channels, channels, 3) -> nn.BatchNorm2d(channels)], then add "
                 "the block's input x to the output of the branch.")
ENTRY_RECIPE = ("ReLU -> SeparableConv2d(in, out, 3) -> BN -> ReLU -> SeparableConv2d(out, out, 3) -> BN -> "
                "xe.model.MaxPool2dTFSame(3, 2), after its second BN; plus the shortcut nn.Conv2d(in, out, "
                "1, stride=2, bias=False) -> nn.BatchNorm2d(out_channels).")


def _check_separable_convs(convs, units: int | None, what: str) -> None:
    """The separable convs of a unit, in call order: no bias, depthwise kxk ('same', one filter per channel)
    before pointwise 1x1; ``units`` of them (None: not counted, the forward stopped early)."""
    if any(m.bias is not None for m in convs):
        raise Mismatch(*BIAS)
    steps = "".join("p" if m.kernel_size == (1, 1) else "d" for m in convs)
    if steps[:2] == "pd":
        raise Mismatch(*ORDER)
    for m in convs:
        if m.kernel_size == (1, 1):
            continue
        if m.groups == 1:
            raise Mismatch(*REGULAR)
        if not m.groups == m.in_channels == m.out_channels:
            raise Mismatch(*DEPTH)
        k = m.kernel_size[0]
        if m.padding not in ((k // 2, k // 2), "same") or m.padding_mode != "zeros" or m.stride != (1, 1):
            raise Mismatch(f"your {k}x{k} depthwise conv has padding={m.padding!r}, stride={m.stride}: it "
                           "changes the map size, and Xception's separable convs keep it ('same' padding).",
                           fix=f"use zero padding={k // 2} (kernel_size // 2), stride 1, for the depthwise.")
    if units is not None and steps != "dp" * units:
        raise Mismatch(f"{what} has {units} separable conv(s), each a depthwise kxk conv then a 1x1 conv; "
                       f"your forward calls {steps.count('d')} kxk and {steps.count('p')} 1x1 conv(s).",
                       fix=f"{units} x [depthwise kxk conv -> 1x1 conv], in that order"
                           + (", each unit ReLU -> SeparableConv -> BN." if units > 1 else "."))


def _check_bns(trace: Trace, want: int, what: str) -> None:
    n = len(trace.bns)
    if n != want:
        unused = f" ({len(trace.unused_bns)} more defined but never called)" if trace.unused_bns else ""
        raise Mismatch(f"your forward calls {n} BN layer(s){unused}; {what} has {want}: Fig. 5 follows every "
                       "conv and separable conv with batch normalization, and has no other BN.",
                       fix="exactly one nn.BatchNorm2d after each separable conv (and the shortcut conv), "
                           "each called in forward.")


def _bn_settings(trace: Trace) -> XceptionConfig:
    # eps and momentum are not the lesson: the reference takes the learner's (PyTorch's or Keras's)
    bn = trace.bns[0] if trace.bns else None
    return XceptionConfig(bn_eps=bn.eps, bn_momentum=bn.momentum) if bn else XceptionConfig()


def _explain(got: torch.Tensor, trace: Trace, candidates: dict) -> tuple | None:
    """The named mistake, with the block's ones that the outputs alone cannot tell apart: a shortcut that
    reads relu(x) by an in-place first ReLU or by a rebound name, and a ReLU after the add among others."""
    first = trace.calls[0] if trace.calls else None
    first_relu_inplace = isinstance(first, nn.ReLU) and first.inplace
    hint = named_mistake(got, trace, candidates)
    if hint == INPLACE and not first_relu_inplace:  # the same sum, from a rebound name
        hint = REBOUND
    if hint is None and RELU_AFTER_ADD in candidates and bool((got >= 0).all()):
        hint = RELU_AFTER_ADD  # never negative: a ReLU after the add, with some other slip
    return hint or (INPLACE if first_relu_inplace else None)


# Tensors this small run fastest on one thread: on a busy machine, threads spin against each other.
_one_thread = cpu_threads(1)


# --- the checks -------------------------------------------------------------------------------------------


@register("08.separable_conv2d", kind="build")
@_one_thread
def _separable_conv2d(answer):
    for cin, cout, k in ((8, 16, 3), (16, 8, 5)):
        x = signed_input(cin, (9, 10), seed=cin + k)
        learner = build(answer, (cin, cout, k), "cls(in_channels, out_channels, kernel_size)",
                         SEPARABLE_RECIPE)
        trace = Trace(learner, x)
        if trace.convs:  # else a functional forward (F.conv2d with weights of its own): its outputs decide
            _check_separable_convs(trace.convs, None if trace.error else 1,
                                   f"SeparableConv2d({cin}, {cout}, {k})")
        between = [m for m in trace.calls if not isinstance(m, nn.Conv2d) and m is not learner]
        if between:
            name = type(between[0]).__name__
            raise Mismatch(f"your module calls {name}: " + (
                "Sec. 1.2's depthwise separable conv is its two convs alone; in Fig. 5 the BN comes after "
                "the separable conv, outside it." if isinstance(between[0], nn.modules.batchnorm._NormBase)
                else "Sec. 1.2's depthwise separable conv has no non-linearity between its two steps (Fig. "
                "10: none works best) and none after (Fig. 5: a BN follows)."),
                fix=f"remove the {name}: nothing but the two convs.")
        if trace.error:
            raise crashed(trace, call_text(answer, (cin, cout, k)), x, SEPARABLE_RECIPE)
        ref = SeparableConv2d(cin, cout, k)
        compare(learner, trace, ref, x, "Sec. 1.2: depthwise kxk conv, then 1x1 conv", seed=cin,
                explain=_explain, wrong=lambda r, x: {RELU_BETWEEN: r.pointwise(F.relu(r.depthwise(x))),
                                                      RELU_AFTER: F.relu(r(x))})


def _middle_wrong(ref: Block, x: torch.Tensor) -> dict:
    body, h = ref.body, x
    for i in (1, 2, 3):
        h = F.relu(getattr(body, f"bn{i}")(getattr(body, f"sepconv{i}")(h)))
    return {RELU_AFTER_ADD: F.relu(body(x) + x), INPLACE: body(x) + F.relu(x), NO_SHORTCUT: body(x),
            RELU_LAST: h + x}


@register("08.middle_block", kind="build")
@_one_thread
def _middle_block(answer):
    what = "Fig. 5's middle-flow block"
    for width in WIDTHS:
        spec = next(b for b in fig5_blocks(width) if b.name == "block5")
        c = spec.in_channels
        x = signed_input(c, (7, 8), seed=c)
        learner = build(answer, (c,), "cls(channels)", MIDDLE_RECIPE)
        trace = Trace(learner, x)
        check_layers(trace, (nn.Conv2d, nn.BatchNorm2d, nn.ReLU), what)
        _check_separable_convs(trace.convs, None if trace.error else 3, what)
        if trace.error:
            raise crashed(trace, call_text(answer, (c,)), x, MIDDLE_RECIPE)
        _check_bns(trace, 3, what)
        ref = Block(spec, _bn_settings(trace))
        compare(learner, trace, ref, x, "3 x [ReLU -> SeparableConv 3x3 -> BN], then + x",
                wrong=_middle_wrong, seed=c, explain=_explain)


def _entry_wrong(ref: Block, x: torch.Tensor) -> dict:
    body, shortcut, h = ref.body, ref.shortcut, x
    for i in (1, 2):
        h = F.relu(getattr(body, f"bn{i}")(getattr(body, f"sepconv{i}")(h)))
    return {RELU_AFTER_ADD: F.relu(body(x) + shortcut(x)), INPLACE: body(x) + shortcut(F.relu(x)),
            POOL_PADDING: F.max_pool2d(body[:-1](x), 3, 2, padding=1) + shortcut(x),
            SHORTCUT_BN: body(x) + shortcut.conv(x), RELU_LAST: body.pool(h) + shortcut(x)}


def _entry_shortcut(trace: Trace, x: torch.Tensor, cin: int):
    """The learner's shortcut conv and BN (the 1x1 conv with a stride, the BN it feeds), or the named
    mistake that leaves the block without them; () if it has no strided conv yet the right shapes."""
    convs = [m for m in trace.convs if m.kernel_size == (1, 1) and m.stride != (1, 1)]
    broken = trace.error is not None or trace.out.shape[-2:] != _pooled_side(x)
    if not any(isinstance(m, _POOLS) for m in trace.calls) and broken:
        raise Mismatch(*POOL_MISSING)
    if not convs and not broken:
        return ()  # no strided 1x1 conv, yet the shapes agree (x[..., ::2, ::2], say): the outputs decide
    if not convs:
        if sum(m.kernel_size == (1, 1) and m.in_channels == cin for m in trace.convs) >= 2:
            (h, w), (sh, sw) = _pooled_side(x), x.shape[-2:]
            raise Mismatch(f"shape mismatch: your shortcut keeps the {sh}x{sw} map while the pooled branch "
                           f"is {h}x{w}. The shortcut must halve the map as the pool does.",
                           fix="give the shortcut's 1x1 conv stride=2.")
        raise Mismatch(*NO_SHORTCUT_CONV)
    bns = [m for m in trace.bns if trace.fed_by.get(m) is convs[0]]
    if not bns:
        raise Mismatch(*SHORTCUT_BN)
    return convs[0], bns[0]


def _pooled_side(x: torch.Tensor) -> tuple[int, int]:
    # TF "same" pooling with stride 2 rounds up
    return tuple(-(-n // 2) for n in x.shape[-2:])


@register("08.entry_block", kind="build")
@_one_thread
def _entry_block(answer):
    what = "Fig. 5's entry-flow block"
    for name in ("block3", "block4"):
        spec = next(b for b in fig5_blocks(WIDTHS[0]) if b.name == name)
        cin, cout = spec.in_channels, spec.out_channels
        # an even side and an odd one: TF "same" pads the even one 0 before and 1 after, the odd one 1 and 1
        x = signed_input(cin, (10, 9), seed=cin)
        learner = build(answer, (cin, cout), "cls(in_channels, out_channels)", ENTRY_RECIPE)
        trace = Trace(learner, x)
        check_layers(trace, (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, *_POOLS), what)
        if trace.error and any(m not in trace.calls for m in trace.leaves):  # stopped early: what it
            raise crashed(trace, call_text(answer, (cin, cout)), x, ENTRY_RECIPE)  # lacks cannot be told
        shortcut = _entry_shortcut(trace, x, cin)
        branch = [m for m in trace.convs if m not in shortcut]
        _check_separable_convs(branch, None if trace.error else 2, what)
        if trace.error:
            raise crashed(trace, call_text(answer, (cin, cout)), x, ENTRY_RECIPE)
        _check_bns(trace, 3, what)
        ref = Block(spec, _bn_settings(trace))
        pairs = tuple(zip(shortcut, (ref.shortcut.conv, ref.shortcut.bn)))
        compare(learner, trace, ref, x, "2 x [ReLU -> SeparableConv 3x3 -> BN] -> MaxPool2dTFSame(3, 2)"
                ", plus 1x1/2 conv -> BN of x", wrong=_entry_wrong, pairs=pairs, seed=cin, explain=_explain)
