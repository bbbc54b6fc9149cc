"""Notebook 05's miniature of Fig. 10 (Sec. 4.7): a small separable net trained with nothing, an ELU or a
ReLU between the depthwise and the pointwise step, every variant on the same data, initial weights and
batches within a seed; the loss curves drawn (``fig10_paired.py`` reads the runs seed by seed)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import data
from ..devices import cpu_threads
from ..experiments.nets import small_net
from .figures import Described, described, series_style


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
