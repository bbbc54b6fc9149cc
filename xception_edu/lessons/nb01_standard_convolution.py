"""Notebook 01, the standard convolution (Sec. 1.1): one kernel maps cross-channel and spatial correlations
jointly, and what that costs. The photograph, the hand-made kernels, the cost widget, the exercise checks."""

from __future__ import annotations

import ipywidgets as W
import torch
import torch.nn.functional as F

from .. import counting
from ..data import load_photo
from ..exercises import Mismatch, attempt, check, register
from .app import KERNEL_CHOICES, App, check_choices
from .checking import NOT_FINITE, Mistake, close, closed_form, mistake_made, same_output
from .figures import Described, described
from .wording import plural

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "check", "conv_cost", "conv_cost_view", "conv_gallery_figure", "conv_outputs", "demo_kernels",
    "load_photo", "photo_channels_figure",
]


# A diverging colour map that is not red/green/blue: input channels here ARE red, green and blue.
WEIGHT_CMAP = "PuOr_r"


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


# --- exercise checks --------------------------------------------------------------------------------------


_CONV_FIX = "conv_params = k * k * cin * cout (one kernel of cin x k x k weights per output channel)."


@register("01.conv_params", kind="formula")
def _conv_params(fn):
    closed_form(
        "conv_params", fn, [(3, 8, 3), (64, 128, 3), (16, 16, 5), (1, 1, 1), (5, 7, 7), (2, 3, 1)],
        lambda cin, cout, k: counting.standard(cin, cout, k, (1, 1)).params, [
            Mistake(lambda cin, cout, k: k * k * cin, "Did you count one k x k filter per input AND per "
                    "output channel? That is ONE kernel: there is one kernel per output channel."),
            Mistake(lambda cin, cout, k: k * k * cout, "Did you count one k x k filter per input AND per "
                    "output channel? Each kernel spans ALL the input channels."),
            Mistake(lambda cin, cout, k: k * cin * cout, "A kernel is k x k: k*k weights per channel pair, "
                    "not k."),
            Mistake(lambda cin, cout, k: cin * cout, "That is a 1x1 conv: every channel pair has a whole "
                    "k x k filter."),
            Mistake(lambda cin, cout, k: k * k * cin * cout + cout, "That counts a bias per output "
                    "channel; this conv has no bias."),
        ], nudge="Count the weights of one kernel (it spans every input channel), then the kernels.",
        fix=_CONV_FIX)


_UNFOLD_FIX = ("cols = F.unfold(x, k, padding=padding, stride=stride); "
               "out = weight.reshape(cout, -1) @ cols; return out.reshape(n, cout, hout, wout): "
               "weight.reshape(cout, -1) keeps each channel's k*k "
               "positions together, as the rows of F.unfold do.")

# (cin, cout, k, h, w, stride, padding, why a crash here is likely): each case adds what the one before lacks
_UNFOLD_CASES = [
    (3, 5, 3, 6, 6, 1, 0, "The output has Cout = weight.shape[0] channels, and Cout is not Cin here."),
    (2, 4, 3, 6, 9, 1, 0, "The map is not square here: the output width comes from W, its height from H."),
    (3, 2, 3, 7, 5, 1, 1, "With padding, F.unfold pads too (its padding argument), and the output grows by "
     "2 * padding."),
    (4, 3, 3, 9, 8, 2, 1, "With stride 2, F.unfold steps by the stride too (its stride argument): it then "
     "gives only the windows of the output positions."),
    (2, 6, 2, 5, 7, 2, 0, "An even kernel with stride 2: the docstring's output size rounds down."),
]


def _unfold_slips(x, weight, stride, padding) -> dict[str, torch.Tensor]:
    """What the usual wrong orders compute, each with the nudge that names it."""
    cout, k = weight.shape[0], weight.shape[-1]
    cols = F.unfold(x, k, padding=padding, stride=stride)
    shape = F.conv2d(x, weight, stride=stride, padding=padding).shape
    by_position = weight.permute(0, 2, 3, 1).reshape(cout, -1)  # kernel positions outer, channels inner
    return {
        "Your weight's columns are in another order than the rows of F.unfold: unfold lists the k*k kernel "
        "positions of channel 0, then those of channel 1, ...; flattened with the channels innermost, the "
        "weight multiplies each value by a weight of another channel.": (by_position @ cols).reshape(shape),
        "Right numbers, wrong places: your matmul gave (N, L, Cout), one row per output position; bring the "
        "channels to dim 1 (a transpose) before you shape the result as (N, Cout, Hout, Wout).":
            (cols.transpose(1, 2) @ weight.reshape(cout, -1).T).reshape(shape),
    }


