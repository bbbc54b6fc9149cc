"""Notebook 09, training Xception (Sec. 4, Fig. 6): the banner that says which mode runs, the recipe at
scale, the exercise checks; the curves drawn live while training and the model's guesses come from
``training_curves``. The training itself lives in ``train/``."""

from __future__ import annotations

import contextlib
import html
import math
import pathlib
import sys

import ipywidgets as W
import torch

from .._validate import choice
from ..exercises import check, register
from ..train import recipe
from .app import App, check_choices
from .checking import Mistake, closed_form
from .svg import svg_plot
from .training_curves import (
    LiveCurves,
    plot_curves,
    predictions,
    predictions_described,
    predictions_figure,
    training_described,
    training_figure,
)

# What the notebook calls as lesson.<name> (the exercise checks register themselves on import).
__all__ = [
    "banner", "check", "CPU_RUNS", "LiveCurves", "plot_curves", "predictions", "predictions_described",
    "predictions_figure", "recipe_at_scale", "recipe_at_scale_view", "recipe_table", "run_argv",
    "run_banner", "run_folder_as", "training_described", "training_figure",
]

# The CPU mode's run for each source: the small preset (80 px), the CPU recipe ("cpu", ours). The synthetic
# set is sized for a quick run; real images run whole epochs (CIFAR-10: 50,000 + 10,000 images, Imagenette:
# 9,469 + 3,925), so a learner who opts in waits far longer (notebook 09 says how long).
CPU_RUNS = {
    "synthetic": ["--synthetic-train", "768", "--synthetic-val", "256",
                  "--epochs", "4", "--batch-size", "32"],
    "cifar10": ["--epochs", "2", "--batch-size", "64"],
    "imagenette": ["--epochs", "5", "--batch-size", "64"],
    "folder": ["--epochs", "5", "--batch-size", "64"],
}

# What Sec. 4 states for ImageNet (its optimization and regularization configurations); "": no value given.
PAPER_SAYS = {"SGD momentum": 0.9, "learning rate": 0.045, "global batch": "",
              "lr decay": "x0.94 every 2 epochs", "weight decay": 1e-5, "dropout": 0.5, "average decay": ""}


def run_argv(gpu: bool, data: str | None = "synthetic", data_dir=None, download: bool = False,
             epochs: int = 30, batch: int = 128, compile: bool = False) -> list[str]:
    """The options of notebook 09's run, as ``python -m xception_edu.train`` takes them (less the
    checkpoint folder). GPU: the paper's model (Fig. 5) and recipe (Sec. 4), ``epochs`` of ``batch`` per GPU.
    CPU: the small preset with ``CPU_RUNS[data]``. ``data``: a key of ``CPU_RUNS`` (None: synthetic);
    real images are read from ``data_dir`` and downloaded there only if ``download``."""
    data = data or "synthetic"
    if data not in CPU_RUNS:
        raise ValueError(f"DATA = {data!r} is not one of {tuple(CPU_RUNS)}")
    if data == "synthetic" and download:
        raise ValueError("DOWNLOAD = True needs a real dataset: the synthetic set is generated offline")
    if data != "synthetic" and not data_dir:
        raise ValueError(f"DATA = {data!r} needs DATA_DIR: the folder that holds (or will hold) the images")
    if data == "folder" and download:
        raise ValueError("an ImageNet-layout folder cannot be downloaded: DOWNLOAD works for "
                         "'cifar10' and 'imagenette'")
    where = [] if data == "synthetic" else (
        ["--data", data, "--data-dir", str(pathlib.Path(data_dir).expanduser())] + ["--download"] * download)
    if gpu:
        return ["--preset", "paper", "--epochs", str(epochs), "--batch-size", str(batch)] + \
            ["--compile"] * compile + where
    return ["--preset", "small", *CPU_RUNS[data], "--device", "cpu"] + where


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
            f'<b>{html.escape(title)}</b>' + (f'<ul style="margin:4px 0">{items}</ul>' if items else "") +
            "</div>")

    class Banner(HTML):
        def __repr__(self) -> str:
            return "\n".join([title] + [f"- {line}" for line in lines])

    return Banner(body)


