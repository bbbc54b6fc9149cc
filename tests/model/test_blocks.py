"""Fig. 5's block table (``model.blocks``) against the modules the model actually builds: the shortcut rule,
the order of every block's layers, and where each block sits."""
import dataclasses

import pytest
import torch
import torch.nn as nn

from xception_edu.model import Block, MaxPool2dTFSame, Xception, XceptionConfig, fig5_blocks
from xception_edu.model.blocks import _shortcut
from xception_edu.ops import SeparableConv2d

CONFIGS = [dict(), dict(residual=False), dict(width=0.25, middle_repeats=0),
           dict(width=0.5, middle_repeats=2, pool_padding="symmetric", in_channels=1)]
KINDS = {"conv": nn.Conv2d, "separable": SeparableConv2d, "bn": nn.BatchNorm2d, "relu": nn.ReLU,
         "maxpool": (MaxPool2dTFSame, nn.MaxPool2d)}


def _model(config):
    with torch.device("meta"):
        return Xception(**config)


@pytest.mark.parametrize("config", CONFIGS)
def test_shortcut_in_the_table_is_the_models_shortcut(config):
    model = _model(config)
    specs = model.config.blocks()
    residual = config.get("residual", True)
    for spec in specs:
        block = model.get_submodule(spec.module)
        shortcut = getattr(block, "shortcut", None)
        changes_shape = spec.pool or spec.in_channels != spec.out_channels
        if spec.kind != "residual":
            assert spec.shortcut is None and not isinstance(block, Block)
        elif not residual:
            assert spec.shortcut is None and shortcut is None
        elif changes_shape:
            assert spec.shortcut == "conv"
            conv, bn = shortcut.conv, shortcut.bn
            assert (conv.in_channels, conv.out_channels, conv.kernel_size) == (spec.in_channels,
                                                                               spec.out_channels, (1, 1))
            assert conv.stride == ((2, 2) if spec.pool else (1, 1)) and bn.num_features == spec.out_channels
            assert [(x.kind, x.name) for x in spec.shortcut_layers] == [("conv", "conv"), ("bn", "bn")]
        else:
            assert spec.shortcut == "identity" and isinstance(shortcut, nn.Identity)
    # the paper's model: conv shortcuts in blocks 2, 3, 4 and 13, the identity in the middle flow
    if not config:
        assert [s.shortcut for s in specs] == [None, *["conv"] * 3, *["identity"] * 8, "conv", None]


def test_a_channel_change_without_a_pool_gets_a_conv_shortcut():
    # Fig. 5 has none; the rule still covers it: the shape changes, so the add needs a 1x1 conv
    spec = fig5_blocks()[1]
    assert _shortcut(dataclasses.replace(spec, pool=False), residual=True) == "conv"
    assert _shortcut(dataclasses.replace(spec, pool=False, in_channels=128), residual=True) == "identity"


@pytest.mark.parametrize("config", CONFIGS)
def test_layers_in_the_table_are_the_models_children_in_order(config):
    model = _model(config)
    for spec in model.config.blocks():
        body = model.get_submodule(spec.body)
        assert [name for name, _ in body.named_children()] == [x.name for x in spec.layers]
        for i, layer in enumerate(spec.layers):
            module = body.get_submodule(layer.name)
            assert isinstance(module, KINDS[layer.kind])
            if layer.kind in ("conv", "separable"):
                assert (module.in_channels, module.out_channels) == (layer.in_channels, layer.channels)
            if layer.kind == "conv":
                assert (module.kernel_size, module.stride) == ((layer.kernel,) * 2, (layer.stride,) * 2)
            if layer.kind == "bn":
                assert module.num_features == layer.channels
            if layer.kind == "relu":  # the block's first layer reads the input the shortcut still needs
                assert module.inplace == (i > 0)


def test_the_papers_layer_order():
    specs = {s.name: s for s in XceptionConfig().blocks()}
    order = {name: " ".join(x.name for x in spec.layers) for name, spec in specs.items()}
    assert order["stem"] == "conv1 bn1 act1 conv2 bn2 act2"
    assert order["block2"] == "sepconv1 bn1 act2 sepconv2 bn2 pool"  # the stem has just applied a ReLU
    assert order["block3"] == "act1 sepconv1 bn1 act2 sepconv2 bn2 pool"
    assert order["block5"] == "act1 sepconv1 bn1 act2 sepconv2 bn2 act3 sepconv3 bn3"
    assert order["block14"] == "sepconv1 bn1 act1 sepconv2 bn2 act2"  # no shortcut: the ReLU last
    assert [x.stride for x in specs["stem"].layers if x.kind == "conv"] == [2, 1]
