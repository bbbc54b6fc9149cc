"""xception-edu: the operators, model and tools behind the notebooks that teach
"Xception: Deep Learning with Depthwise Separable Convolutions" (Chollet, CVPR 2017).

The package is laid out like the paper and the suite; its floors, and what may import what, are in
``docs/architecture.md``:

    ops/          the convolution family of Sec. 1-1.2, one figure per file (Figs 1-4)
    counting.py   closed-form counts, the one hook-based counter, the one timer
    model/        Xception of Fig. 5 as a block table, its presets and anatomy, timm's weights
    data/         the synthetic correlations set, real images, the photograph
    train/        the paper's recipe, the engine, checkpoints, DDP, the CLI (``python -m xception_edu.train``)
    experiments/  what notebooks 06, 07 and 10 measure
    lessons/      one module per notebook: its figures, widgets and exercise checks (imported by the notebook)

``import xception_edu`` loads none of ipywidgets, IPython, matplotlib or torchinfo: a bare GPU box with
torch, torchvision and tqdm trains with it. ``xception_edu.train`` and ``xception_edu.experiments`` load
on first use (``xe.train.fit``), so importing the package does not pay for them. The maintainer tools
(editions, the nbgrader course, the GPU check) live in the repository's ``tools/``, outside the package.
"""
import importlib as _importlib

from . import counting, data, model, ops
from ._validate import divisors
from .counting import Counts, alternating_medians, count_params, measure, torchinfo_counts, trace
from .devices import best_device, environment
from .model import Xception, XceptionConfig, feature_maps, flow_counts, flow_summary, flow_table, presets
from .ops import (
    ConvBNReLU,
    ExtremeInception,
    InceptionV3Module,
    ReformulatedInception,
    SeparableConv2d,
    SimplifiedInception,
    SpectrumConv,
    StandardConv,
    connectivity_matrix,
    measured_connectivity,
    pointwise_first_stack,
    reformulate,
    regroup_stack,
)

__version__ = "0.1.0"

# Loaded on first attribute access (PEP 562): the trainer and the experiments cost an import the
# notebooks that only count or draw do not need.
_LAZY = ("experiments", "train")


def __getattr__(name):
    if name in _LAZY:
        return _importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ConvBNReLU", "Counts", "ExtremeInception", "InceptionV3Module", "ReformulatedInception",
    "SeparableConv2d", "SimplifiedInception", "SpectrumConv", "StandardConv", "Xception", "XceptionConfig",
    "alternating_medians", "best_device", "connectivity_matrix", "count_params", "counting", "data",
    "divisors", "environment", "experiments", "feature_maps", "flow_counts", "flow_summary", "flow_table",
    "measure", "measured_connectivity", "model", "ops", "pointwise_first_stack", "presets", "reformulate",
    "regroup_stack", "torchinfo_counts", "trace", "train",
]
