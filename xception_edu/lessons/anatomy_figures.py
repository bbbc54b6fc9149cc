"""Notebook 08's matplotlib figures of Xception dissected (Fig. 5, Sec. 3): the map side and the channels
after each stage, and where the parameters (Table 3's 22,855,952) and multiply-adds go by kind of layer.
Each ``*_figure`` has a ``Described`` twin whose text alternative and data come from the same counts
(``model.anatomy``)."""

from __future__ import annotations

from .figures import HATCHES, PALETTE, Described, described


def feature_map_figure(shapes):
    """The map side and the channel count after each stage of Xception (``model.anatomy.feature_maps``): the
    network trades space for channels, flow by flow (Fig. 5)."""
    import matplotlib.pyplot as plt

    names = [n.replace("_flow", "").replace("stem.conv1", "conv1") for n in shapes]
    sides = [s[1] for s in shapes.values()]
    chans = [s[0] for s in shapes.values()]
    fig, ax = plt.subplots(figsize=(11, 3.8), dpi=80)
    x = range(len(names))
    ax.bar(x, sides, color=PALETTE[5], hatch="//", edgecolor="#333", lw=0.5, label="map side H = W (px)")
    for i, s in enumerate(sides):
        ax.text(i, s + 2, str(s), ha="center", fontsize=9)
    ax.set_ylabel("map side (px)")
    ax.set_xticks(list(x))
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=9)
    ax.set_ylim(top=max(sides) * 1.15)  # room for the numbers on the bars
    ax2 = ax.twinx()
    ax2.plot(list(x), chans, "o-", color=PALETTE[1], label="channels")
    ax2.set_ylabel("channels")
    ax.set_title("Through Xception: space shrinks, channels grow", fontsize=10)
    fig.legend(loc="upper left", bbox_to_anchor=(1.0, 0.9), fontsize=9, frameon=False)
    fig.tight_layout()
    return fig


def feature_maps_described(shapes) -> Described:
    """``feature_map_figure`` with its text alternative and the stages as data."""
    fig = feature_map_figure(shapes)
    stages = "; ".join(f"{n}: {s[1]}x{s[2]}x{s[0]}" for n, s in shapes.items())
    alt = (f"Bars: the map side after each of {len(shapes)} stages of Xception, a line: its channels. "
           f"Stage by stage (H x W x C): {stages}.")
    return described(fig, alt, [["stage", "H", "W", "channels"]] + [[n, s[1], s[2], s[0]]
                                                                    for n, s in shapes.items()])


def breakdown_figure(parts):
    """Where the parameters and multiply-adds go, by kind of layer (``model.anatomy.breakdown``):
    two horizontal bars of shares, each kind with its colour and hatch; a share too small to hold its name
    is named in the legend only."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(10, 3.6), dpi=80)
    for ax, what in zip(axes, ("params", "macs")):
        values = [getattr(c, what) for c in parts.values()]
        total = sum(values)
        left = 0.0
        for i, ((name, _), v) in enumerate(zip(parts.items(), values)):
            share, color = v / total, PALETTE[(4, 5, 2, 3, 1)[i % 5]]  # the palette's lighter colours
            ax.barh(0, share, left=left, color=color, hatch=HATCHES[i % len(HATCHES)], edgecolor="#333",
                    lw=0.5, label=name)
            text = f"{name}  {share:.0%}" if share > 0.14 else f"{share:.0%}" if share > 0.03 else ""
            if text:  # on a white box: legible over any fill and hatch
                ax.text(left + share / 2, 0, text, ha="center", va="center", fontsize=9,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
            left += share
        ax.set_xlim(0, 1)
        ax.set_yticks([])
        ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
        ax.set_title(f"{'parameters' if what == 'params' else 'multiply-adds per image'}: {total:,}",
                     fontsize=10)
    fig.legend(*axes[0].get_legend_handles_labels(), ncol=5, fontsize=9, loc="lower center",
               bbox_to_anchor=(0.5, 0), frameon=False)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def breakdown_described(parts) -> Described:
    """``breakdown_figure`` with its text alternative and the counts as data."""
    fig = breakdown_figure(parts)
    said = []
    for what, words in (("params", "parameters"), ("macs", "multiply-adds per image")):
        total = sum(getattr(c, what) for c in parts.values())
        shares = ", ".join(f"{name} {getattr(c, what) / total:.1%}" for name, c in parts.items())
        said.append(f"{total:,} {words}: {shares}")
    alt = "Two bars of shares by kind of layer. " + ". ".join(said) + "."
    data = [["kind", "parameters", "multiply-adds"]] + [[n, c.params, c.macs] for n, c in parts.items()]
    return described(fig, alt, data)
