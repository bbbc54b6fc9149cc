"""xception-edu: the operators, model and tools behind the notebooks that teach
"Xception: Deep Learning with Depthwise Separable Convolutions" (Chollet, CVPR 2017)."""
from . import counting, exercises, toy, viz, widgets
from ._checks import divisors
from .convs import (
    ConvBNReLU,
    ExtremeInception,
    InceptionV3Module,
    ReformulatedInception,
    SeparableConv2d,
    SimplifiedInception,
    SpectrumConv,
    StandardConv,
)
from .counting import Counts, count_params, measure, time_forward, torchinfo_counts
from .devices import best_device, environment
from .reformulate import pointwise_first_stack, reformulate, regroup_stack
from . import presets, savings
from .summary import feature_maps, flow_counts, flow_summary, flow_table
# The factory stays at xception_edu.xception.xception: exporting it here would hide the submodule.
from .xception import Xception
from . import data
from . import correlations
from .data import SyntheticCorrelations, build_dataloader, make_loaders

__version__ = "0.1.0"

__all__ = [
    "ConvBNReLU", "Counts", "ExtremeInception", "InceptionV3Module", "ReformulatedInception",
    "SeparableConv2d", "SimplifiedInception", "SpectrumConv", "StandardConv",
    "best_device", "count_params", "counting", "divisors", "environment", "measure",
    "exercises", "pointwise_first_stack", "reformulate", "regroup_stack", "time_forward", "torchinfo_counts",
    "viz", "widgets",
    "Xception", "feature_maps", "flow_counts", "flow_summary", "flow_table", "presets",
    "correlations", "data", "SyntheticCorrelations", "build_dataloader", "make_loaders",
]