def run_banner(args, cfg, model, train_set, val_set, gpu: bool):
    """The ``banner`` of notebook 09's run: which mode (GPU: Fig. 5's Xception with Sec. 4's recipe; CPU:
    the small preset), the model, the data, the recipe and the numerics, each read from the run itself
    (``args`` from the training CLI's parser, ``cfg`` its ``TrainConfig``)."""
    from .. import count_params
    from ..model import presets

    data = "the synthetic set" if args.data == "synthetic" else args.data
    mode = (f"GPU mode ({torch.cuda.get_device_name()}): full Xception (Fig. 5) with the paper's recipe"
            if gpu else f"CPU mode (no CUDA GPU found): the small preset on {data}")
    size = args.image_size or presets.image_size(args.preset)
    where = ", generated offline" if args.data == "synthetic" else f" in {args.data_dir}"
    return banner(mode, [
        f"model: '{args.preset}' preset ({presets.get(args.preset).description}), "
        f"{count_params(model):,} parameters",
        f"data: {args.data}, {len(train_set):,} training and {len(val_set):,} validation images, "
        f"{len(train_set.classes)} classes, {size} px{where}",
        f"{cfg.epochs} epochs of batch {cfg.batch_size}, learning rate {cfg.learning_rate():.4g}, "
        f"weight average decay {cfg.ema_decay} (ours)",
        ("bf16 autocast, channels_last" + (", torch.compile" if cfg.compile else "")) if gpu
        else "fp32 on the CPU (bf16 pays off on GPUs only); full-size Xception at 299 px needs a GPU",
    ], tone="info" if gpu else "warn")


class _Renamed:
    """A text stream that writes to ``out`` with ``path`` replaced by ``name``."""

    def __init__(self, out, path: str, name: str):
        self.out, self.path, self.name = out, path, name

    def write(self, text: str) -> int:
        return self.out.write(text.replace(self.path, self.name))

    def flush(self) -> None:
        self.out.flush()


@contextlib.contextmanager
def run_folder_as(name: str, folder):
    """While it runs, what the cell prints names the run ``folder`` (a temporary one, different on every
    run) as ``name`` (the notebook's variable), e.g. "Resumed from RUN_DIR/last.pt"."""
    with contextlib.redirect_stdout(_Renamed(sys.stdout, str(folder), name)):
        yield


def recipe_table(runs: dict, dropout: float, world_size: int = 1) -> str:
    """Recipes (``TrainConfig``s, by column title) beside what the paper states (Sec. 4), one row per
    setting. A value the paper does not give, or one that differs from it, is marked "*" (ours)."""
    def values(cfg):
        return {"SGD momentum": cfg.momentum, "learning rate": float(f"{cfg.learning_rate(world_size):.4g}"),
                "global batch": cfg.batch_size * world_size,
                "lr decay": f"x{cfg.lr_decay:g} every {cfg.decay_every} epoch" + "s" * (cfg.decay_every > 1),
                "weight decay": cfg.weight_decay, "dropout": dropout,
                "average decay": "off" if cfg.ema_decay is None else cfg.ema_decay}

    columns = {title: values(cfg) for title, cfg in runs.items()}
    def row(*cells):
        return "  ".join(f"{c:22s}" for c in cells).rstrip()

    lines = [row("setting", "paper (Sec. 4)", *columns)]
    for name, said in PAPER_SAYS.items():
        cells = [f"{v[name]}{' *' if said == '' or v[name] != said else ''}" for v in columns.values()]
        lines.append(row(name, str(said or "not stated"), *cells))
    lines.append("* ours: a value the paper does not state, or one that differs from the paper's")
    return "\n".join(lines)


# --- the widget: the paper's recipe at your scale (Sec. 4) -------------------------------------------------

