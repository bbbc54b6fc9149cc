"""Notebook 01's exercise checks, the standard convolution of Sec. 1.1 written three ways by the learner:
its parameter count (01.conv_params), one output value by hand (01.one_output) and the whole conv as one
matrix product over F.unfold's windows (01.unfold_conv). Each compares with ``counting`` or ``F.conv2d``
and names the usual slip."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import counting
from ..exercises import Mismatch, attempt, register
from .checking import NOT_FINITE, Mistake, close, closed_form, mistake_made, same_output

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
