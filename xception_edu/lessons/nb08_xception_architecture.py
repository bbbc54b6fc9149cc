"""Notebook 08, Xception dissected (Fig. 5, Table 3): the depth-and-width widget and the exercise checks.
The figures of the feature maps and of where the parameters go are ``anatomy_figures``'s; the Fig. 5
widget is ``fig5``'s; the counting lives in ``model/anatomy.py``."""

from __future__ import annotations

import copy
import functools

import ipywidgets as W
import torch
import torch.nn as nn

from ..exercises import Mismatch, attempt, check, register
from ..experiments.timing import time_training_steps
from ..model import Block, Xception, breakdown, fig5_blocks, xception_counts
from ..ops import SeparableConv2d
from . import build_blocks  # noqa: F401  (registers the 08 build exercises)
from .anatomy_figures import breakdown_described, feature_maps_described
from .app import App, check_choices
from .checking import Mistake, close, closed_form, separating
from .fig5 import (
    ARCH_IMAGE_SIZES,
    MIDDLE_REPEAT_CHOICES,
    WIDTH_MULTIPLIERS,
    fig5_app,
    fig5_drawing,
    fig5_picture,
)
from .figures import PALETTE
from .html_table import stacking_table
from .svg import html_bar

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "architecture", "breakdown", "breakdown_described", "check", "feature_maps_described", "fig5_app",
    "fig5_drawing", "fig5_picture", "time_training_steps", "xception_counts",
]


# --- Xception's size as a function of depth and width (Fig. 5) ---------------------------------------------
# (its choices, MIDDLE_REPEAT_CHOICES, WIDTH_MULTIPLIERS and ARCH_IMAGE_SIZES, are the Fig. 5 widget's too)


ARCH_TABLE_PX = 500
"""Under this width the table of flows stacks its rows (side by side they need about 445 px in JupyterLab)."""


def architecture_view(middle_repeats: int, width: float, image_size: int = 299) -> str:
    """HTML for notebook 08's widget: parameters and multiply-adds per flow of ``Xception(middle_repeats,
    width)`` at ``image_size`` px, in closed form (``model.anatomy.xception_counts``: no model is built), with
    bars relative to the paper's model and the totals in stable spans ``xe-params`` and ``xe-macs``."""
    parts = xception_counts(middle_repeats, width, image_size)
    paper = xception_counts()["total"]
    total = parts["total"]
    scale = max(total.params, paper.params)
    mscale = max(total.macs, xception_counts(middle_repeats, width, 299)["total"].macs, paper.macs)
    colors = dict(zip(("stem", "entry", "middle", "exit", "classifier"), PALETTE[6:7] + PALETTE[:4]))
    rows = [[name, f"{c.params:,}", html_bar(c.params, scale, colors[name], length=150, height=10),
             f"{c.macs / 1e9:.3f} G", html_bar(c.macs, mscale, colors[name], length=150, height=10)]
            for name, c in parts.items() if name != "total"]
    table = stacking_table(("flow", "parameters", "on one scale", "multiply-adds", "on one scale"), rows,
                           f"Parameters and multiply-adds per flow, at {image_size}x{image_size} px",
                           ARCH_TABLE_PX, right=(1, 3))
    return (
        f"<p>Xception with <b>{middle_repeats}</b> middle-flow block{'s' if middle_repeats != 1 else ''} "
        f"(paper: 8), width × <b>{width:g}</b>, at {image_size}x{image_size} px</p>" + table +
        f"<p><span class='xe-params'>parameters: {total.params:,}</span> · "
        f"<span class='xe-macs'>multiply-adds: {total.macs:,}</span> per image</p>"
        f"<p style='color:#555'>{total.params / paper.params:.2f}x the parameters and "
        f"{total.macs / paper.macs:.2f}x "
        f"the multiply-adds of the paper's model (22,855,952; 8.36 G at 299 px)</p>"
    )


def architecture(middle_repeats: int = 8, width: float = 1.0, image_size: int = 299) -> App:
    """Notebook 08's widget: middle-flow repeats, width multiplier and input size -> parameters and
    multiply-adds per flow, closed form (no model is built)."""
    check_choices(middle_repeats=(middle_repeats, MIDDLE_REPEAT_CHOICES), width=(width, WIDTH_MULTIPLIERS),
                  image_size=(image_size, ARCH_IMAGE_SIZES))
    controls = {
        "middle_repeats": W.SelectionSlider(options=MIDDLE_REPEAT_CHOICES, value=middle_repeats,
                                            description="middle blocks"),
        "width": W.SelectionSlider(options=WIDTH_MULTIPLIERS, value=width, description="width ×"),
        "image_size": W.SelectionSlider(options=ARCH_IMAGE_SIZES, value=image_size, description="input px"),
    }
    return App(controls, architecture_view, title="Xception's size: depth, width and input")


