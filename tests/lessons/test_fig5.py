"""Fig. 5 drawn from the model (lessons/fig5.py): the drawing against the real model's modules, a real
forward pass and the counting module; its SVG; notebook 08's widget around it."""
import xml.etree.ElementTree as ET

import pytest
import torch
import torch.nn as nn

import xception_edu as xe
from xception_edu import counting
from xception_edu.lessons import fig5
from xception_edu.lessons import nb08_xception_architecture as nb08
from xception_edu.model.xception import MaxPool2dTFSame
from xception_edu.ops import SeparableConv2d

SVG = "{http://www.w3.org/2000/svg}"
CONFIGS = [dict(), dict(middle_repeats=0, width=0.25), dict(middle_repeats=3, width=0.5, num_classes=10)]


def _boxes(drawing, kind):
    return [box for b in drawing.blocks for box in b.layers if box.kind == kind]


def _model_layers(model):
    """The model's layers by kind, in module order, found with isinstance (not through the drawing)."""
    inside_sep = {id(c) for m in model.modules() if isinstance(m, SeparableConv2d) for c in m.modules()}
    mods = list(model.modules())
    return {
        "separable": [(m.out_channels, m.kernel_size) for m in mods if isinstance(m, SeparableConv2d)],
        "conv": [(m.out_channels, m.kernel_size[0], m.stride[0]) for m in mods
                 if isinstance(m, nn.Conv2d) and id(m) not in inside_sep],
        "maxpool": [(m.kernel_size, m.stride) for m in mods
                    if isinstance(m, (MaxPool2dTFSame, nn.MaxPool2d))],
        "relu": sum(isinstance(m, nn.ReLU) for m in mods),
        "gap": sum(isinstance(m, nn.AdaptiveAvgPool2d) for m in mods),
        "fc": [m.out_features for m in mods if isinstance(m, nn.Linear)],
    }


@pytest.mark.parametrize("config", CONFIGS)
def test_the_drawing_holds_exactly_the_models_convs_separable_convs_and_pools(config):
    model = xe.Xception(**config)
    want = _model_layers(model)
    d = fig5.fig5_drawing(**config)
    assert [(b.channels, b.kernel) for b in _boxes(d, "separable")] == want["separable"]
    assert [(b.channels, b.kernel, b.stride) for b in _boxes(d, "conv")] == want["conv"]
    assert [(b.kernel, b.stride) for b in _boxes(d, "maxpool")] == want["maxpool"]
    assert len(_boxes(d, "relu")) == want["relu"]
    assert len(_boxes(d, "gap")) == want["gap"] == 1
    assert [b.channels for b in _boxes(d, "fc")] == want["fc"]
    # each box names the module it stands for, and the labels carry that module's numbers
    modules = dict(model.named_modules())
    for box in _boxes(d, "separable"):
        assert isinstance(modules[box.module], SeparableConv2d)
        assert box.label == f"SeparableConv {modules[box.module].out_channels}, 3x3"
    for box in _boxes(d, "conv"):
        m = modules[box.module]
        assert f"Conv {m.out_channels}, {m.kernel_size[0]}x{m.kernel_size[0]}" in box.label
        assert ("stride=2x2" in box.label) == (m.stride == (2, 2))


def test_the_papers_model_is_fig5():
    d = fig5.fig5_drawing()
    labels = [box.label for box in d.block("stem").boxes]
    assert labels == ["Conv 32, 3x3, stride=2x2", "ReLU", "Conv 64, 3x3", "ReLU"]       # Fig. 5, entry flow
    assert [b.shortcut for b in d.blocks] == [None] + ["conv"] * 3 + ["identity"] * 8 + \
        ["conv", None, None]
    assert d.block("block2").shortcut_box.label == "Conv 128, 1x1, stride=2x2"
    assert [fig5.hwc(b.output) for b in d.blocks[:4]] == ["147x147x64", "74x74x128", "37x37x256", "19x19x728"]
    assert sum(b.params for b in d.blocks) == 22_855_952                                   # Table 3


