"""Notebook 05, depthwise separable convolution (Sec. 1.2) and its two differences from Fig. 4: the order of
the steps (the regrouping widget) and the non-linearity between them (a miniature of Fig. 10)."""

from __future__ import annotations

import ipywidgets as W
import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import data
from ..data import load_photo
from ..devices import cpu_threads
from ..exercises import Mismatch, attempt, check, register
from ..experiments.nets import small_net
from ..ops import (
    ExtremeInception,
    SeparableConv2d,
    connectivity_matrix,
    measured_connectivity,
    pointwise_first_stack,
    regroup_stack,
)
from .app import App, same_function
from .checking import mistake_made, same_output
from .figures import Described, described, series_style
from .nb01_standard_convolution import WEIGHT_CMAP
from .operator_drawing import operator_figure

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "check", "depthwise_figure", "fig10_miniature", "load_photo", "miniature_data", "miniature_figure",
    "operator_figure", "regroup", "regroup_fig4", "regroup_numbers", "regroup_view", "train_miniature",
]


def depthwise_figure(conv: nn.Conv2d, image: torch.Tensor) -> Described:
    """A depthwise conv (``groups = channels``) applied to C IDENTICAL input channels (one grey image
    copied C times): top row, its C kernels (one k x k filter per channel, all different); bottom row,
    the C outputs — different too. A conv that shared one kernel across channels would give C
    identical outputs."""
    import matplotlib.pyplot as plt

    c = conv.in_channels
    x = image.mean(dim=0, keepdim=True).expand(c, -1, -1)[None]
    with torch.no_grad():
        out = conv(x)[0]
    w = conv.weight.detach()[:, 0]
    lim = float(w.abs().max())
    fig, axes = plt.subplots(2, c, figsize=(1.5 * c, 3.3), dpi=80)
    for i in range(c):
        axes[0, i].imshow(w[i].numpy(), cmap=WEIGHT_CMAP, vmin=-lim, vmax=lim)
        axes[0, i].set_title(f"kernel {i}", fontsize=10)
        axes[1, i].imshow(out[i].numpy(), cmap="gray")
        axes[1, i].set_title(f"output {i}", fontsize=10)
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle(f"depthwise conv, groups={c}: the same input in every channel, "
                 "a different kernel per channel",
                 fontsize=10)
    fig.tight_layout()
    distinct = len({tuple(o.flatten().tolist()) for o in out})
    h, wd = image.shape[1:]
    alt = (f"A depthwise conv with groups={c} applied to {c} identical copies of the grey {h}x{wd} "
           f"photograph. Top row: its {c} 3x3 kernels, one per channel, weights from {float(w.min()):.2f} to "
           f"{float(w.max()):.2f}. Bottom row: the {c} outputs, each channel filtered by its own kernel ("
           + "; ".join(f"output {i} from {float(o.min()):.2f} to {float(o.max()):.2f}" for i, o in
                       enumerate(out))
           + f"): {distinct} different output{'s' if distinct != 1 else ''} from one input.")
    return described(fig, alt)


# --- the order of the two steps matters only at the ends of a stack (Sec. 1.2) --------------------------


BLOCK_CHOICES = tuple(range(1, 7))


