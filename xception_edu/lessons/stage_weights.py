"""The two stages of a Fig. 3 or Fig. 4 module drawn as their weights (Sec. 1.2): the 1x1 stage dense (every
input channel feeds every output), the kxk stage zero outside its groups, and its measured connectivity;
with the text alternative counted from the same weights. Notebooks 03 and 04 show it."""

from __future__ import annotations

import torch.nn as nn

from ..ops import dense_weight, measured_connectivity
from .figures import Described, described


def stage_figure(module: nn.Module, title: str = "") -> Described:
    """The two stages of a Fig. 3/Fig. 4 module (``pointwise`` then ``spatial``) side by side: the 1x1
    stage's weights (every input channel feeds every output: dense), the kxk stage's weights (|W|
    summed over the k x k window, zero outside the groups) and its measured connectivity, each with its
    colour bar (drawn inside its panel's axes, so the figure still has one axes per panel)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    pw = module.pointwise.weight.detach()[:, :, 0, 0].abs().cpu().numpy()
    sp = dense_weight(module.spatial).abs().sum(dim=(2, 3)).cpu().numpy()
    conn = measured_connectivity(module.spatial)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.6), dpi=80)
    panels = [(pw, "1x1 stage: |weights|\n(every input feeds every output)", "Purples"),
              (sp, f"{module.kernel_size}x{module.kernel_size} stage: |weights| summed over space\n"
                   f"(groups={module.spatial.groups}: zero outside the blocks)", "Oranges"),
              (conn, f"{module.kernel_size}x{module.kernel_size} stage: measured connectivity\n"
                     "(which inputs reach which outputs)", ListedColormap(["white", "black"]))]
    step = module.out_channels // module.spatial.groups
    for ax, (m, name, cmap) in zip(axes, panels):
        im = ax.imshow(m, cmap=cmap, interpolation="nearest", vmin=0, vmax=max(float(m.max()), 1e-12))
        bar = fig.colorbar(im, cax=ax.inset_axes([1.04, 0.0, 0.05, 1.0]))
        if m.dtype == bool:  # connected or not: two colours, two ticks
            bar.set_ticks([0.25, 0.75], labels=["no", "yes"])
        if 1 < module.spatial.groups <= 16:  # segment boundaries: the towers of Fig. 2
            for b in range(step, module.out_channels, step):
                ax.axhline(b - 0.5, color="#e66101", lw=0.8, ls="--")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("input channel")
        ax.set_ylabel("output channel")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return described(fig, stage_text(module, title))


def stage_text(module: nn.Module, title: str = "") -> str:
    """The text alternative of ``stage_figure``, from the same weights: what each matrix holds, counted."""
    pw = module.pointwise.weight.detach()[:, :, 0, 0]
    sp = dense_weight(module.spatial).abs().sum(dim=(2, 3))
    conn = measured_connectivity(module.spatial)
    g, c, k = module.spatial.groups, module.out_channels, module.kernel_size
    w = c // g
    blocks = ("one full block" if g == 1 else f"{g} blocks of {w} x {w} on the diagonal" if w > 1
              else "the diagonal only")
    return (f"{title + ': ' if title else ''}three matrices, rows the output channels, columns the input "
            f"channels. 1x1 stage: {pw.shape[0]} x {pw.shape[1]} weights, {int((pw != 0).sum())} of "
            f"{pw.numel()} nonzero: every input feeds every output. {k}x{k} stage, groups={g}: its weights "
            f"summed over space are nonzero at {int((sp != 0).sum())} of {sp.numel()} places, {blocks}. "
            f"Measured connectivity: {int(conn.sum())} of {conn.size} input-output pairs connected.")