def test_edges_join_every_shortcut_at_the_plus():
    d = fig5.fig5_drawing(middle_repeats=2)
    for b in d.blocks:
        edges = b.edges()
        into_join = [e for e in edges if e[1] == "+"]
        assert len(into_join) == (2 if b.shortcut else 0)
        if b.shortcut == "identity":
            assert ("in", "+") in edges
        # the main path is a chain through every box, in order
        assert [e[1] for e in edges[:len(b.boxes)]] == [box.module for box in b.boxes]


@pytest.mark.parametrize("repeats", [0, 1, 5])
@pytest.mark.parametrize("width", [0.25, 0.5, 1.0])
def test_the_drawing_changes_with_middle_repeats_and_width(repeats, width):
    d = fig5.fig5_drawing(middle_repeats=repeats, width=width)
    c728 = xe.Xception(middle_repeats=0, width=width).entry_flow.block4.out_channels
    assert len(d.flow("middle")) == repeats
    assert len(_boxes(d, "separable")) == 2 * 3 + 3 * repeats + 4
    middle = [box.label for b in d.flow("middle") for box in b.boxes if box.kind == "separable"]
    assert middle == [f"SeparableConv {c728}, 3x3"] * 3 * repeats
    assert d.block_names == ("stem", "block2", "block3", "block4",
                             *(f"block{5 + i}" for i in range(repeats)), "block13", "block14")
    svg = ET.fromstring(fig5.fig5_svg(d))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert (f"Repeated {repeats} times" in texts) == (repeats > 0)
    assert sum(t == f"SeparableConv {c728}, 3x3" for t in texts) == 2 + (3 if repeats else 0) + 1


@pytest.mark.parametrize("config,size", [(dict(middle_repeats=1, width=0.25), 299),
                                         (dict(middle_repeats=0, width=0.5, num_classes=7), 71),
                                         (dict(middle_repeats=2, width=0.25), 128)])
def test_map_sizes_match_a_real_forward_pass(config, size):
    model = xe.Xception(**config).eval()
    seen = {}
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: seen.__setitem__(n, (tuple(i[0].shape[1:]),
                                                                              tuple(o.shape[1:]))))
             for n, m in model.named_modules() if n]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    d = fig5.fig5_drawing(image_size=size, **config)
    for b in d.blocks:
        assert (b.input, b.output) == seen[b.module], b.name
        for box in b.layers:
            assert box.output == seen[box.module][1], box.module
    svg = ET.fromstring(fig5.fig5_svg(d))
    maps = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "xe-map"]
    assert maps[0] == f"{size}x{size}x3 images"
    assert fig5.hwc(seen["exit_flow.block14"][1]) in maps


@pytest.mark.parametrize("selected", [None, "stem", "block7", "block14"])
def test_the_svg_is_well_formed_xml_with_the_selected_block_outlined(selected):
    svg = ET.fromstring(fig5.fig5_svg(fig5.fig5_drawing(), selected))
    assert svg.tag == f"{SVG}svg"
    lit = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "xe-selected"]
    assert len(lit) == (0 if selected is None else 1)


@pytest.mark.parametrize("name", ["stem", "block2", "block6", "block13", "block14"])
def test_block_view_counts_are_the_counting_modules(name):
    config = dict(middle_repeats=2, width=0.5)
    d = fig5.fig5_drawing(image_size=128, **config)
    b = d.block(name)
    module = dict(xe.Xception(**config).named_modules())[b.module]
    want = counting.measure(module, (1, *b.input))  # traced on the block alone
    assert (b.params, b.macs) == (want.params, want.macs)
    html = fig5.fig5_view(image_size=128, block=name, **config)
    assert f"parameters: {want.params:,}" in html and f"multiply-adds: {want.macs:,}" in html
    assert f"{fig5.hwc(b.input)}</span> → <span class='xe-block-out'>{fig5.hwc(b.output)}" in html


@pytest.mark.parametrize("name,params", [("stem", 19_488), ("block2", 35_264), ("block3", 136_064),
                                         ("block4", 915_944), ("block5", 1_613_976), ("block12", 1_613_976),
                                         ("block13", 2_039_584), ("block14", 4_748_800)])
