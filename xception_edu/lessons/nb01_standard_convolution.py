"""Notebook 01, the standard convolution (Sec. 1.1): one kernel maps cross-channel and spatial correlations
jointly, and what that costs. The photograph, the hand-made kernels, the cost widget; the exercise checks
are in ``standard_conv_checks.py``."""

from __future__ import annotations

import ipywidgets as W
import torch
import torch.nn.functional as F

from .. import counting
from ..data import load_photo
from ..exercises import check
from . import standard_conv_checks  # noqa: F401 (registers the 01 exercises)
from .app import KERNEL_CHOICES, App, check_choices
from .figures import WEIGHT_CMAP, Described, described
from .wording import plural

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "check", "conv_cost", "conv_cost_view", "conv_gallery_figure", "conv_outputs", "demo_kernels",
    "load_photo", "photo_channels_figure",
]


def demo_kernels() -> dict[str, torch.Tensor]:
    """Four hand-made 3x3 kernels over the R, G, B channels (shape ``Cin x k x k = 3 x 3 x 3``),
    chosen to show what one kernel of a regular convolution can do (Sec. 1.1):
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
        ax.text(-0.9, 0.0, z, name, fontsize=9, fontweight="bold", zorder=10)
    ax.set_xlim(0, k_w)
    ax.set_ylim(0, k_h)
    ax.set_zlim(0, (k_c - 1) * gap + thick)
    ax.set_box_aspect((k_w, k_h, (k_c - 1) * gap * 0.8 + thick))
    ax.view_init(elev=32, azim=-62)
    ax.set_axis_off()


def photo_channels_figure(image: torch.Tensor) -> Described:
    """The photograph and its three input channels: what a first conv layer receives (Cin = 3)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(9, 2.6))
    axes[0].imshow(image.permute(1, 2, 0).numpy())
    axes[0].set_title("the photograph")
    for ax, c, name, cmap in zip(axes[1:], range(3), ("red", "green", "blue"),
                                 ("Reds_r", "Greens_r", "Blues_r")):
        ax.imshow(image[c].numpy(), cmap=cmap, vmin=0, vmax=1)
        ax.set_title(f"input channel {c}: {name}")
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    means = ", ".join(f"{name} (mean {float(image[c].mean()):.2f})"
                      for c, name in enumerate(("red", "green", "blue")))
    alt = (f"The photograph ({image.shape[-2]} x {image.shape[-1]} px) and its 3 input channels, each shown "
           f"alone on a 0 to 1 scale: {means}.")
    return described(fig, alt)


def conv_gallery_figure(image: torch.Tensor, kernels: dict[str, torch.Tensor]) -> Described:
    """Each kernel of a regular conv as a 3-D volume (Cin x k x k cubes, colour = weight) above the
    output map it produces from ALL input channels at once (Sec. 1.1: cross-channel and spatial
    correlations mapped jointly). Weights share one colour bar; each output map is grey, scaled to its
    own largest magnitude (white positive, black negative)."""
    import matplotlib.pyplot as plt

    outs = conv_outputs(image, kernels)
    vmax = max(float(k.abs().max()) for k in kernels.values())
    n = len(kernels)
    fig = plt.figure(figsize=(2.5 * n + 1, 5.4))
    for i, (name, kernel) in enumerate(kernels.items()):
        ax = fig.add_subplot(2, n, i + 1, projection="3d")
        _kernel_volume(ax, kernel, vmax)
        ax.set_title(f"kernel {i} (3 x 3 x 3):\n{name}", fontsize=9)
        ax2 = fig.add_subplot(2, n, n + i + 1)
        lim = float(outs[i].abs().max()) or 1.0
        ax2.imshow(outs[i].numpy(), cmap="gray", vmin=-lim, vmax=lim)
        ax2.set_title(f"output channel {i}", fontsize=9)
        ax2.axis("off")
    sm = plt.cm.ScalarMappable(cmap=WEIGHT_CMAP, norm=plt.Normalize(-vmax, vmax))
    fig.colorbar(sm, ax=fig.axes, shrink=0.5, location="right", label="kernel weight",
                 pad=0.02)
    parts = []
    for i, (name, kernel) in enumerate(kernels.items()):
        used = [c for c in range(kernel.shape[0]) if kernel[c].any()]
        names = [("R", "G", "B")[c] if kernel.shape[0] == 3 else f"channel {c}" for c in used]
        where = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
        parts.append(f"kernel {i}, {name}: non-zero weights in {where or 'no channel'}; output from "
                     f"{float(outs[i].min()):.2f} to {float(outs[i].max()):.2f}")
    shape = " x ".join(map(str, next(iter(kernels.values())).shape))
    alt = (f"{n} kernel{'s' if n != 1 else ''} of one regular convolution, each {shape} (input channels x "
           f"height x width), drawn as plates of cubes coloured by weight (from {-vmax:.2f} to {vmax:.2f}), "
           "each above the output map it makes from all input channels at once: " + "; ".join(parts) + ".")
    return described(fig, alt)


# --- what a regular convolution costs (the closed forms of counting.py) ----------------------------


CONV_CHANNEL_CHOICES = (1, 3, 16, 32, 64, 128, 256, 512, 728, 1024, 2048)


MAP_SIZE_CHOICES = (7, 14, 19, 28, 56, 112, 224)


def conv_cost_view(cin: int, cout: int, kernel_size: int, size: int = 56) -> str:
    """HTML: parameters and multiply-adds of a regular k x k conv from Cin to Cout channels on a
    size x size map ('same' padding, no bias). One kernel is Cin x k x k; there is one per output
    channel; every weight is used once at every output pixel."""
    k = kernel_size
    c = counting.standard(cin, cout, k, (size, size))
    per_kernel = cin * k * k
    return (
        f"<p>one kernel: C<sub>in</sub>·k·k = {cin}·{k}·{k} = <b>{per_kernel:,}</b> weights, "
        f"and there are C<sub>out</sub> = {plural(cout, 'kernel')}</p>"
        f"<p class='xe-params'>parameters: {c.params:,}</p>"
        f"<p class='xe-macs'>multiply-adds: {c.macs:,}</p>"
        f"<p style='color:#555'>= parameters × H × W = {c.params:,} × {size} × {size} "
        f"(each weight is used once at every output pixel)</p>"
    )


def conv_cost(cin: int = 3, cout: int = 64, kernel_size: int = 3, size: int = 56) -> App:
    """Notebook 01's widget: Cin, Cout, k (and the map size) -> parameters and multiply-adds, live."""
    check_choices(cin=(cin, CONV_CHANNEL_CHOICES), cout=(cout, CONV_CHANNEL_CHOICES),
                  kernel_size=(kernel_size, KERNEL_CHOICES), size=(size, MAP_SIZE_CHOICES))
    style = {"description_width": "initial"}
    controls = {
        "cin": W.SelectionSlider(options=CONV_CHANNEL_CHOICES, value=cin, description="C_in", style=style),
        "cout": W.SelectionSlider(options=CONV_CHANNEL_CHOICES, value=cout, description="C_out", style=style),
        "kernel_size": W.SelectionSlider(options=KERNEL_CHOICES, value=kernel_size, description="k",
                                         style=style),
        "size": W.SelectionSlider(options=MAP_SIZE_CHOICES, value=size, description="H = W", style=style),
    }
    return App(controls, conv_cost_view, title="The cost of a regular convolution")
