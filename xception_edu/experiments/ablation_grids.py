"""The grids of notebook 10: the paper's two ablations and its open question, as lists of ``Config``
that ``ablations.run_grid`` trains.

* **Fig. 9** (``fig9_configs``, Sec. 4.6): Xception with and without its residual connections. The paper:
  residuals are "clearly essential" for convergence speed and final accuracy (on ImageNet, full size).
* **Fig. 10** (``fig10_configs``, Sec. 4.7): no activation vs ReLU vs ELU between the depthwise and the
  pointwise step of every separable conv. The paper (on ImageNet): none > ELU > ReLU, and a guess at why:
  in a 1-channel-deep feature space (the depthwise step's output) a non-linearity may be harmful,
  "possibly due to a loss of information".
* **The open question of Sec. 5** (future directions; ``spectrum_configs``): Inception modules and
  depthwise separable convs are two points of the spectrum of Sec. 1.2, the number g of channel groups of
  the spatial step, from 1 (a full 3x3 conv after the 1x1) to C (depthwise). Intermediate points, Sec. 5
  says, may "hold further advantages"; it leaves the question open. Each g gets a width that keeps the
  parameter count close to the depthwise model's (``width_for_budget``).
"""
from __future__ import annotations

import torch

from .._validate import is_int
from ..counting import count_params
from ..model import PAPER_WIDTHS, Xception, make_divisible
from .grid_config import MODEL_DEFAULTS, SYNTHETIC_DEFAULTS, Config, num_classes


def fig9_configs(model: dict | None = None, data: dict | None = None,
                 train: dict | None = None) -> list[Config]:
    """Fig. 9: the same Xception with and without residual connections (same data, same budget)."""
    model, data, train = dict(model or {}), dict(data or {}), dict(train or {})
    return [Config("residual", {**model, "residual": True}, data, train),
            Config("no residual", {**model, "residual": False}, data, train)]


def fig10_configs(model: dict | None = None, data: dict | None = None,
                  train: dict | None = None) -> list[Config]:
    """Fig. 10: no activation (Xception), ReLU or ELU between depthwise and pointwise."""
    model, data, train = dict(model or {}), dict(data or {}), dict(train or {})
    return [Config(name, {**model, "mid_activation": act}, data, train)
            for name, act in (("no activation", None), ("ELU", "elu"), ("ReLU", "relu"))]


def params_of(model: dict, classes: int = 10) -> int:
    """Parameters of ``Xception(num_classes=classes, **model)``, built on the meta device (no memory)."""
    with torch.device("meta"):
        return count_params(Xception(num_classes=classes, **model))


def _channels(model: dict, width: float) -> tuple[int, ...]:
    """Fig. 5's channel counts at ``width``: all that the width changes in a model."""
    divisor = {**MODEL_DEFAULTS, **model}["channel_divisor"]
    return tuple(make_divisible(c * width, divisor) for c in PAPER_WIDTHS)


def width_for_budget(model: dict, target: int, classes: int = 10, lo: float = 0.01, hi: float = 4.0,
                     iters: int = 40) -> float:
    """The width whose parameter count is closest to ``target`` for this model (other arguments fixed).

    Parameters grow with width in steps (channel counts are rounded to multiples of channel_divisor),
    never down, so a bisection finds the last width at or below the target and the first above it;
    the closer of the two is returned. Each probe builds the model on the meta device: exact counts,
    no memory.
    """
    cache: dict[tuple, int] = {}

    def params(w):  # parameters depend on the width only through the rounded channel counts
        channels = _channels(model, w)
        if channels not in cache:
            cache[channels] = params_of({**model, "width": w}, classes)
        return cache[channels]

    if params(lo) > target:
        return lo
    if params(hi) <= target:
        return hi
    for _ in range(iters):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if params(mid) <= target else (lo, mid)
    return min((lo, hi), key=lambda w: abs(params(w) - target))


def spectrum_configs(groups=(1, 2, 4, 8, None), model: dict | None = None, data: dict | None = None,
                     train: dict | None = None, tolerance: float = 0.15) -> list[Config]:
    """The spectrum of Sec. 1.2, whose intermediate points Sec. 5 leaves open: the separable convs'
    spatial step in g groups (None: depthwise, g = C).

    The depthwise model at ``model``'s width sets the budget. A 3x3 spatial step in g groups holds
    9C²/g weights instead of 9C, so a small g at the same width has several times the parameters; each
    g gets the width (``width_for_budget``) whose parameter count is closest to the budget, and a
    ``ValueError`` if that is still more than ``tolerance`` away (channel counts move in steps of
    channel_divisor, so tiny models cannot always be matched). g must divide every separable conv's
    input channels at the chosen width: with channel_divisor 8 (the default), g in 1, 2, 4, 8 always do.
    """
    model, data, train = dict(model or {}), dict(data or {}), dict(train or {})
    model.pop("spatial_groups", None)
    classes = num_classes({**SYNTHETIC_DEFAULTS, **data} if data.get("source", "synthetic") == "synthetic"
                          else data)
    budget = params_of(model, classes)
    configs = []
    for g in groups:
        if g is None:
            configs.append(Config("depthwise (g=C)", {**model, "spatial_groups": None}, data, train))
            continue
        if not is_int(g) or g < 1:
            raise ValueError(f"group counts must be positive integers or None (depthwise), got {g!r}")
        m = {**model, "spatial_groups": g}
        # g groups hold more weights per channel than g = C: the width is below the depthwise model's.
        exact = width_for_budget(m, budget, classes, hi={**MODEL_DEFAULTS, **model}["width"])
        width = round(exact, 6)  # short for tables and keys ...
        if _channels(m, width) != _channels(m, exact):
            width = exact  # ... unless rounding crosses a channel step (the search ends next to one)
        m["width"] = width
        try:
            p = params_of(m, classes)
        except ValueError as e:
            raise ValueError(f"g={g} at width {width}: {e}") from None
        if abs(p - budget) > tolerance * budget:
            raise ValueError(f"g={g}: the closest width ({width}) gives {p:,} parameters, "
                             f"{100 * (p / budget - 1):+.0f}% from the depthwise model's {budget:,} "
                             f"(tolerance {100 * tolerance:.0f}%); "
                             "use a larger base width or a looser tolerance")
        configs.append(Config(f"g={g}", m, data, train))
    return configs


GRIDS = {"fig9": fig9_configs, "fig10": fig10_configs, "spectrum": spectrum_configs}
