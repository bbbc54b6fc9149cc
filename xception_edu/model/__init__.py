"""Xception, the network of Fig. 5: its configuration, its block table, the model, its named presets, its
anatomy and timm's weights."""
from . import anatomy, presets
from .anatomy import breakdown, feature_maps, flow_counts, flow_summary, flow_table, xception_counts
from .blocks import MIN_SIZE, PAPER_WIDTHS, BlockSpec, Layer, fig5_blocks, make_divisible
from .config import XceptionConfig
from .xception import Block, MaxPool2dTFSame, Xception

__all__ = ["Block", "BlockSpec", "Layer", "MIN_SIZE", "MaxPool2dTFSame", "PAPER_WIDTHS", "Xception",
           "XceptionConfig", "anatomy", "breakdown", "feature_maps", "fig5_blocks", "flow_counts",
           "flow_summary", "flow_table", "make_divisible", "presets", "xception_counts"]