# --- exercise checks --------------------------------------------------------------------------------------


_SILENCE_FIX = ("take the last nn.BatchNorm2d of block.body and zero both its weight and its bias (under "
                "torch.no_grad()), then return the block")
_SILENCE_NUDGE = ("The body ends with a BN (in an entry block, then a max-pool): what makes a BN output "
                  "zeros whatever its input, in training and in eval mode?")


def _scrambled_block(name: str, seed: int) -> Block:
    """Fig. 5's block ``name`` at width 1/8, every weight and BN statistic drawn from ``seed``: the BNs'
    shifts are not 0 and their scales not 1, so a half-silenced BN shows."""
    spec = next(b for b in fig5_blocks(1 / 8) if b.name == name)
    block, g = Block(spec), torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for t in block.parameters():
            t.copy_(torch.randn(t.shape, generator=g))
        for m in block.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
    return block


def _silence_hint(block: nn.Module, ref: Block) -> str:
    """What a block whose body still adds something shows: which weights were changed, which not."""
    def changed(a, b):  # parameters only: a forward pass in training mode moves the BNs' statistics
        return [n for (n, t), (_, u) in zip(a.named_parameters(), b.named_parameters())
                if not torch.equal(t, u)]

    if ref.shortcut is not None and changed(block.shortcut, ref.shortcut):
        return "You changed the shortcut too: keep it as it is, so that the block computes its shortcut only."
    bns = [m for m in block.body.modules() if isinstance(m, nn.BatchNorm2d)]
    scale, shift = (not bool(t.count_nonzero()) for t in (bns[-1].weight, bns[-1].bias))
    if scale and not shift:
        return "The last BN's shift (its bias) is still added, whatever the BN is fed."
    if shift and not scale:
        return ("The last BN's scale (its weight) still multiplies the normalized map, and in eval mode the "
                "running statistics keep that map away from 0.")
    if changed(block.body, ref.body):
        return ("The layers after the ones you changed still add something: a BN adds its shift whatever it "
                "is fed. Silence the LAST layer with a shift.")
    return "Your function changed nothing in the block's body."


@register("08.silence_body", kind="prove")
def _silence_body(fn):
    for name, size, what in [("block7", (5, 6), "a middle-flow block"),
                             ("block3", (8, 7), "an entry-flow block")]:
        block = _scrambled_block(name, seed=len(name) + size[0])
        ref = copy.deepcopy(block)
        x = torch.randn(2, block.in_channels, *size, generator=torch.Generator().manual_seed(size[1]))
        call = f"silence_body(Fig. 5's {name}, {what})"
        got = attempt(fn, (block,), call, _SILENCE_NUDGE, fix=_SILENCE_FIX)
        if not isinstance(got, nn.Module):
            raise Mismatch(f"{call} returned {type(got).__name__}: return the block, its body silenced.",
                           fix=_SILENCE_FIX)
        for train in (True, False):  # batch statistics, then the running ones; on copies, which they move
            with torch.no_grad():
                out = attempt(copy.deepcopy(got).train(train), (x,),
                              f"{call} run on an input of shape {tuple(x.shape)}", _SILENCE_NUDGE,
                              fix=_SILENCE_FIX)
                want = copy.deepcopy(ref.shortcut).train(train)(x)
                off = (out - want).abs().max() if out.shape == want.shape else float("nan")
            if not close(off, 0.0, 1e-5):
                mode = "training" if train else "eval"
                raise Mismatch(f"{call}: in {mode} mode the block does not compute its shortcut alone "
                               f"(largest difference {float(off):.3g}). {_silence_hint(got, ref)}",
                               fix=_SILENCE_FIX)


