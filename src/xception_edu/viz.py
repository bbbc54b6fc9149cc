"""Figures for the notebooks, each tied to a section or figure of the paper.

Two kinds of pictures live here:

* **matplotlib figures** for the notebooks' static illustrations (a photograph, its channels, kernels
  drawn as 3-D volumes, the towers of Figs 1-2, weight matrices). Every function returns a
  ``Figure`` and leaves showing or closing it to the caller.
* **inline SVG** for the widgets, which must redraw in a few milliseconds (matplotlib needs about a
  tenth of a second for even a small figure on a laptop): ``svg_matrix`` and ``svg_plot`` return a
  string that any notebook front end, GitHub included, draws without a kernel.

The data behind each picture (a connectivity matrix, the layers of a tower) comes from a separate
function, so that tests check the values rather than pixels.
"""
from __future__ import annotations

import html
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# A diverging colour map that is not red/green/blue: input channels here ARE red, green and blue.
WEIGHT_CMAP = "PuOr_r"


# --- notebook 01: a convolution on a photograph (Sec. 1) ----------------------------------------

def load_photo(size: int = 96) -> torch.Tensor:
    """Matplotlib's sample photograph of Grace Hopper (ships with matplotlib: no download), as a
    ``(3, size, size)`` float tensor in [0, 1]: centre-cropped to a square, then resized."""
    import matplotlib.cbook as cbook
    import matplotlib.pyplot as plt

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        img = plt.imread(f, format="jpg")
    x = torch.from_numpy(np.array(img)).permute(2, 0, 1).float() / 255.0  # (3, 600, 512)
    h, w = x.shape[1:]
    side = min(h, w)
    top = (h - side) // 4  # a little above centre: keeps the face
    x = x[:, top:top + side, (w - side) // 2:(w - side) // 2 + side]
    return F.interpolate(x[None], size=(size, size), mode="bilinear", antialias=True, align_corners=False)[0].clamp(0, 1)


def demo_kernels() -> dict[str, torch.Tensor]:
    """Four hand-made 3x3 kernels over the R, G, B channels (shape ``Cin x k x k = 3 x 3 x 3``),
    chosen to show what one kernel of a regular convolution can do (Sec. 1):

    * ``edges in all channels``: a vertical edge detector, the same in R, G and B (space, all channels);
    * ``red minus blue``: only the centre tap, +R -B (channels only, no spatial pattern);
    * ``edges in red only``: a horizontal edge detector in R, zero in G and B;
    * ``a different pattern per channel``: R vertical edge, G horizontal edge, B blur (jointly).
    """
    sobel = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]) / 4
    blur = torch.ones(3, 3) / 9
    centre = torch.zeros(3, 3)
    centre[1, 1] = 1.0
    zero = torch.zeros(3, 3)
    return {
        "edges in all channels": torch.stack([sobel, sobel, sobel]),
        "red minus blue": torch.stack([centre, zero, -centre]),
        "edges in red only": torch.stack([sobel.T, zero, zero]),
        "a different pattern per channel": torch.stack([sobel, sobel.T, blur]),
    }