def regroup_numbers(blocks: int, channels: int = 8, seed: int = 0) -> dict:
    """A stack of ``blocks`` pointwise-first blocks (Fig. 4's order) and the same weights regrouped into
    depthwise-first separable convs (``regroup_stack``): the largest output difference on a random input."""

    torch.manual_seed(seed)
    stack = pointwise_first_stack(channels, blocks).eval()
    regrouped = regroup_stack(stack).eval()
    x = torch.randn(2, channels, 8, 8, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        diff = (stack(x) - regrouped(x)).abs().max().item()
    return {"max_diff": diff,
            "separable_blocks": sum(1 for n, _ in regrouped.named_children() if n.startswith("separable"))}


@torch.no_grad()
def regroup_fig4(blocks: int, channels: int = 16, seed: int = 0) -> dict:
    """The regrouping of ``regroup_stack`` applied to full Fig. 4 modules (``xe.ExtremeInception``: a ReLU
    after BOTH steps, as in Inception, Sec. 1.2): the cut gives separable convs with a ReLU BETWEEN their
    two steps. Largest output difference from the Fig. 4 stack, relative to its largest output, of the
    regrouped stack built with Xception's separable convs (nothing between the steps) and with a ReLU
    between them."""
    torch.manual_seed(seed)
    stack = nn.Sequential(*(ExtremeInception(channels, channels) for _ in range(blocks))).eval()
    x = torch.randn(2, channels, 8, 8, generator=torch.Generator().manual_seed(seed))
    diffs = {}
    for mid in (None, "relu"):
        layers = [stack[0].pointwise, nn.ReLU()]                        # a leading 1x1 conv and its ReLU
        for a, b in zip(stack[:-1], stack[1:]):                         # [dw_i -> (mid) -> 1x1_(i+1)] ReLU
            sep = SeparableConv2d(channels, channels, mid_activation=mid)
            sep.depthwise.weight.copy_(a.spatial.weight)
            sep.pointwise.weight.copy_(b.pointwise.weight)
            layers += [sep, nn.ReLU()]
        layers += [stack[-1].spatial, nn.ReLU()]                        # a trailing depthwise conv, ReLU
        y = stack(x)
        diffs[mid] = ((y - nn.Sequential(*layers)(x)).abs().max() / y.abs().max()).item()
    return {"xception_separable": diffs[None], "relu_between": diffs["relu"]}


def _op(text: str, color: str) -> str:
    return (f"<span style='display:inline-block;padding:1px 5px;margin:1px;border-radius:3px;"
            f"background:{color};font-family:monospace'>{text}</span>")


def regroup_view(blocks: int) -> str:
    """HTML: the sequence of operations of a stack, bracketed two ways — as Fig. 4 blocks without their
    ReLU after the depthwise step (1x1, ReLU, depthwise) and as separable convs (depthwise, 1x1) — with
    the numerical check that they agree."""
    pw, dw, act = ((lambda i: _op(f"1x1<sub>{i}</sub>", "#b2abd2")),
                   (lambda i: _op(f"dw<sub>{i}</sub>", "#fdb863")), _op("ReLU", "#eee"))
    box = "<span style='border:2px solid {};border-radius:4px;padding:1px;margin:1px 3px'>{}</span>"
    top = "".join(box.format("#5b3f8c", pw(i) + act + dw(i)) for i in range(1, blocks + 1))
    bottom = box.format("#999", pw(1) + act) + "".join(
        box.format("#e66101", dw(i) + pw(i + 1)) + act for i in range(1, blocks)) + \
        box.format("#999", dw(blocks))
    with cpu_threads(1):
        r = regroup_numbers(blocks)
    same = same_function(r["max_diff"])
    return (
        f"<p>{blocks} Fig. 4 block{'s' if blocks > 1 else ''} without the ReLU after the depthwise step "
        f"(1x1 → ReLU → depthwise):</p><p>{top}</p>"
        f"<p>the same operations, regrouped: a leading 1x1, <b>{r['separable_blocks']} depthwise separable "
        f"conv{'s' if r['separable_blocks'] != 1 else ''}</b> (depthwise → 1x1), a trailing depthwise:</p>"
        f"<p>{bottom}</p>"
        f"<p>largest output difference: {same}</p>"
    )


def regroup(blocks: int = 3) -> App:
    """Notebook 05's widget: the number of stacked blocks -> the two bracketings, checked numerically."""
    if blocks not in BLOCK_CHOICES:
        raise ValueError(f"blocks={blocks} is not one of {BLOCK_CHOICES}")
    controls = {"blocks": W.SelectionSlider(options=BLOCK_CHOICES, value=blocks, description="blocks")}
    return App(controls, regroup_view, title="Order of the two steps: the same stack, bracketed two ways")


# --- a miniature of Fig. 10: an activation between the two steps, or not ---------------------------------


def miniature_data(n: int = 512, size: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` images of the synthetic set (``data.synthetic``, task 'mixed': 16 classes, each a spatial
    pattern crossed with a way the colour channels correlate) as tensors (images in [-1, 1], labels)."""
    return data.synthetic(n, size, task="mixed", seed=seed, materialize=True).tensors()


def train_miniature(mid_activation: str | None, seed: int = 0, steps: int = 60, batch: int = 32,
                    lr: float = 0.05, budget: int = 6_000, data=None) -> list[float]:
    """Train a small separable net (``experiments.nets.small_net('separable')``, ~``budget`` parameters)
    with ``mid_activation`` between depthwise and pointwise, and return the training loss of every step.
    For one ``seed``, every activation gets the same data, initial weights and batches: only the
    activation differs (Fig. 10's comparison, in miniature)."""
    x, y = miniature_data() if data is None else data
    # the same initial weights for every activation
    torch.manual_seed(seed)
    model = small_net("separable", budget, classes=int(y.max()) + 1, mid_activation=mid_activation)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    g = torch.Generator().manual_seed(seed)                     # the same batches for every activation
    losses = []
    with cpu_threads(1):  # tensors this small run fastest on one thread, above all on a busy machine
        for _ in range(steps):
            idx = torch.randint(0, len(x), (batch,), generator=g)  # a random batch
            loss = F.cross_entropy(model(x[idx]), y[idx])           # forward
            opt.zero_grad(set_to_none=True)
            loss.backward()                                          # backward
            opt.step()                                               # SGD with momentum
            losses.append(loss.item())
    return losses


def fig10_miniature(activations=(None, "elu", "relu"), seeds=(0, 1, 2), **kwargs) -> dict:
    """``train_miniature`` for every activation and seed: activation -> (seeds, steps) tensor of losses."""
    data = miniature_data()
    return {act: torch.tensor([train_miniature(act, seed, data=data, **kwargs) for seed in seeds])
            for act in activations}


_ACT_NAMES = {None: "nothing", "elu": "ELU", "relu": "ReLU"}
_LOOK = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dash-dot", "o": "circle", "s": "square",
         "^": "triangle", "D": "diamond", "v": "down-triangle", "P": "plus", "X": "cross", "*": "star"}


def miniature_figure(runs: dict, smooth: int = 5) -> Described:
    """Training loss against step for each activation: the mean over seeds (a running mean over ``smooth``
    steps) and a band from the lowest to the highest seed."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.5, 3.4), dpi=80)
    kernel = torch.ones(1, 1, smooth) / smooth
    said = []
    for i, (act, losses) in enumerate(runs.items()):
        curves = F.conv1d(losses[:, None].float(), kernel)[:, 0]  # each seed's running mean
        steps = torch.arange(curves.shape[1]) + smooth
        style = series_style(i)
        ax.fill_between(steps, curves.min(0).values, curves.max(0).values, color=style["color"], alpha=0.15)
        name = _ACT_NAMES.get(act, str(act))
        ax.plot(steps, curves.mean(0), label="between the steps: " + name,
                markevery=max(1, len(steps) // 6), **style)
        mean = curves.mean(0)
        said.append(f"{name} between the steps ({_LOOK[style['marker']]} markers, "
                    f"{_LOOK[style['linestyle']]} line): mean {float(mean[0]):.2f} at step {smooth} to "
                    f"{float(mean[-1]):.2f} at step {int(steps[-1])}, seeds ending from "
                    f"{float(curves[:, -1].min()):.2f} to {float(curves[:, -1].max()):.2f}")
    ax.set_xlabel("training step")
    ax.set_ylabel("training loss")
    seeds, steps = next(iter(runs.values())).shape
    ax.set_title(f"a miniature of the Fig. 10 comparison: {seeds} seeds, {steps} steps (line: mean; band: "
                 "lowest to highest seed)", fontsize=9)
    ax.legend(fontsize=10, loc="upper left", bbox_to_anchor=(1.02, 1))
    ax.tick_params(labelsize=10)
    fig.tight_layout()
    alt = (f"Training loss against step, running mean over {smooth} steps, {seeds} seeds (line: their mean; "
           "band: lowest to highest seed). " + "; ".join(said).capitalize()[:1] + "; ".join(said)[1:] + ".")
    return described(fig, alt)


# --- exercise checks --------------------------------------------------------------------------------------


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