def _pooled(n, stem=lambda n: (n - 3) // 2 + 1 - 2, halve=lambda s: -(-s // 2), pools=4):
    """The exit flow's side after the stem's two valid 3x3 convs (the first of stride 2) and the 'same'
    max-pools of stride 2; a learner's slip replaces one step."""
    s = stem(n)
    for _ in range(pools):
        s = halve(s)
    return s


_BY_32 = ("Not simply n / 32: the stem's two 3x3 convs are VALID (no padding), so they take pixels off, and "
          "the first one has stride 2.")
_EXIT_MISTAKES = (
    Mistake(lambda n: _pooled(n, halve=lambda s: s // 2),
            "Each 'same' max-pool of stride 2 halves the side rounding UP: an odd side keeps its last row, "
            "in a window cut short by the padding."),
    Mistake(lambda n: _pooled(n, halve=lambda s: round(s / 2)),
            "round() rounds a half to the EVEN neighbour (round(2.5) == 2): a 'same' max-pool of stride 2 "
            "rounds every half UP."),
    Mistake(lambda n: n // 32, _BY_32),
    Mistake(lambda n: -(-n // 32), _BY_32),
    Mistake(lambda n: _pooled(n, stem=lambda n: n // 2 - 2),
            "The stem's first conv is a VALID 3x3 of stride 2: it does not simply halve the side, its "
            "window must fit in the image first (try an even n)."),
    Mistake(lambda n: _pooled(n, stem=lambda n: -(-n // 2) - 2),
            "The stem's first conv has no padding ('valid', not 'same'): its windows must fit inside the "
            "image, and a 'same' conv would keep one more row."),
    Mistake(lambda n: _pooled(n, pools=3),
            "Count the max-pools of stride 2 again: blocks 2, 3, 4 of the entry flow and block 13 of the "
            "exit flow each have one."),
)


@functools.cache
def _exit_sides() -> dict[int, int]:
    """Input side -> the side of the model's exit-flow map, measured: the usual sizes, then for each
    typical slip a size where it shows (a stem side that is a multiple of 16 for the stem's slips) and
    where it differs from the other slips."""
    sizes = separating([(n,) for n in range(71, 400)], _pooled, _EXIT_MISTAKES,
                       grid=[(n,) for n in (71, 80, 128, 224, 299, 331)])
    tiny = Xception(num_classes=2, middle_repeats=0, width=0.125).eval()
    with torch.no_grad():
        return {n: tiny.forward_features(torch.zeros(1, 3, n, n)).shape[-1] for (n,) in sizes}


@register("08.exit_map_size", kind="formula")
def _exit_map_size(fn):
    side = _exit_sides()
    closed_form("exit_map_size", fn, [(n,) for n in side], side.__getitem__, _EXIT_MISTAKES,
                nudge="Follow the side through the stem (two valid 3x3 convs, the first of stride 2), then "
                      "through the four 'same' max-pools of stride 2 (blocks 2, 3, 4 and 13).",
                fix="side = (n - 3) // 2 + 1 - 2 after the stem; then, four times, side = -(-side // 2) "
                    "(the ceiling of side / 2).")


@register("08.depthwise_params", kind="build")
def _depthwise_params(fn):
    fix = "sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Conv2d) and m.groups == " \
          "m.in_channels > 1)"
    # two Xceptions, then a model whose regular 3x3 conv has as many inputs as outputs (8 -> 8)
    sep = SeparableConv2d(8, 16, 3)
    cases = [(f"Xception({kw})", Xception(num_classes=10, **kw))
             for kw in (dict(middle_repeats=0, width=0.25), dict(middle_repeats=2, width=0.5))]
    cases.append(("nn.Sequential(nn.Conv2d(8, 8, 3), SeparableConv2d(8, 16))",
                  torch.nn.Sequential(torch.nn.Conv2d(8, 8, 3, bias=False), sep)))
    for name, model in cases:
        got = attempt(fn, (model,), f"for {name}", "Which nn.Conv2d are depthwise?", fix=fix)
        want = (breakdown(model, 71)["depthwise"].params if isinstance(model, Xception)
                else sep.depthwise.weight.numel())
        if got != want:
            convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
            pointwise = sum(m.weight.numel() for m in convs if m.kernel_size == (1, 1) and m.groups == 1)
            spatial = sum(m.weight.numel() for m in convs if m.kernel_size != (1, 1))
            hint = ("That counts every conv: only the depthwise ones count here, the k x k step of each "
                    "separable conv." if got == sum(m.weight.numel() for m in convs) else
                    "That counts the 1x1 (pointwise) convs: the depthwise ones are the k x k steps."
                    if got == pointwise else
                    "That counts the k x k convs with as many inputs as outputs: a regular conv can have "
                    "that shape too. What makes a conv depthwise is how it connects its channels."
                    if got == sum(m.weight.numel() for m in convs if m.kernel_size != (1, 1)
                                  and m.in_channels == m.out_channels) else
                    "That counts every k x k conv, the stem's regular 3x3 convs too: which attribute of an "
                    "nn.Conv2d tells a depthwise one from a regular one?" if got == spatial else
                    "Which nn.Conv2d are depthwise? One attribute of the module tells.")
            raise Mismatch(f"for {name} you counted {got:,}, expected {want:,}. {hint}", fix=fix)