def test_block_parameters_are_the_reference_table_of_the_papers_model(name, params):
    # ../shared/reference/xception-paper.md, "Parameter counts": independent of the tracing fig5 does
    assert fig5.fig5_drawing().block(name).params == params


def test_flow_multiply_adds_are_the_references_at_299_px():
    d = fig5.fig5_drawing()
    flows = {"stem": ["stem"], "entry": ["block2", "block3", "block4"],
             "middle": [f"block{i}" for i in range(5, 13)], "exit": ["block13", "block14"]}
    macs = {flow: round(sum(d.block(b).macs for b in blocks) / 1e9, 2) for flow, blocks in flows.items()}
    assert macs == {"stem": 0.42, "entry": 2.28, "middle": 4.65, "exit": 1.01}  # the reference, in G


def test_block_counts_add_up_to_the_flows_and_the_closed_form():
    d = fig5.fig5_drawing()
    rows = {r.name: r for r in xe.flow_counts(xe.Xception(), 299)}
    for flow in ("entry", "middle", "exit"):
        blocks = [b for b in d.flow(flow) if b.name not in ("stem", "head")]
        assert sum(b.params for b in blocks) == rows[flow].params
        assert sum(b.macs for b in blocks) == rows[flow].macs
    one = counting.separable(728, 728, 3, (19, 19)) + counting.batchnorm(728)  # x3 in a middle block
    assert (d.block("block9").params, d.block("block9").macs) == (3 * one.params, 3 * one.macs)


def test_bad_input_raises_a_clear_error():
    with pytest.raises(ValueError, match=r"block='block15' is not a block of this Xception; valid: \('stem'"):
        fig5.fig5_view(block="block15")
    with pytest.raises(ValueError, match="block='block9' is not a block"):  # 2 repeats: block5, block6 only
        fig5.fig5_view(middle_repeats=2, block="block9")
    with pytest.raises(ValueError, match="middle_repeats=17 is not one of"):
        fig5.fig5_view(middle_repeats=17)
    with pytest.raises(ValueError, match="middle_repeats must be an integer >= 0"):
        fig5.fig5_drawing(middle_repeats=-1)
    with pytest.raises(ValueError, match="too small"):
        fig5.fig5_drawing(image_size=64)
    with pytest.raises(ValueError, match="block='block4 ' is not a block"):
        fig5.fig5_svg(fig5.fig5_drawing(), "block4 ")


# --- the widget (kernel-free, as tests/lessons/test_widgets_nb.py) -----------------------------------------

def _html(app):
    return app.output.outputs[0]["data"]["text/html"]


def test_fig5_widget_shows_the_selected_blocks_counts():
    app = nb08.fig5_app()
    assert _html(app) == fig5.fig5_view(8, 1.0, 299, "block4")
    app.set(block="block13", width=0.5, image_size=160)
    b = fig5.fig5_drawing(8, 0.5, 1000, 160).block("block13")
    module = xe.Xception(width=0.5).exit_flow.block13
    want = counting.measure(module, (1, *b.input))
    assert f"parameters: {want.params:,}" in _html(app) and f"multiply-adds: {want.macs:,}" in _html(app)
    assert "class=\"xe-selected\"" in _html(app)


def test_fig5_widget_keeps_the_block_selector_valid():
    app = nb08.fig5_app(block="block12")
    app.set(middle_repeats=3)  # block12 is gone: the last middle block is selected
    assert app.controls["block"].value == "block7"
    assert tuple(app.controls["block"].options)[-3:] == ("block7", "block13", "block14")
    assert _html(app) == fig5.fig5_view(3, 1.0, 299, "block7")
    app.set(middle_repeats=0)
    assert app.controls["block"].value == "block13" and "Repeated" not in _html(app)
    app.set(middle_repeats=16, block="block20")
    assert "block20</b> (middle flow, 16 of 16)" in _html(app)


def test_fig5_widget_offers_only_valid_values():
    with pytest.raises(ValueError, match="width=0.3 is not one of"):
        nb08.fig5_app(width=0.3)
    with pytest.raises(ValueError, match="block='block9' is not one of"):
        nb08.fig5_app(middle_repeats=2, block="block9")