BATCH_CHOICES = (16, 32, 64, 128, 256)
GPU_CHOICES = (1, 2, 4, 8, 16, 32, 60)  # 60: the paper's K80s (Sec. 4, training infrastructure)
EPOCH_CHOICES = (2, 5, 10, 20, 30, 60, 100)
EMA_CHOICES = (0.99, 0.999, 0.9999)
# Training images per epoch (the datasets' own sizes; the paper gives none): ImageNet's train split,
# Imagenette (160 px variant) and CIFAR-10, the sets notebook 09 can train on.
TRAIN_IMAGES = {"ImageNet": 1_281_167, "Imagenette": 9_469, "CIFAR-10": 50_000}


def schedule(cfg, epochs: int, world_size: int = 1) -> list[float]:
    """The learning rate during each epoch (from 0) of ``cfg``'s run: torch's own ``StepLR`` stepped once
    per epoch on a dummy optimizer, as the engine steps it (Sec. 4: x0.94 every 2 epochs)."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=cfg.learning_rate(world_size))
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.decay_every, gamma=cfg.lr_decay)
    rates = []
    for _ in range(epochs):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


def recipe_at_scale_view(batch: int, gpus: int, epochs: int, data: str = "ImageNet",
                         ema_decay: float = 0.9999) -> str:
    """HTML: the paper's recipe (Sec. 4) for ``gpus`` x ``batch`` images a step: the scaled learning rate
    (ours: 0.045 x global batch / 256), its stepped schedule as an SVG curve, the run's steps, and the span
    of the weight average (about 1 / (1 - decay) steps) beside them."""
    choice("batch", batch, BATCH_CHOICES), choice("gpus", gpus, GPU_CHOICES)
    choice("epochs", epochs, EPOCH_CHOICES), choice("data", data, tuple(TRAIN_IMAGES))
    choice("ema_decay", ema_decay, EMA_CHOICES)
    cfg = recipe("paper", batch_size=batch, ema_decay=ema_decay)
    rates = schedule(cfg, epochs, gpus)
    global_batch = batch * gpus
    steps_per_epoch = math.ceil(TRAIN_IMAGES[data] / global_batch)
    steps, window = epochs * steps_per_epoch, round(1 / (1 - ema_decay))
    every = cfg.decay_every * math.ceil(epochs / (cfg.decay_every * 12))  # at most ~12 labelled points
    xs = sorted(set(range(0, epochs, every)) | {epochs - 1})
    curve = svg_plot(xs, [rates[e] for e in xs], width=360, height=180, xlabel="epoch (from 0)",
                     ylabel="learning rate", logx=False, logy=False,
                     title=f"lr {rates[0]:.4g} -> {rates[-1]:.4g} (x{cfg.lr_decay} every {cfg.decay_every})")
    verdict = ("spans a small part of the run: it averages the last weights" if window <= steps / 10 else
               "spans much of the run (or more): it still carries early, poor weights")
    return (f"<p>global batch: {batch} x {gpus} = <b>{global_batch:,}</b> images a step; "
            f"learning rate 0.045 x {global_batch:,} / 256 = <b class='xe-lr'>{rates[0]:.4g}</b></p>"
            f"{curve}"
            f"<p>{data}: {TRAIN_IMAGES[data]:,} images = about {steps_per_epoch:,} steps an epoch, "
            f"<b class='xe-steps'>{steps:,}</b> steps in {epochs} epochs</p>"
            f"<p>weight average, decay {ema_decay}: about 1 / (1 - {ema_decay}) = "
            f"<b class='xe-window'>{window:,}</b> steps, {verdict}</p>")


def recipe_at_scale(batch: int = 128, gpus: int = 1, epochs: int = 30, data: str = "ImageNet",
                    ema_decay: float = 0.9999) -> App:
    """Notebook 09's widget: batch per GPU, GPUs, epochs (data, average decay) -> rate, schedule, steps."""
    check_choices(batch=(batch, BATCH_CHOICES), gpus=(gpus, GPU_CHOICES), epochs=(epochs, EPOCH_CHOICES),
                  data=(data, tuple(TRAIN_IMAGES)), ema_decay=(ema_decay, EMA_CHOICES))
    style = {"description_width": "initial"}
    controls = {
        "batch": W.SelectionSlider(options=BATCH_CHOICES, value=batch, description="batch per GPU",
                                   style=style),
        "gpus": W.SelectionSlider(options=GPU_CHOICES, value=gpus, description="GPUs", style=style),
        "epochs": W.SelectionSlider(options=EPOCH_CHOICES, value=epochs, description="epochs", style=style),
        "data": W.Dropdown(options=tuple(TRAIN_IMAGES), value=data, description="data", style=style),
        "ema_decay": W.SelectionSlider(options=EMA_CHOICES, value=ema_decay, description="average decay",
                                       style=style),
    }
    return App(controls, recipe_at_scale_view, title="The paper's recipe at your scale")


