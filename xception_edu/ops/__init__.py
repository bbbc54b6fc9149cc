"""The convolution family the paper's argument walks through (Sec. 1-1.2, Figs 1-4), one figure per file.

Every operator takes ``(in_channels, out_channels, kernel_size, ...)`` and keeps the spatial size
("same" padding, stride 1) unless told otherwise, so any two can be swapped in an experiment.
Each has ``counts(height, width)``: its closed-form parameters and multiply-adds (``counting``).

    StandardConv          standard.py   one kernel maps channels and space jointly (Sec. 1.1)
    InceptionV3Module     inception.py  Fig. 1: four towers, concatenated
    SimplifiedInception   inception.py  Fig. 2: n towers of 1x1 -> kxk
    ReformulatedInception spectrum.py   Fig. 3: one big 1x1, then kxk on n channel segments (groups=n)
    ExtremeInception      spectrum.py   Fig. 4: one big 1x1, then one kxk per channel (groups=C)
    SpectrumConv          spectrum.py   1x1 then kxk in any number g of groups: the whole spectrum
    SeparableConv2d       separable.py  depthwise kxk then pointwise 1x1, as in Xception (Sec. 1.2, Fig. 5)
"""
from .inception import ConvBNReLU, InceptionV3Module, SimplifiedInception
from .separable import SeparableConv2d, pointwise_first_stack, regroup_stack
from .spectrum import (
                       ExtremeInception,
                       ReformulatedInception,
                       SpectrumConv,
                       connectivity_matrix,
                       dense_weight,
                       measured_connectivity,
                       reformulate,
)
from .standard import StandardConv

__all__ = ["ConvBNReLU", "ExtremeInception", "InceptionV3Module", "ReformulatedInception", "SeparableConv2d",
           "SimplifiedInception", "SpectrumConv", "StandardConv", "connectivity_matrix", "dense_weight",
           "measured_connectivity", "pointwise_first_stack", "reformulate", "regroup_stack"]