def conv_outputs(image: torch.Tensor, kernels: dict[str, torch.Tensor]) -> torch.Tensor:
    """The output maps of one regular conv whose Cout kernels are ``kernels`` ('same' padding):
    output channel o is the sum over ALL input channels of each channel filtered by kernel o's slice."""
    weight = torch.stack(list(kernels.values()))  # (Cout, Cin, k, k)
    return F.conv2d(image[None], weight, padding=weight.shape[-1] // 2)[0]


def _kernel_volume(ax, kernel: torch.Tensor, vmax: float, channel_names=("R", "G", "B")) -> None:
    """Draw one ``Cin x k x k`` kernel in 3-D: one k x k plate of cubes per input channel, plates
    stacked (and pulled apart, so that every weight stays visible), colour = weight value."""
    import matplotlib.pyplot as plt

    k_c, k_h, k_w = kernel.shape
    w = kernel.detach().cpu().numpy()
    cmap = plt.get_cmap(WEIGHT_CMAP)
    gap, thick = 2.2, 0.45
    for c in reversed(range(k_c)):  # bottom plate first: the painter's order mplot3d needs
        z = (k_c - 1 - c) * gap
        for r in range(k_h):
            for col in range(k_w):
                ax.bar3d(col, k_h - 1 - r, z, 0.96, 0.96, thick, color=cmap(0.5 + 0.5 * w[c, r, col] / vmax),
                         edgecolor=(0, 0, 0, 0.4), linewidth=0.4, shade=True)
        name = channel_names[c] if c < len(channel_names) else str(c)
        ax.text(-0.9, 0.0, z, name, fontsize=8, fontweight="bold", zorder=10)
    ax.set_xlim(0, k_w)
    ax.set_ylim(0, k_h)
    ax.set_zlim(0, (k_c - 1) * gap + thick)
    ax.set_box_aspect((k_w, k_h, (k_c - 1) * gap * 0.8 + thick))
    ax.view_init(elev=32, azim=-62)
    ax.set_axis_off()


def photo_channels_figure(image: torch.Tensor):
    """The photograph and its three input channels: what a first conv layer receives (Cin = 3)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(9, 2.6), dpi=80)
    axes[0].imshow(image.permute(1, 2, 0).numpy())
    axes[0].set_title("the photograph")
    for ax, c, name, cmap in zip(axes[1:], range(3), ("red", "green", "blue"), ("Reds_r", "Greens_r", "Blues_r")):
        ax.imshow(image[c].numpy(), cmap=cmap, vmin=0, vmax=1)
        ax.set_title(f"input channel {c}: {name}")
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


def conv_gallery_figure(image: torch.Tensor, kernels: dict[str, torch.Tensor]):
    """Each kernel of a regular conv as a 3-D volume (Cin x k x k cubes, colour = weight) above the
    output map it produces from ALL input channels at once (Sec. 1: cross-channel and spatial
    correlations mapped jointly)."""
    import matplotlib.pyplot as plt

    outs = conv_outputs(image, kernels)
    vmax = max(float(k.abs().max()) for k in kernels.values())
    n = len(kernels)
    fig = plt.figure(figsize=(2.5 * n + 1, 5.4), dpi=80)
    for i, (name, kernel) in enumerate(kernels.items()):
        ax = fig.add_subplot(2, n, i + 1, projection="3d")
        _kernel_volume(ax, kernel, vmax)
        ax.set_title(f"kernel {i} (3 x 3 x 3):\n{name}", fontsize=9)
        ax2 = fig.add_subplot(2, n, n + i + 1)
        lim = float(outs[i].abs().max()) or 1.0
        ax2.imshow(outs[i].numpy(), cmap="gray", vmin=-lim, vmax=lim)
        ax2.set_title(f"output channel {i}", fontsize=8)
        ax2.axis("off")
    sm = plt.cm.ScalarMappable(cmap=WEIGHT_CMAP, norm=plt.Normalize(-vmax, vmax))
    fig.colorbar(sm, ax=fig.axes, shrink=0.5, location="right", label="kernel weight (output: grey)", pad=0.02)
    return fig


# --- inline SVG for widgets (fast redraws) ----------------------------------------------------------

def _runs(row) -> list[tuple[int, int, object]]:
    """Consecutive equal values of a row as (start, length, value): one SVG rect per run."""
    runs, start = [], 0
    for j in range(1, len(row) + 1):
        if j == len(row) or row[j] != row[start]:
            runs.append((start, j - start, row[start]))
            start = j
    return runs


def svg_matrix(matrix, size: int = 220, on: str = "#5b3f8c", off: str = "#f3f0f7",
               xlabel: str = "input channel", ylabel: str = "output channel", title: str = "") -> str:
    """A boolean matrix as an inline SVG (rows = outputs, columns = inputs), drawn with one rectangle
    per run of equal cells, so a block-diagonal 48x48 pattern costs a few dozen elements."""
    m = np.asarray(matrix, dtype=bool)
    rows, cols = m.shape
    cw, ch = size / cols, size / rows
    left, top = 18, 18 if title else 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + left + 4}" height="{size + top + 18}" '
             f'font-family="sans-serif" font-size="10">']
    if title:
        parts.append(f'<text x="{left + size / 2}" y="12" text-anchor="middle">{html.escape(title)}</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="{off}" stroke="#888"/>')
    for i in range(rows):
        for j0, n, v in _runs(m[i]):
            if v:
                parts.append(f'<rect x="{left + j0 * cw:.2f}" y="{top + i * ch:.2f}" width="{n * cw:.2f}" '
                             f'height="{ch:.2f}" fill="{on}"/>')
    parts.append(f'<text x="{left + size / 2}" y="{top + size + 13}" text-anchor="middle">{html.escape(xlabel)}</text>')
    parts.append(f'<text x="12" y="{top + size / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 12 {top + size / 2})">{html.escape(ylabel)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _nice_log_ticks(lo: float, hi: float) -> list[float]:
    return [10.0**e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def svg_plot(xs, ys, mark=None, width: int = 300, height: int = 200, xlabel: str = "", ylabel: str = "",
             title: str = "", logx: bool = True, logy: bool = True) -> str:
    """A line plot with points as inline SVG; ``mark`` (one of ``xs``) is circled in orange.
    Log axes by default, since group counts and parameter counts span orders of magnitude."""
    xs, ys = [float(x) for x in xs], [float(y) for y in ys]
    fx = (lambda v: math.log10(v)) if logx else (lambda v: v)
    fy = (lambda v: math.log10(v)) if logy else (lambda v: v)
    x0, x1 = fx(min(xs)), fx(max(xs))
    yticks = _nice_log_ticks(min(ys), max(ys)) if logy else None
    y0, y1 = (fy(yticks[0]), fy(yticks[-1])) if logy else (0.0, max(ys) * 1.1)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    L, R, T, B = 52, 10, 20, 34
    pw, ph = width - L - R, height - T - B

    def px(v):
        return L + (fx(v) - x0) / (x1 - x0) * pw

    def py(v):
        return T + ph - (fy(v) - y0) / (y1 - y0) * ph

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="10">',
             f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="white" stroke="#888"/>']
    if title:
        parts.append(f'<text x="{L + pw / 2}" y="13" text-anchor="middle">{html.escape(title)}</text>')
    for t in (yticks or []):
        parts.append(f'<line x1="{L}" x2="{L + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#eee"/>'
                     f'<text x="{L - 3}" y="{py(t) + 3:.1f}" text-anchor="end">{t:,.0f}</text>')
    for x in xs:
        parts.append(f'<text x="{px(x):.1f}" y="{T + ph + 12}" text-anchor="middle">{x:g}</text>')
    pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
    parts.append(f'<polyline points="{pts}" fill="none" stroke="#5b3f8c" stroke-width="1.5"/>')
    parts += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="#5b3f8c"/>' for x, y in zip(xs, ys)]
    if mark is not None:
        y = ys[xs.index(float(mark))]
        parts.append(f'<circle cx="{px(mark):.1f}" cy="{py(y):.1f}" r="6" fill="none" stroke="#e66101" stroke-width="2.5"/>')
    parts.append(f'<text x="{L + pw / 2}" y="{height - 4}" text-anchor="middle">{html.escape(xlabel)}</text>')
    parts.append(f'<text x="10" y="{T + ph / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 10 {T + ph / 2})">{html.escape(ylabel)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- notebook 02: the towers of Figs 1 and 2 ---------------------------------------------------------

# 1x1 convs work across channels only, kxk convs (also) in space: the colour tells which.
STEP_COLORS = {"1x1": "#b2abd2", "kxk": "#fdb863", "pool": "#d9d9d9"}


def towers(module: nn.Module) -> list[dict]:
    """The towers of an Inception module (Fig. 1 ``InceptionV3Module`` or Fig. 2
    ``SimplifiedInception``) as data: for each tower, its steps from input to concatenation as
    ``(kind, label)`` with kind in {'1x1', 'kxk', 'pool'}, its trainable parameters and its output
    channels. BN and ReLU after each conv are part of the step, as in the paper's figures."""
    branches = list(module.branches) if hasattr(module, "branches") else \
        [module.tower1, module.tower2, module.tower3, module.tower4]
    result = []
    for i, branch in enumerate(branches, 1):
        steps, out = [], None
        for m in branch.modules():
            if isinstance(m, nn.Conv2d):
                k = m.kernel_size[0]
                steps.append(("1x1" if k == 1 else "kxk", f"{k}x{k} conv, {m.out_channels}"))
                out = m.out_channels
            elif isinstance(m, nn.AvgPool2d):
                steps.append(("pool", f"{m.kernel_size}x{m.kernel_size} avg-pool"))
        result.append({"name": f"tower {i}", "steps": steps,
                       "params": sum(p.numel() for p in branch.parameters()), "out_channels": out})
    return result


def inception_figure(module: nn.Module, title: str = ""):
    """Block diagram of an Inception module (Figs 1-2), drawn from the module itself: the input on top,
    one column per tower (purple: 1x1 conv, across channels; orange: kxk conv, in space), the
    concatenation below, and each tower's parameter count."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    ts = towers(module)
    n, depth = len(ts), max(len(t["steps"]) for t in ts)
    fig, ax = plt.subplots(figsize=(2.1 * n + 0.6, 1.0 * depth + 2.4), dpi=80)
    W_, H_ = 1.7, 0.55
    top, bottom = depth + 1.0, 0.0

    def box(x, y, text, color, width=W_):
        ax.add_patch(FancyBboxPatch((x - width / 2, y - H_ / 2), width, H_, boxstyle="round,pad=0.03",
                                    fc=color, ec="#333", lw=0.8))
        ax.text(x, y, text, ha="center", va="center", fontsize=9)

    span = 2.1 * (n - 1)
    box(span / 2, top, f"input ({module.in_channels} channels)", "white", width=max(3.0, span * 0.6))
    box(span / 2, bottom, f"concatenate ({module.out_channels} channels)", "white", width=max(3.0, span * 0.6))
    for i, t in enumerate(ts):
        x = 2.1 * i
        ys = [top - (j + 1) * (top - bottom) / (len(t["steps"]) + 1) for j in range(len(t["steps"]))]
        pts = [top] + ys + [bottom]
        for y0, y1 in zip(pts[:-1], pts[1:]):
            ax.annotate("", xy=(x if y1 != bottom else span / 2 + (x - span / 2) * 0.3, y1 + H_ / 2),
                        xytext=(x if y0 != top else span / 2 + (x - span / 2) * 0.3, y0 - H_ / 2),
                        arrowprops=dict(arrowstyle="->", color="#555", lw=0.8))
        for (kind, label), y in zip(t["steps"], ys):
            box(x, y, label, STEP_COLORS[kind])
        ax.text(x, bottom - 0.4, f"{t['name']}\n{t['params']:,} params", ha="center", va="top", fontsize=8)
    ax.set_xlim(-1.2, span + 1.2)
    ax.set_ylim(bottom - 1.1, top + 0.5)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return fig


# --- notebooks 03-04: which channels feed which (Figs 3-4) -----------------------------------------

def connectivity_matrix(channels: int, groups: int, in_channels: int | None = None) -> np.ndarray:
    """Closed form: output channel o of a conv with ``groups`` groups reads input channel i exactly
    when both fall in the same segment. ``groups=1``: all ones (a regular conv); ``groups=n``: n
    blocks on the diagonal (Fig. 3); ``groups=channels``: the identity (Fig. 4, depthwise)."""
    cin = channels if in_channels is None else in_channels
    if channels % groups or cin % groups:
        raise ValueError(f"groups={groups} must divide the channel counts {cin} and {channels}")
    return np.kron(np.eye(groups, dtype=bool), np.ones((channels // groups, cin // groups), dtype=bool))


@torch.no_grad()
def measured_connectivity(conv: nn.Conv2d) -> np.ndarray:
    """Measured, not assumed: feed one impulse per input channel (a batch of Cin images) and record
    which output channels respond. Returns a ``(Cout, Cin)`` boolean matrix."""
    cin, k = conv.in_channels, conv.kernel_size[0]
    p = next(conv.parameters())
    x = torch.zeros(cin, cin, 2 * k + 1, 2 * k + 1, device=p.device, dtype=p.dtype)
    x[torch.arange(cin), torch.arange(cin), k, k] = 1.0
    response = conv(x) - conv(torch.zeros_like(x[:1]))  # remove the bias, if any
    return (response.abs().sum(dim=(2, 3)) > 0).T.cpu().numpy()


def dense_weight(conv: nn.Conv2d) -> torch.Tensor:
    """The ``(Cout, Cin, k, k)`` weight a grouped conv acts as: its ``(Cout, Cin/g, k, k)`` weight put in
    its diagonal blocks, zeros elsewhere. For ``groups=1`` this is the weight itself."""
    w = conv.weight.detach()
    g, cout, cin_g = conv.groups, w.shape[0], w.shape[1]
    dense = torch.zeros(cout, cin_g * g, *w.shape[2:], dtype=w.dtype, device=w.device)
    step = cout // g
    for i in range(g):
        dense[i * step:(i + 1) * step, i * cin_g:(i + 1) * cin_g] = w[i * step:(i + 1) * step]
    return dense


def stage_figure(module: nn.Module, title: str = ""):
    """The two stages of a Fig. 3/Fig. 4 module (``pointwise`` then ``spatial``) side by side: the 1x1
    stage's weights (every input channel feeds every output: dense), the kxk stage's weights (|W|
    summed over the k x k window, zero outside the groups) and its measured connectivity."""
    import matplotlib.pyplot as plt

    pw = module.pointwise.weight.detach()[:, :, 0, 0].abs().cpu().numpy()
    sp = dense_weight(module.spatial).abs().sum(dim=(2, 3)).cpu().numpy()
    conn = measured_connectivity(module.spatial)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6), dpi=80)
    panels = [(pw, "1x1 stage: |weights|\n(every input feeds every output)", "Purples"),
              (sp, f"{module.kernel_size}x{module.kernel_size} stage: |weights| summed over space\n"
                   f"(groups={module.spatial.groups}: zero outside the blocks)", "Oranges"),
              (conn, f"{module.kernel_size}x{module.kernel_size} stage: measured connectivity\n"
                     "(which inputs reach which outputs)", "Greys")]
    step = module.out_channels // module.spatial.groups
    for ax, (m, name, cmap) in zip(axes, panels):
        ax.imshow(m, cmap=cmap, interpolation="nearest", vmin=0, vmax=max(float(m.max()), 1e-12))
        if 1 < module.spatial.groups <= 16:  # segment boundaries: the towers of Fig. 2
            for b in range(step, module.out_channels, step):
                ax.axhline(b - 0.5, color="#e66101", lw=0.8, ls="--")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("input channel")
        ax.set_ylabel("output channel")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def spectrum_data(cin: int, channels: int, kernel_size: int = 3, hw: int = 16) -> dict:
    """Every valid point of the spectrum (g = each divisor of ``channels``): parameters and
    multiply-adds of a 1x1 conv then a kxk conv in g groups."""
    from . import counting
    from ._checks import divisors

    gs = divisors(channels)
    counts = [counting.spectrum(cin, channels, kernel_size, g, (hw, hw)) for g in gs]
    return {"groups": gs, "params": [c.params for c in counts], "macs": [c.macs for c in counts]}


def spectrum_figure(cin: int = 48, channels: int = 48, kernel_size: int = 3, show=(1, 3, 48)):
    """The spectrum in one picture: the connectivity of the kxk stage at a few group counts (a regular
    conv, an Inception-like module as in Fig. 3, extreme Inception as in Fig. 4) and the parameter
    count at every valid g."""
    import matplotlib.pyplot as plt

    d = spectrum_data(cin, channels, kernel_size)
    fig, axes = plt.subplots(1, len(show) + 1, figsize=(3.0 * len(show) + 4, 3.2), dpi=80,
                             gridspec_kw={"width_ratios": [1] * len(show) + [1.6]})
    names = {1: "g = 1: regular conv", channels: f"g = {channels}: Fig. 4 (extreme)"}
    for ax, g in zip(axes, show):
        ax.imshow(connectivity_matrix(channels, g), cmap="Greys", interpolation="nearest", vmin=0, vmax=1)
        ax.set_title(names.get(g, f"g = {g}: Fig. 3 ({g} towers)"), fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("input channel", fontsize=8)
        ax.set_ylabel("output channel", fontsize=8)
    ax = axes[-1]
    ax.plot(d["groups"], d["params"], "o-", color="#5b3f8c")
    for g in show:
        i = d["groups"].index(g)
        ax.plot(g, d["params"][i], "o", ms=11, mfc="none", mec="#e66101", mew=2)
        ax.annotate(f"{d['params'][i]:,}", (g, d["params"][i]), textcoords="offset points", xytext=(6, 6), fontsize=8)
    ax.axhline(cin * channels, color="#999", ls="--", lw=0.8)
    ax.text(1, cin * channels * 1.06, "the 1x1 conv alone", fontsize=8, color="#666")
    ax.set_ylim(cin * channels * 0.7, max(d["params"]) * 1.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(d["groups"])
    ax.set_xticklabels(d["groups"], fontsize=7)
    ax.minorticks_off()
    ax.set_xlabel("number of groups g")
    ax.set_ylabel("parameters")
    ax.set_title(f"1x1 conv {cin}→{channels}, then {kernel_size}x{kernel_size} conv in g groups", fontsize=9)
    fig.tight_layout()
    return fig


# --- notebook 05: depthwise convolution does not share its kernel (Sec. 1.2) ----------------------------

def depthwise_figure(conv: nn.Conv2d, image: torch.Tensor):
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
        axes[0, i].set_title(f"kernel {i}", fontsize=8)
        axes[1, i].imshow(out[i].numpy(), cmap="gray")
        axes[1, i].set_title(f"output {i}", fontsize=8)
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle(f"depthwise conv, groups={c}: the same input in every channel, a different kernel per channel",
                 fontsize=9)
    fig.tight_layout()
    return fig


# --- notebooks 07-08: the savings, measured, and Xception dissected (Sec. 1.2, Fig. 5, Table 3) ------------
# (data from ``savings``; these functions only draw)

VARIANT_COLORS = {"standard": "#999999", "grouped": "#b2abd2", "extreme": "#e66101", "separable": "#5b3f8c",
                  "depthwise": "#fdb863", "pointwise": "#1b9e77"}


def savings_curves_figure(channels=(8, 16, 32, 64, 128, 256, 512, 728, 1024, 2048), kernels=(1, 3, 5, 7),
                          spectrum_channels: int = 256):
    """Sec. 1.2's savings in three panels: parameters vs channel width (Cin = Cout = C, k = 3) for the four
    operators; the separable/regular ratio 1/C + 1/k**2 vs C for several k, with its floor 1/k**2; and the
    spectrum in g (a conv in g groups, C = ``spectrum_channels``), from regular (g = 1) to depthwise (g = C)."""
    import matplotlib.pyplot as plt

    from . import counting, savings

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), dpi=80)
    ax = axes[0]
    for v in savings.VARIANTS:
        if v == "grouped":
            continue
        ax.plot(channels, [savings.variant_counts(v, c, c, 3).params for c in channels], "o-", ms=3,
                color=VARIANT_COLORS[v], label=savings.VARIANT_NAMES[v])
    ax.set_xscale("log"); ax.set_yscale("log")
    ax.set_xlabel("channels C (= Cin = Cout)"); ax.set_ylabel("parameters"); ax.legend(fontsize=8)
    ax.set_title("3x3 operators: parameters vs width", fontsize=10)
    ax = axes[1]
    for k, color in zip(kernels, ("#999", "#5b3f8c", "#e66101", "#1b9e77")):
        ax.plot(channels, [counting.separable_ratio(c, k) for c in channels], "o-", ms=3, color=color, label=f"k = {k}")
        ax.axhline(1 / k**2, color=color, ls=":", lw=0.8)
    ax.set_xscale("log"); ax.set_yscale("log")
    ax.set_xlabel("output channels Cout"); ax.set_ylabel("separable / regular")
    ax.set_title("the ratio 1/Cout + 1/k² (dotted: 1/k²)", fontsize=10); ax.legend(fontsize=8)
    ax = axes[2]
    gs = savings.valid_groups(spectrum_channels, spectrum_channels)
    ax.plot(gs, [savings.variant_counts("grouped", spectrum_channels, spectrum_channels, 3, g).params for g in gs],
            "o-", color=VARIANT_COLORS["grouped"], label="3x3 conv in g groups")
    sep = savings.variant_counts("separable", spectrum_channels, spectrum_channels, 3).params
    ax.axhline(sep, color=VARIANT_COLORS["separable"], ls="--", label=f"separable: {sep:,}")
    ax.set_xscale("log"); ax.set_yscale("log"); ax.set_xticks(gs); ax.set_xticklabels(gs, fontsize=7); ax.minorticks_off()
    ax.set_xlabel("groups g (1: regular, C: depthwise)"); ax.set_ylabel("parameters")
    ax.set_title(f"the spectrum in g, C = {spectrum_channels}", fontsize=10); ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def time_vs_macs_figure(rows):
    """Measured forward time against multiply-adds (log-log), one point per operator and layout
    (``savings.measure_variants`` rows): points on one diagonal would mean time follows arithmetic.
    Filled markers: NCHW; open: channels_last (NHWC). The dotted diagonal is the time every point would take
    at the regular convs' median rate (GMAC/s), drawn when the rows include a regular conv."""
    import statistics

    import matplotlib.pyplot as plt

    from .savings import VARIANT_NAMES

    fig, ax = plt.subplots(figsize=(6.5, 4), dpi=80)
    seen = set()
    for r in rows:
        label = VARIANT_NAMES[r.variant].strip() if r.variant not in seen else None
        seen.add(r.variant)
        ax.plot(r.macs * r.batch, r.ms, "o" if r.memory_format == "NCHW" else "s", ms=7,
                color=VARIANT_COLORS[r.variant], mfc=VARIANT_COLORS[r.variant] if r.memory_format == "NCHW" else "none",
                label=label)
    regular = [r.gmacs_per_s for r in rows if r.variant == "standard"]
    if regular:
        rate = statistics.median(regular)
        xs = [min(r.macs * r.batch for r in rows), max(r.macs * r.batch for r in rows)]
        ax.plot(xs, [x / (rate * 1e9) * 1e3 for x in xs], ":", color="#666", lw=1,
                label=f"at the regular conv's rate, {rate:.0f} GMAC/s")
    ax.set_xscale("log"); ax.set_yscale("log")
    ax.set_xlabel("multiply-adds (per batch)"); ax.set_ylabel("measured time (ms)")
    ax.set_title("time vs arithmetic (filled: NCHW, open: channels_last)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def feature_map_figure(shapes):
    """The map side and the channel count after each stage of Xception (``summary.feature_maps``): the
    network trades space for channels, flow by flow (Fig. 5)."""
    import matplotlib.pyplot as plt

    names = [n.replace("_flow", "").replace("stem.conv1", "conv1") for n in shapes]
    sides = [s[1] for s in shapes.values()]
    chans = [s[0] for s in shapes.values()]
    fig, ax = plt.subplots(figsize=(11, 3.4), dpi=80)
    x = range(len(names))
    ax.bar(x, sides, color="#b2abd2", label="map side H = W (px)")
    for i, s in enumerate(sides):
        ax.text(i, s + 2, str(s), ha="center", fontsize=7)
    ax.set_ylabel("map side (px)")
    ax.set_xticks(list(x)); ax.set_xticklabels(names, rotation=60, ha="right", fontsize=7)
    ax2 = ax.twinx()
    ax2.plot(list(x), chans, "o-", color="#e66101", label="channels")
    ax2.set_ylabel("channels", color="#e66101")
    ax.set_title("Through Xception: space shrinks, channels grow", fontsize=10)
    fig.legend(loc="upper center", bbox_to_anchor=(0.5, 0.86), fontsize=8)
    fig.tight_layout()
    return fig


def breakdown_figure(parts):
    """Where the parameters and multiply-adds go, by kind of layer (``savings.breakdown``): two
    horizontal bars of shares, labelled with the counts."""
    import matplotlib.pyplot as plt

    colors = ("#fdb863", "#5e3c99", "#999999", "#b2abd2", "#1b9e77")
    fig, axes = plt.subplots(2, 1, figsize=(10, 3.2), dpi=80)
    for ax, what in zip(axes, ("params", "macs")):
        values = [getattr(c, what) for c in parts.values()]
        total = sum(values)
        left = 0.0
        for (name, _), v, color in zip(parts.items(), values, colors):
            share = v / total
            ax.barh(0, share, left=left, color=color, label=name)
            if share > 0.04:
                ax.text(left + share / 2, 0, f"{name}\n{share:.0%}", ha="center", va="center", fontsize=8,
                        color="white" if color in ("#5e3c99", "#999999", "#1b9e77") else "black")
            left += share
        ax.set_xlim(0, 1); ax.set_yticks([])
        ax.set_title(f"{'parameters' if what == 'params' else 'multiply-adds per image'}: {total:,}", fontsize=9)
    axes[0].legend(ncol=5, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), frameon=False)
    fig.tight_layout()
    return fig


# --- notebook 09: training (Sec. 4) -------------------------------------------------------------

def banner(title: str, lines=(), tone: str = "info"):
    """A boxed message for the top of a notebook section (e.g. which training mode runs and why), as
    an ``IPython.display.HTML`` whose plain-text form says the same thing. ``tone``: "info" or "warn"."""
    from IPython.display import HTML

    colors = {"info": ("#5b3f8c", "#f3f0f7"), "warn": ("#b35806", "#fdf3e7")}
    if tone not in colors:
        raise ValueError(f"tone={tone!r} is not one of {sorted(colors)}")
    edge, fill = colors[tone]
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    body = (f'<div style="border-left:6px solid {edge};background:{fill};padding:8px 14px;margin:4px 0">'
            f'<b>{html.escape(title)}</b>' + (f'<ul style="margin:4px 0">{items}</ul>' if items else "") + "</div>")

    class Banner(HTML):
        def __repr__(self) -> str:
            return "\n".join([title] + [f"- {line}" for line in lines])

    return Banner(body)


@torch.no_grad()
def predictions(model: nn.Module, dataset, indices) -> dict:
    """The model's guesses (eval mode) on ``dataset[i]`` for each index: the images (N, 3, H, W) in
    [-1, 1], the true and predicted labels, and the probability the model gave its guess."""
    was_training = model.training
    model.eval()
    try:
        images, labels = zip(*(dataset[i] for i in indices))
        x = torch.stack(images)
        device = next(model.parameters()).device
        probs = model(x.to(device)).float().softmax(dim=1).cpu()
    finally:
        model.train(was_training)
    confidence, predicted = probs.max(dim=1)
    return {"images": x, "labels": torch.tensor(labels), "predicted": predicted, "confidence": confidence}


def predictions_figure(result: dict, classes, columns: int = 4):
    """A grid of images (``predictions``' result), each titled with the guess, its probability and
    the truth: green when right, red when wrong."""
    import matplotlib.pyplot as plt

    n = len(result["labels"])
    rows = math.ceil(n / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.4 * columns, 2.8 * rows), dpi=80, squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= n:
            continue
        image = ((result["images"][k] + 1) / 2).clamp(0, 1).permute(1, 2, 0).numpy()
        truth, guess = int(result["labels"][k]), int(result["predicted"][k])
        ax.imshow(image, interpolation="nearest")
        ax.set_title(f"guess: {classes[guess]} ({float(result['confidence'][k]):.0%})\ntrue: {classes[truth]}",
                     fontsize=8, color="#1b7837" if guess == truth else "#b2182b")
    fig.tight_layout()
    return fig


# --- notebook 06: correlation matrices and maps for the correlation explorer (Sec. 1.1) ------------------

CORR_CMAP = "PuOr_r"  # diverging, -1..1; not red/green/blue, since the channels may BE red, green and blue


def png_data_uri(array, cmap: str = "gray", vmin: float | None = None, vmax: float | None = None) -> str:
    """A 2-D array as a ``data:image/png;base64,...`` URI, one PNG pixel per entry (NaN drawn light grey):
    an image any front end shows without a kernel, encoded in about a millisecond. An (H, W, 3) array is
    drawn as an RGB image (``cmap`` unused), scaled from [vmin, vmax]."""
    import base64
    import io

    import matplotlib
    from PIL import Image

    a = np.asarray(array, dtype=np.float64)
    rgb = a.ndim == 3 and a.shape[-1] == 3
    if a.ndim != 2 and not rgb:
        raise ValueError(f"png_data_uri draws a 2-D array or an (H, W, 3) RGB image, got shape {a.shape}")
    finite = a[np.isfinite(a)]
    lo = float(finite.min()) if vmin is None and finite.size else (vmin if vmin is not None else 0.0)
    hi = float(finite.max()) if vmax is None and finite.size else (vmax if vmax is not None else 1.0)
    scaled = np.clip(np.nan_to_num((a - lo) / (hi - lo) if hi > lo else np.full_like(a, 0.5), nan=0.5), 0, 1)
    if rgb:
        rgba = np.round(scaled * 255).astype(np.uint8)
    else:
        rgba = matplotlib.colormaps[cmap](scaled, bytes=True)
        rgba[~np.isfinite(a)] = (220, 220, 220, 255)
    buf = io.BytesIO()
    Image.fromarray(rgba[..., :3]).save(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def svg_heatmap(array, size: int = 160, cmap: str = CORR_CMAP, vmin: float | None = -1.0, vmax: float | None = 1.0,
                mark: tuple[int, int] | None = None, title: str = "", xlabel: str = "", ylabel: str = "") -> str:
    """A 2-D array (a correlation matrix, a feature map) or an (H, W, 3) RGB image as inline SVG: one
    embedded PNG, drawn with sharp pixels at ``size`` px, with the cell ``mark`` = (row, column) outlined
    in orange."""
    a = np.asarray(array, dtype=np.float64)
    rows, cols = a.shape[:2]
    left, top = (16 if ylabel else 2), (16 if title else 2)
    w, h = (size, size * rows / cols) if cols >= rows else (size * cols / rows, size)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w + left + 4:.0f}" height="{h + top + (16 if xlabel else 4):.0f}" '
             f'font-family="sans-serif" font-size="10">']
    if title:
        parts.append(f'<text x="{left + w / 2:.1f}" y="12" text-anchor="middle">{html.escape(title)}</text>')
    parts.append(f'<image x="{left}" y="{top}" width="{w:.1f}" height="{h:.1f}" preserveAspectRatio="none" '
                 f'style="image-rendering:pixelated" href="{png_data_uri(a, cmap, vmin, vmax)}"/>')
    parts.append(f'<rect x="{left}" y="{top}" width="{w:.1f}" height="{h:.1f}" fill="none" stroke="#888"/>')
    if mark is not None:
        i, j = mark
        cw, ch = w / cols, h / rows
        parts.append(f'<rect class="xe-mark" x="{left + j * cw:.1f}" y="{top + i * ch:.1f}" width="{max(cw, 2):.1f}" '
                     f'height="{max(ch, 2):.1f}" fill="none" stroke="#e66101" stroke-width="2"/>')
    if xlabel:
        parts.append(f'<text x="{left + w / 2:.1f}" y="{top + h + 13:.1f}" text-anchor="middle">{html.escape(xlabel)}</text>')
    if ylabel:
        parts.append(f'<text x="10" y="{top + h / 2:.1f}" text-anchor="middle" '
                     f'transform="rotate(-90 10 {top + h / 2:.1f})">{html.escape(ylabel)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_curves(xs, curves: dict, width: int = 260, height: int = 170, ylim=(-1.0, 1.0), xlabel: str = "",
               ylabel: str = "", title: str = "") -> str:
    """Several lines over the same ``xs`` on linear axes as inline SVG (``curves``: label -> ys; NaN
    points are skipped), with a legend; for autocorrelation curves, which go negative."""
    colors = ("#5b3f8c", "#e66101", "#1b7837", "#999999")
    xs = [float(x) for x in xs]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = ylim
    L, R, T, B = 36, 8, 18, 30
    pw, ph = width - L - R, height - T - B

    def px(v):
        return L + (v - x0) / (x1 - x0) * pw

    def py(v):
        return T + ph - (min(max(v, y0), y1) - y0) / (y1 - y0) * ph

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="10">',
             f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="white" stroke="#888"/>']
    if title:
        parts.append(f'<text x="{L + pw / 2}" y="12" text-anchor="middle">{html.escape(title)}</text>')
    for t in (y0, (y0 + y1) / 2, y1):
        parts.append(f'<line x1="{L}" x2="{L + pw}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#eee"/>'
                     f'<text x="{L - 3}" y="{py(t) + 3:.1f}" text-anchor="end">{t:g}</text>')
    for x in xs:
        parts.append(f'<text x="{px(x):.1f}" y="{T + ph + 12}" text-anchor="middle">{x:g}</text>')
    for k, (label, ys) in enumerate(curves.items()):
        pts = " ".join(f"{px(x):.1f},{py(float(y)):.1f}" for x, y in zip(xs, ys) if math.isfinite(float(y)))
        color = colors[k % len(colors)]
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1.5"/>')
        parts.append(f'<text x="{L + pw - 4}" y="{T + 12 + 12 * k}" text-anchor="end" fill="{color}">'
                     f'{html.escape(str(label))}</text>')
    parts.append(f'<text x="{L + pw / 2}" y="{height - 4}" text-anchor="middle">{html.escape(xlabel)}</text>')
    parts.append(f'<text x="10" y="{T + ph / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 10 {T + ph / 2})">{html.escape(ylabel)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- notebook 06: figures of the correlation measurements (Sec. 1.1) --------------------------------------

def photo_correlation_figure(regions: dict, boxes: dict | None = None):
    """The photograph with its regions outlined, and each region's R, G, B correlation matrix
    (``correlations.channel_correlation``) with the values written in. ``regions``: name -> (3, H, W)
    in [0, 1], the first being the whole photo; ``boxes``: name -> (top, bottom, left, right)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from .correlations import PHOTO_REGIONS, channel_correlation

    boxes = PHOTO_REGIONS if boxes is None else boxes
    names = list(regions)
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(2.3 * (len(names) + 1), 2.9), dpi=80,
                             gridspec_kw={"width_ratios": [1.4] + [1] * len(names)})
    axes[0].imshow(regions[names[0]].permute(1, 2, 0).numpy())
    for k, name in enumerate(names[1:], 1):
        t, b, l, r = boxes[name]
        axes[0].add_patch(Rectangle((l, t), r - l, b - t, fill=False, color=f"C{k}", lw=2))
        axes[0].text(l + 4, t + 22, name, color=f"C{k}", fontsize=7, weight="bold")
    axes[0].axis("off")
    for ax, name in zip(axes[1:], names):
        m = channel_correlation(regions[name]).numpy()
        ax.imshow(m, cmap=CORR_CMAP, vmin=-1, vmax=1)
        for i in range(3):
            for j in range(3):
                ax.text(j, i, f"{m[i, j]:.2f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(3), ["R", "G", "B"]), ax.set_yticks(range(3), ["R", "G", "B"])
        ax.set_title(name, fontsize=9)
    fig.tight_layout()
    return fig


def curves_figure(curves: dict, xlabel: str = "distance (pixels)", ylabel: str = "autocorrelation",
                  title: str = "", level: float | None = 0.5):
    """Lines on one axis (``curves``: label -> (xs, ys)), with a dotted line at ``level`` (the 0.5 that
    ``correlations.correlation_length`` reads off)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3), dpi=80)
    for label, (xs, ys) in curves.items():
        ax.plot(xs, ys, marker=".", label=label)
    if level is not None:
        ax.axhline(level, color="#999", ls=":", lw=1)
    ax.set_xlabel(xlabel), ax.set_ylabel(ylabel), ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def separability_figure(layers, bars: dict, chance, title: str = ""):
    """Grouped bars, one group per layer: ``bars`` label -> one separability per layer (e.g. trained
    kernels, or what training added, per task), with the chance level of each layer as a black tick."""
    import matplotlib.pyplot as plt

    n = len(bars)
    width = 0.8 / n
    fig, ax = plt.subplots(figsize=(8.5, 3), dpi=80)
    for k, (label, values) in enumerate(bars.items()):
        ax.bar([i + (k - (n - 1) / 2) * width for i in range(len(layers))], values, width, label=label,
               color=f"C{k}")
    for i, c in enumerate(chance):
        ax.plot([i - 0.45, i + 0.45], [c, c], color="black", lw=2, label="random kernels" if i == 0 else None)
    ax.set_xticks(range(len(layers)), layers)
    ax.set_ylim(0, 1), ax.set_ylabel("energy kept by rank 1"), ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig


def synthetic_factors_figure(size: int = 32, seed: int = 0):
    """One image of the synthetic set (``data.synthetic``) for each pair of factors: rows are the
    spatial factor, columns the channel factor (how R, G and B are correlated)."""
    import matplotlib.pyplot as plt

    from .data.synthetic_data import CHANNEL, SPATIAL, render

    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(len(SPATIAL), len(CHANNEL), figsize=(1.3 * len(CHANNEL) + 0.8, 1.3 * len(SPATIAL)),
                             dpi=80)
    for i, s in enumerate(SPATIAL):
        for j, c in enumerate(CHANNEL):
            ax = axes[i, j]
            ax.imshow(render(i, j, size, rng).transpose(1, 2, 0), interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(c, fontsize=8)
            if j == 0:
                ax.set_ylabel(s, fontsize=8)
    fig.tight_layout()
    return fig