# --- exercise checks --------------------------------------------------------------------------------------


@register("09.scaled_lr", kind="formula")
def _scaled_lr(fn):
    def paper(batch, gpus):
        return recipe("paper", batch_size=batch).learning_rate(world_size=gpus)

    closed_form("scaled_lr", fn, [(32, 8), (64, 1), (128, 8), (256, 1), (16, 4)], paper, [
        Mistake(lambda batch, gpus: 0.045 * batch / 256,
                "Each GPU sees batch_per_gpu images, but one step averages the gradient over the images of "
                "ALL the GPUs: which batch does the rule scale with?"),
        Mistake(lambda batch, gpus: 0.045, "A fixed rate ignores the batch: the linear rule scales it in "
                                           "proportion to the global batch."),
        Mistake(lambda batch, gpus: 0.045 * math.sqrt(batch * gpus / 256),
                "That is the square-root rule; the paper's recipe scales the rate LINEARLY with the batch."),
        Mistake(lambda batch, gpus: 0.045 * 256 / (batch * gpus),
                "A larger batch gets a LARGER rate (its gradient is less noisy), not a smaller one."),
    ], nudge="The linear scaling rule: the rate grows in proportion to the global batch, from 0.045 at the "
             "recipe's reference batch.",
        fix="scaled_lr = 0.045 * batch_per_gpu * gpus / 256 (0.045 for a global batch of 256, in "
            "proportion).")


@register("09.lr_at_epoch", kind="formula")
def _lr_at_epoch(fn):
    rate = {}
    for lr0 in (0.045, 0.18):  # the rate torch's StepLR uses during each epoch (counted from 0)
        for epoch, lr in enumerate(schedule(recipe("paper", lr=lr0), 100)):
            rate[lr0, epoch] = lr
    grid = [(lr0, epoch) for lr0 in (0.045, 0.18) for epoch in (0, 1, 2, 3, 4, 5, 9, 30, 99)]
    closed_form("lr_at_epoch", fn, grid, lambda lr0, epoch: rate[lr0, epoch], [
        Mistake(lambda lr0, epoch: lr0 * 0.94 ** epoch,
                "The rate is multiplied by 0.94 every 2 epochs, not every epoch."),
        Mistake(lambda lr0, epoch: lr0 * 0.94 ** (epoch / 2),
                "The rate drops in steps: it stays flat during each 2-epoch period, so count only the "
                "COMPLETED periods."),
        Mistake(lambda lr0, epoch: lr0 * 0.94 ** (epoch // 2 + 1),
                "Epochs count from 0, which trains at lr0; epochs 2 and 3 at lr0 x 0.94; and so on."),
        Mistake(lambda lr0, epoch: lr0 * 0.94 ** ((epoch + 1) // 2),
                "The drop comes at the END of each 2-epoch period: epochs 0 and 1 both train at lr0."),
    ], nudge="The paper multiplies the rate by 0.94 every 2 epochs, starting from lr0 at epoch 0.",
        fix="lr_at_epoch = lr0 * 0.94 ** (epoch // 2)")