def _unfold_size_hint(got, x, weight, stride, padding) -> str:
    """Why an output has the wrong shape, in words: the stride or the padding left out, Cin for Cout."""
    if got.shape == F.conv2d(x, weight, padding=padding).shape:
        return "that is the size without the stride: a stride-s conv keeps every s-th window only"
    if got.shape == F.conv2d(x, weight, stride=stride).shape:
        return "that is the size without the padding: F.unfold and the output size both take it"
    if got.dim() == 4 and got.shape[1] == x.shape[1] != weight.shape[0]:
        return "there is one output channel per filter, Cout = weight.shape[0], not one per input channel"
    return "the docstring gives Hout from H and Wout from W"


@register("01.unfold_conv", kind="build")
def _unfold_conv(fn):
    g = torch.Generator().manual_seed(1)
    for cin, cout, k, h, w, stride, padding, why in _UNFOLD_CASES:
        x, weight = torch.randn(2, cin, h, w, generator=g), torch.randn(cout, cin, k, k, generator=g)
        want = F.conv2d(x, weight, stride=stride, padding=padding)
        case = f"For x {tuple(x.shape)}, weight {tuple(weight.shape)}, stride={stride}, padding={padding}"
        answer = attempt(fn, (x, weight, stride, padding), case, why, fix=_UNFOLD_FIX)
        if answer is None:
            raise Mismatch(f"{case}: your function returned None: did you forget `return`?", fix=_UNFOLD_FIX)
        got = torch.as_tensor(answer).detach().float()
        if got.shape != want.shape:
            raise Mismatch(f"{case}: your output has shape {tuple(got.shape)}, expected {tuple(want.shape)}: "
                           f"{_unfold_size_hint(got, x, weight, stride, padding)}.", fix=_UNFOLD_FIX)
        if same_output(got, want):
            continue
        hint = mistake_made(got, _unfold_slips(x, weight, stride, padding)) or (
            "The shape is right, the values are not: a row of F.unfold is one (channel, kernel position) "
            "pair, a column one output position; pair each row with its own weight." +
            ("" if torch.isfinite(got).all() else NOT_FINITE))
        raise Mismatch(f"{case}: the values differ from those of F.conv2d. {hint}", fix=_UNFOLD_FIX)


_ONE_OUTPUT_FIX = "window = x[:, i:i + k, j:j + k]; return (window * weight).sum()"


def _one_output_mistakes(x, weight, i, j) -> dict[str, float]:
    """What the usual wrong answers compute at (i, j), each with the nudge that names it."""
    k = weight.shape[-1]
    window = x[:, i:i + k, j:j + k]
    return {
        "You seem to use only the first channel: a kernel spans ALL input channels, and the output adds "
        "them all up.": float((window[0] * weight[0]).sum()),
        "Rows and columns are swapped: i is the row (dim 1 of x), j the column (dim 2).":
            float((x[:, j:j + k, i:i + k] * weight).sum()) if x[:, j:j + k, i:i + k].shape == weight.shape
            else float("nan"),
        "You flipped the kernel (the textbook convolution): a conv layer slides the kernel as it is.":
            float((window * weight.flip(-1, -2)).sum()),
        "You averaged the products: an output value is their SUM.": float((window * weight).mean()),
        "You centred the window on (i, j): without padding, output (i, j) reads the window whose "
        "top-left corner is (i, j).": float(F.conv2d(x[None], weight[None], padding=k // 2)[0, 0, i, j]),
    }


@register("01.one_output", kind="build")
def _one_output(fn):
    g = torch.Generator().manual_seed(0)
    for cin, k, i, j in [(3, 3, 0, 0), (3, 3, 4, 2), (5, 1, 2, 3), (2, 5, 1, 3)]:
        x = torch.randn(cin, 8, 8, generator=g)
        weight = torch.randn(cin, k, k, generator=g)
        want = F.conv2d(x[None], weight[None])[0, 0, i, j]
        answer = attempt(fn, (x, weight, i, j), f"for Cin={cin}, k={k} at (i, j)=({i}, {j})",
                         "The k x k window whose top-left corner is (i, j) lies inside the 8 x 8 input.",
                         fix=_ONE_OUTPUT_FIX)
        if answer is None:
            raise Mismatch("one_output returned None: did you forget `return`?")
        got = torch.as_tensor(answer, dtype=want.dtype)
        if got.numel() != 1:
            raise Mismatch(f"one output value is ONE number, got a tensor of shape {tuple(got.shape)}: "
                           "add up over the channels as well as over the k x k window.", fix=_ONE_OUTPUT_FIX)
        if not torch.allclose(got.reshape(()), want, atol=1e-4):
            hint = next((why for why, value in _one_output_mistakes(x, weight, i, j).items()
                         if close(got, value, 1e-4)),
                        "Lay the kernel on the k x k window whose top-left corner is (i, j), in every "
                        "channel; multiply element-wise and add everything.")
            raise Mismatch(f"for Cin={cin}, k={k} at (i, j)=({i}, {j}) you returned {float(got):.4f}, "
                           f"expected {float(want):.4f}. {hint}", fix=_ONE_OUTPUT_FIX)
