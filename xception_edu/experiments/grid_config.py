"""One configuration of an ablation grid (``Config``): the model, data and training settings of a run,
the hash that names what it computes (so a finished run is found again, under any name), and the data
and model it builds. The grids are in ``ablation_grids``, their runner in ``ablations``."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from .. import data as data_mod
from ..model import Xception, XceptionConfig, presets
from ..train import TrainConfig

DATA_SOURCES = tuple(s for s in data_mod.SOURCES if s != "random")  # random pixels: nothing to compare
SYNTHETIC_DEFAULTS = dict(source="synthetic", task="mixed", train_size=160, val_size=96, image_size=71,
                           data_seed=0)
# num_classes comes from the data; every other XceptionConfig field is a grid's to set.
MODEL_DEFAULTS = {k: v for k, v in dataclasses.asdict(XceptionConfig()).items() if k != "num_classes"}
_MODEL_ARGS = set(MODEL_DEFAULTS)
_TRAIN_ARGS = {f.name for f in dataclasses.fields(TrainConfig)} - {"seed"}
# Settings that change where and how fast a run goes, not what it computes: left out of the run's hash.
_NOT_HASHED_DATA = {"root"}
_NOT_HASHED_TRAIN = {"progress", "log_every", "workers", "device", "checkpoint_dir", "checkpoint_every",
                     "resume", "overwrite"}

# CPU training defaults for the grids, each for one reason:
CPU_TRAIN = dict(
    epochs=3, batch_size=16, lr=0.02,  # short runs that still separate the configurations beyond their seeds
    ema_decay=0.8, ema_bn_batches=3,  # short-memory Polyak averaging, BN re-estimated: its running stats lag
    progress=False, log_every=10,  # quiet; the loss and the weights checked once an epoch (10 steps)
)


@dataclass
class Config:
    """One configuration of a grid.

    name   a label for tables and plots ("residual", "ELU", "g=4", ...).
    model  ``XceptionConfig`` fields (num_classes comes from the data).
    data   ``source`` ("synthetic", "cifar10", "imagenette", "folder") and its settings: for synthetic,
           task, train_size, val_size, image_size, data_seed; for the others, root and image_size.
    train  overrides of ``engine.recipe("cpu")`` (epochs, batch_size, lr, ...); not the seed: seeds are
           the other axis of the grid.
    """

    name: str
    model: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"a configuration needs a non-empty name, got {self.name!r}")
        for part in ("model", "data", "train"):
            if not isinstance(getattr(self, part), dict):
                raise ValueError(f"config {self.name!r}: {part} must be a dict, got {getattr(self, part)!r}")
        self.data = {**(SYNTHETIC_DEFAULTS if self.data.get("source", "synthetic") == "synthetic"
                        else dict(image_size=80)), **self.data}
        unknown = set(self.model) - _MODEL_ARGS
        if unknown:
            raise ValueError(f"config {self.name!r}: {sorted(unknown)} are not Xception options; "
                             f"choose from {sorted(_MODEL_ARGS)}")
        if "seed" in self.train:
            raise ValueError(f"config {self.name!r}: give seeds to run_grid(seeds=...), not in train")
        unknown = set(self.train) - _TRAIN_ARGS
        if unknown:
            raise ValueError(f"config {self.name!r}: {sorted(unknown)} are not TrainConfig fields; "
                             f"choose from {sorted(_TRAIN_ARGS)}")
        if self.data["source"] not in DATA_SOURCES:
            raise ValueError(f"config {self.name!r}: data source {self.data['source']!r} "
                             f"is not one of {DATA_SOURCES}")
        if self.data["source"] != "synthetic" and "root" not in self.data:
            raise ValueError(f"config {self.name!r}: data source {self.data['source']!r} needs a root folder")

    def key(self) -> str:
        """A short hash of what the run computes (model, data, training settings), not of its name."""
        spec = dict(model={**MODEL_DEFAULTS, **self.model},
                    data={k: v for k, v in self.data.items() if k not in _NOT_HASHED_DATA},
                    train={k: v for k, v in {**CPU_TRAIN, **self.train}.items()
                           if k not in _NOT_HASHED_TRAIN})
        return hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:12]


# --- data -------------------------------------------------------------------------------------------

def num_classes(data: dict) -> int:
    """Classes of a data description, without loading images where it is known."""
    if data["source"] == "synthetic":
        return 16 if data.get("task") == "mixed" else 4
    if data["source"] in ("cifar10", "imagenette"):
        return 10
    return len(load_data(data)[0].classes)


def load_data(data: dict):
    """(train, val) datasets of a data description; synthetic ones are rendered into memory once."""
    if data["source"] == "synthetic":
        return data_mod.datasets("synthetic", None, data["image_size"], task=data["task"],
                                 train_size=data["train_size"], val_size=data["val_size"],
                                 seed=data["data_seed"])
    return data_mod.datasets(data["source"], data["root"], data["image_size"])


def build_model(config: Config, classes: int | None = None) -> Xception:
    """The configuration's Xception: the paper's preset with ``config.model`` on top, as the CLI builds."""
    return presets.model("paper", num_classes=classes or num_classes(config.data), **config.model)


def groups_label(model: dict) -> str:
    g = model.get("spatial_groups")
    return "C" if g is None else str(g)
