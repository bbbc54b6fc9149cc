"""xception-edu: the operators, model and tools behind the notebooks that teach
"Xception: Deep Learning with Depthwise Separable Convolutions" (Chollet, CVPR 2017)."""
from . import counting, widgets
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
from .reformulate import reformulate

__version__ = "0.1.0"

__all__ = [
    "ConvBNReLU", "Counts", "ExtremeInception", "InceptionV3Module", "ReformulatedInception",
    "SeparableConv2d", "SimplifiedInception", "SpectrumConv", "StandardConv",
    "best_device", "count_params", "counting", "divisors", "environment", "measure",
    "reformulate", "time_forward", "torchinfo_counts", "widgets",
]
