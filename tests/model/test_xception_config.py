"""XceptionConfig: every option checked once, with an error that names the option and the value; the model
built from it and keeping it."""
import dataclasses
import math
import re

import pytest
import torch

from xception_edu.model import Xception, XceptionConfig, fig5_blocks
from xception_edu.model.config import FIELDS

TINY = dict(width=0.25, middle_repeats=1)

# (field, a bad value, what the message says is valid); every field appears at least once
BAD = [
    ("num_classes", 0, "must be a positive integer"),
    ("num_classes", 2.0, "must be a positive integer"),
    ("num_classes", True, "must be a positive integer"),
    ("in_channels", -3, "must be a positive integer"),
    ("in_channels", None, "must be a positive integer"),
    ("middle_repeats", -1, r"must be an integer >= 0 \(the paper: 8\)"),
    ("middle_repeats", True, "must be an integer >= 0"),
    ("middle_repeats", 2.5, "must be an integer >= 0"),
    ("width", 0, r"must be a finite number in \(0, inf\) \(1.0: the paper's channel counts\)"),
    ("width", -0.5, r"in \(0, inf\)"),
    ("width", math.inf, r"in \(0, inf\)"),
    ("width", math.nan, r"in \(0, inf\)"),
    ("width", True, r"in \(0, inf\)"),
    ("width", "1.0", r"in \(0, inf\)"),
    ("residual", 1, "must be True or False"),
    ("residual", None, "must be True or False"),
    ("mid_activation", "gelu", r"is not one of \(None, 'none', 'relu', 'elu'\) \(Fig. 10\)"),
    ("mid_activation", True, "is not one of"),
    ("spatial_groups", 0, r"must divide every separable conv's input channels .* valid values are \[1, 2,"),
    ("spatial_groups", 3, r"valid values are \[1, 2, 4, 8\] \(None: depthwise\)"),
    ("spatial_groups", True, r"valid values are \[1, 2, 4, 8\]"),
    ("spatial_groups", 4.0, r"valid values are \[1, 2, 4, 8\]"),
    ("dropout", 1.0, r"must be a finite number in \[0, 1\) \(the paper: 0.5\)"),
    ("dropout", -0.1, r"in \[0, 1\)"),
    ("dropout", math.nan, r"in \[0, 1\)"),
    ("bn_eps", 0, r"must be a finite number in \(0, inf\) \(Keras: 1e-3, PyTorch: 1e-5\)"),
    ("bn_eps", math.inf, r"in \(0, inf\)"),
    ("bn_momentum", 1.5, r"must be a finite number in \[0, 1\] or None"),
    ("bn_momentum", math.nan, r"in \[0, 1\] or None"),
    ("bn_momentum", False, r"in \[0, 1\] or None"),
    ("pool_padding", "same", r"not one of \('tf_same', 'symmetric'\) \('tf_same': Keras, 'symmetric': timm"),
    ("channel_divisor", 0, "must be a positive integer"),
    ("channel_divisor", 8.0, "must be a positive integer"),
]


def test_every_field_has_a_bad_value_case():
    assert {field for field, _, _ in BAD} == FIELDS


def _message(field, value, valid):
    # "name must be ..., got value" or "name=value is not one of ..." / "name=value must divide ..."
    v = re.escape(repr(value))
    return rf"^({field} .*{valid}.*, got {v}|{field}={v} .*{valid}.*)$"


@pytest.mark.parametrize("field,value,valid", BAD, ids=[f"{f}={v!r}" for f, v, _ in BAD])
def test_a_bad_value_is_refused_naming_the_field_and_the_value(field, value, valid):
    kwargs = {field: value, **(TINY if field == "spatial_groups" else {})}
    with pytest.raises(ValueError, match=_message(field, value, valid)) as from_config:
        XceptionConfig(**kwargs)
    with pytest.raises(ValueError) as from_model:
        Xception(**kwargs)
    assert str(from_model.value) == str(from_config.value)


def test_good_edge_values_are_accepted():
    XceptionConfig(middle_repeats=0, width=1e-3, dropout=0.0, bn_momentum=None, mid_activation="none",
                   spatial_groups=1, pool_padding="symmetric", channel_divisor=1)
    XceptionConfig(bn_momentum=0, residual=False, mid_activation="elu", spatial_groups=8, **TINY)


def test_defaults_are_the_papers_and_the_model_keeps_its_config():
    config = XceptionConfig()
    assert dataclasses.asdict(config) == dict(
        num_classes=1000, in_channels=3, middle_repeats=8, width=1.0, residual=True, mid_activation=None,
        spatial_groups=None, dropout=0.5, bn_eps=1e-3, bn_momentum=0.01, pool_padding="tf_same",
        channel_divisor=8)
    with torch.device("meta"):
        assert Xception().config == config
        m = Xception(num_classes=10, **TINY)
    assert m.config == XceptionConfig(num_classes=10, **TINY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.config.width = 2.0


def test_a_config_and_overrides_replace_its_fields():
    config = XceptionConfig(num_classes=10, **TINY)
    with torch.device("meta"):
        assert Xception(config).config is config
        m = Xception(config, dropout=0.2, middle_repeats=0)
    assert m.config == dataclasses.replace(config, dropout=0.2, middle_repeats=0)
    assert m.head.dropout.p == 0.2 and len(m.middle_flow) == 0


def test_unknown_options_and_a_positional_num_classes_are_refused():
    with pytest.raises(ValueError, match=r"\['widht'\] are not Xception options; choose from \[.*'width'"):
        Xception(widht=0.5)
    with pytest.raises(ValueError, match=r"\['widht'\] are not Xception options"):
        XceptionConfig().replace(widht=0.5)
    with pytest.raises(ValueError, match=r"config must be an XceptionConfig, got 10; give options by name"):
        Xception(10)


def test_reset_classifier_replaces_the_config():
    m = Xception(num_classes=5, **TINY)
    m.reset_classifier(3)
    assert m.config == XceptionConfig(num_classes=3, **TINY) and m.head.fc.out_features == 3
    with pytest.raises(ValueError, match="num_classes must be a positive integer, got 0"):
        m.reset_classifier(0)
    assert m.config.num_classes == 3 and m.head.fc.out_features == 3  # unchanged by the refused call


def test_blocks_is_the_table_of_this_configuration():
    config = XceptionConfig(width=0.5, middle_repeats=3, channel_divisor=16, in_channels=1, residual=False)
    assert config.blocks() == fig5_blocks(0.5, 3, 16, 1, residual=False)
    assert [b.name for b in config.blocks()] == ["stem", "block2", "block3", "block4", "block5", "block6",
                                                 "block7", "block13", "block14"]
