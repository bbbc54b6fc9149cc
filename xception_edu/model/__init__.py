"""Xception, the network of Fig. 5: the model, its named presets, its anatomy and timm's weights."""
from . import anatomy, presets
from .anatomy import breakdown, feature_maps, flow_counts, flow_summary, flow_table, xception_counts
from .xception import (
           MIN_SIZE,
           PAPER_WIDTHS,
           Block,
           BlockSpec,
           MaxPool2dTFSame,
           Xception,
           fig5_blocks,
           make_divisible,
)

__all__ = ["Block", "BlockSpec", "MIN_SIZE", "MaxPool2dTFSame", "PAPER_WIDTHS", "Xception", "anatomy",
           "breakdown", "feature_maps", "fig5_blocks", "flow_counts", "flow_summary", "flow_table",
           "make_divisible", "presets", "xception_counts"]
