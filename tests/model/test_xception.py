"""Xception (Fig. 5) against the paper's figures and the Keras reference, and every option doing what it says.

Expected numbers are the published ones (Table 3, the Keras reference's per-block counts, ~8.36 G
mult-adds); shapes are derived from the padding rules, not copied from a run.
"""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import xception_edu as xe
from xception_edu import counting
from xception_edu.model import (
    PAPER_WIDTHS,
    Block,
    MaxPool2dTFSame,
    Xception,
    XceptionConfig,
    make_divisible,
    presets,
)
from xception_edu.model.anatomy import (
    feature_maps,
    flow_counts,
    flow_summary,
    flow_table,
)
from xception_edu.ops import SeparableConv2d

TINY = dict(width=0.25, middle_repeats=1)  # every kind of block, cheap to build and run


@pytest.fixture(scope="module")
def paper():
    return Xception()


def _train_no_dropout(model):
    # Batch statistics: at initialisation the eval-mode output of a deep BN net barely depends on its input.
    model.head.dropout.p = 0.0
    return model.train()


# --- the paper's figures ---------------------------------------------------------------------

def test_parameter_counts_are_the_papers(paper):
    n = counting.count_params
    assert n(paper) == 22_855_952  # Table 3
    assert n(paper.stem) == 19_488
    assert n(paper.stem) + n(paper.entry_flow) == 1_106_760  # Fig. 5's entry flow starts at the input
    assert n(paper.middle_flow) == 12_911_808
    assert n(paper.exit_flow) == 6_788_384
    assert n(paper.head) == 2_049_000
    assert n(paper) - n(paper.head) == 20_806_952
    e, x = paper.entry_flow, paper.exit_flow
    assert [n(e.block2), n(e.block3), n(e.block4)] == [35_264, 136_064, 915_944]
    assert {n(b) for b in paper.middle_flow} == {1_613_976} and len(paper.middle_flow) == 8
    assert [n(x.block13), n(x.block14)] == [2_039_584, 4_748_800]
    # BN running statistics are buffers: Keras's 22,910,480 "total" counts them too.
    buffers = sum(b.numel() for name, b in paper.named_buffers() if "running" in name)
    assert n(paper) + buffers == 22_910_480


def test_flow_counts_match_the_paper_and_torchinfo_at_299(paper):
    rows = {r.name: r for r in flow_counts(paper, 299)}
    assert list(rows) == ["stem", "entry", "middle", "exit", "classifier", "total"]
    assert {k: round(r.macs / 1e9, 2) for k, r in rows.items() if k not in ("classifier", "total")} == \
        {"stem": 0.42, "entry": 2.28, "middle": 4.65, "exit": 1.01}
    assert round(rows["total"].macs / 1e9, 2) == 8.36
    assert rows["total"].params == 22_855_952
    assert rows["stem"].params + rows["entry"].params == 1_106_760
    assert rows["classifier"].output == (1000,)
    # torchinfo counts the same convs and linear, plus BN's 2 per channel once per image.
    info = counting.torchinfo_counts(paper, (1, 3, 299, 299))
    bn = sum(2 * m.num_features for m in paper.modules() if isinstance(m, nn.BatchNorm2d))
    assert info == counting.Counts(22_855_952, rows["total"].macs + bn)
    assert round(info.macs / 1e9, 2) == 8.36


def _same(n, s=2):  # TF "same": ceil(n / s)
    return -(-n // s)


def _valid(n, k=3, s=1):
    return (n - k) // s + 1


def _expected_maps(size, middle_repeats=8, widths=PAPER_WIDTHS):
    c32, c64, c128, c256, c728, c1024, c1536, c2048 = widths
    h1 = _valid(size, s=2)
    h2 = _valid(h1)
    e2, e3, e4 = _same(h2), _same(_same(h2)), _same(_same(_same(h2)))
    x = _same(e4)
    maps = {"stem.conv1": (c32, h1, h1), "stem": (c64, h2, h2), "entry_flow.block2": (c128, e2, e2),
            "entry_flow.block3": (c256, e3, e3), "entry_flow.block4": (c728, e4, e4)}
    maps.update({f"middle_flow.block{5 + i}": (c728, e4, e4) for i in range(middle_repeats)})
    maps.update({"exit_flow.block13": (c1024, x, x), "exit_flow.block14": (c2048, x, x)})
    return maps


def test_feature_maps_at_299_are_fig5s(paper):
    maps = feature_maps(paper, 299)
    assert maps == _expected_maps(299)
    sides = [maps[k][1] for k in ("stem.conv1", "stem", "entry_flow.block2", "entry_flow.block3",
                                  "entry_flow.block4", "middle_flow.block12", "exit_flow.block14")]
    assert sides == [149, 147, 74, 37, 19, 19, 10]


def test_feature_maps_and_logits_at_71(paper):
    assert feature_maps(paper, 71) == _expected_maps(71)
    assert feature_maps(paper, 71)["exit_flow.block14"][1:] == (3, 3)  # why 71 is the minimum
    with torch.no_grad():
        assert paper.eval()(torch.zeros(2, 3, 71, 71)).shape == (2, 1000)


@pytest.mark.parametrize("size", [(72, 72), (80, 117), (96, 96)])
def test_any_input_size_from_71(size):
    m = Xception(num_classes=5, **TINY)
    h, w = size
    widths = tuple(make_divisible(c * 0.25) for c in PAPER_WIDTHS)
    rows, cols = _expected_maps(h, 1, widths), _expected_maps(w, 1, widths)
    assert feature_maps(m, size) == {k: (c, hh, cols[k][2]) for k, (c, hh, _) in rows.items()}


def test_too_small_input_raises_naming_the_size():
    m = Xception(**TINY)
    for h, w in [(70, 71), (71, 64), (32, 32)]:
        with pytest.raises(ValueError, match=rf"{h}x{w} px is too small.*at least 71x71"):
            m(torch.zeros(1, 3, h, w))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\), got \(1, 1, 71, 71\)"):
        m(torch.zeros(1, 1, 71, 71))


# --- layer by layer, as the Keras reference ------------------------------------------------------

def _describe(module) -> str:
    """Our layers in the reference listing's notation."""
    out = []
    for m in module.children():
        if isinstance(m, nn.Conv2d):
            stride = "/2" if m.stride == (2, 2) else ""
            valid = " valid" if m.padding == (0, 0) else ""
            out.append(f"Conv{m.kernel_size[0]}x{m.kernel_size[1]}{stride}{valid} {m.out_channels}")
        elif isinstance(m, SeparableConv2d):
            assert (m.kernel_size, m.stride, m.order) == (3, 1, "depthwise_first")
            out.append(f"SC{m.out_channels}")
        elif isinstance(m, nn.BatchNorm2d):
            out.append("BN")
        elif isinstance(m, nn.ReLU):
            out.append("ReLU")
        elif isinstance(m, (nn.MaxPool2d, MaxPool2dTFSame)):
            out.append("MP")
        else:
            out.append(type(m).__name__)
    return "→".join(out)


def _describe_block(block: Block) -> str:
    if isinstance(block.shortcut, nn.Identity):
        sc = "identity"
    else:
        conv, bn = block.shortcut.conv, block.shortcut.bn
        assert (conv.kernel_size, conv.stride, conv.bias) == ((1, 1), (2, 2), None)
        assert bn.num_features == conv.out_channels
        sc = f"sc{conv.out_channels}"
    return f"{sc} | {_describe(block.body)}"


def test_layers_follow_the_keras_reference(paper):
    # The listing of the reference document, block by block.
    assert _describe(paper.stem) == "Conv3x3/2 valid 32→BN→ReLU→Conv3x3 valid 64→BN→ReLU"
    e, x = paper.entry_flow, paper.exit_flow
    assert _describe_block(e.block2) == "sc128 | SC128→BN→ReLU→SC128→BN→MP"  # no leading ReLU
    assert _describe_block(e.block3) == "sc256 | ReLU→SC256→BN→ReLU→SC256→BN→MP"
    assert _describe_block(e.block4) == "sc728 | ReLU→SC728→BN→ReLU→SC728→BN→MP"
    for b in paper.middle_flow:
        assert _describe_block(b) == "identity | " + "→".join(["ReLU→SC728→BN"] * 3)
    assert _describe_block(x.block13) == "sc1024 | ReLU→SC728→BN→ReLU→SC1024→BN→MP"
    assert _describe(x.block14) == "SC1536→BN→ReLU→SC2048→BN→ReLU"
    assert _describe(paper.head) == "AdaptiveAvgPool2d→Flatten→Dropout→Linear"
    assert paper.head.fc.in_features == 2048
    convs = [m for m in paper.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(m.bias is None for m in convs)


def test_keras_batchnorm_defaults_and_they_are_configurable():
    bns = [m for m in Xception(**TINY).modules() if isinstance(m, nn.BatchNorm2d)]
    assert {(m.eps, m.momentum) for m in bns} == {(1e-3, 0.01)}
    bns = [m for m in Xception(bn_eps=1e-5, bn_momentum=0.1, **TINY).modules()
           if isinstance(m, nn.BatchNorm2d)]
    assert {(m.eps, m.momentum) for m in bns} == {(1e-5, 0.1)}


def test_keras_glorot_uniform_initialisation():
    for mod in Xception(**TINY).modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            w = mod.weight
            receptive = w[0, 0].numel()
            if isinstance(mod, nn.Conv2d) and mod.groups == mod.in_channels > 1:
                fans = mod.in_channels * receptive, receptive  # Keras's depthwise kernel is (k, k, C, 1)
            else:
                fans = w.shape[1] * receptive, w.shape[0] * receptive
            bound = math.sqrt(6 / sum(fans))  # glorot_uniform: U(-bound, bound)
            assert 0.5 * bound < w.abs().max() <= bound
            assert mod.bias is None or not mod.bias.any()


@pytest.mark.parametrize("residual", [True, False])
def test_shortcut_reads_the_input_before_the_relu_and_no_relu_follows_the_add(residual):
    m = Xception(residual=residual, **TINY).train()
    for block in (m.entry_flow.block3, m.middle_flow.block5, m.exit_flow.block13):
        c = block.in_channels
        x = torch.randn(2, c, 9, 9)  # negative values: a ReLU applied to them would show
        x0 = x.clone()
        out = block(x)
        assert torch.equal(x, x0), "the block input was modified in place"
        with torch.no_grad():
            body = block.body(x0)
            shortcut = block.shortcut(x0) if residual else 0
            if residual and isinstance(block.shortcut, nn.Identity):
                assert torch.equal(shortcut, x0)
        torch.testing.assert_close(out, body + shortcut)
        assert (out < 0).any()


def test_residual_false_removes_exactly_the_shortcut_convs_and_bns(paper):
    plain = Xception(residual=False)
    # Blocks 2, 3, 4 and 13 have a 1x1 conv (Cin*Cout) + BN (2*Cout) shortcut; the middle ones are identities.
    expected = sum(cin * cout + 2 * cout for cin, cout in [(64, 128), (128, 256), (256, 728), (728, 1024)])
    assert counting.count_params(paper) - counting.count_params(plain) == expected
    shortcut_params = sum(counting.count_params(b.shortcut) for b in paper.modules() if isinstance(b, Block))
    assert shortcut_params == expected
    assert all(b.shortcut is None for b in plain.modules() if isinstance(b, Block))


# --- options ---------------------------------------------------------------------------------

def test_num_classes_and_in_channels():
    m = Xception(num_classes=7, in_channels=1, dropout=0.0, **TINY)
    base = Xception(**TINY)
    assert m(torch.randn(2, 1, 71, 71)).shape == (2, 7)
    assert m.stem.conv1.weight.shape[1] == 1
    f = base.num_features
    conv1 = base.stem.conv1.weight[:, :1].numel()
    assert counting.count_params(base) - counting.count_params(m) == (f + 1) * (1000 - 7) + 2 * conv1
    assert m.forward_head(torch.randn(2, f, 3, 3), pre_logits=True).shape == (2, f)
    m.reset_classifier(3)
    assert m(torch.randn(2, 1, 71, 71)).shape == (2, 3)
    assert m.config == XceptionConfig(num_classes=3, in_channels=1, dropout=0.0, **TINY)


def test_middle_repeats(paper):
    none = Xception(middle_repeats=0)
    assert counting.count_params(paper) - counting.count_params(none) == 12_911_808
    assert len(none.middle_flow) == 0
    assert none.eval()(torch.zeros(1, 3, 71, 71)).shape == (1, 1000)
    three = Xception(width=0.25, middle_repeats=3)
    one_block = counting.count_params(three.middle_flow.block5)
    assert counting.count_params(three) - counting.count_params(Xception(**TINY)) == 2 * one_block
    assert [n for n, _ in three.middle_flow.named_children()] == ["block5", "block6", "block7"]


def test_make_divisible():
    assert [make_divisible(c) for c in PAPER_WIDTHS] == list(PAPER_WIDTHS)  # width 1 is the paper
    for c in PAPER_WIDTHS:
        for w in (0.1, 0.25, 0.3, 0.5, 0.75, 1.5):
            v = make_divisible(c * w)
            assert v % 8 == 0 and v >= 8 and v >= 0.9 * c * w and abs(v - c * w) <= 8
    assert make_divisible(3.2, 1) == 3 and make_divisible(0.2, 1) == 1


@pytest.mark.parametrize("width,divisor", [(0.5, 8), (0.1, 1), (0.01, 8)])
def test_width_scales_every_channel_count(width, divisor):
    m = Xception(width=width, middle_repeats=1, channel_divisor=divisor, dropout=0.0)
    want = {make_divisible(c * width, divisor) for c in PAPER_WIDTHS}
    got = set()
    for mod in m.modules():
        if isinstance(mod, nn.Conv2d):
            got |= {mod.out_channels}
            assert mod.out_channels % divisor == 0 and mod.out_channels >= 1
    assert got == want
    if divisor == 1:
        assert all(abs(make_divisible(c * width, 1) - c * width) <= 0.5 for c in PAPER_WIDTHS)
    assert m.num_features == make_divisible(2048 * width, divisor) == m.head.fc.in_features
    m.train()(torch.randn(2, 3, 71, 71)).sum().backward()


@pytest.mark.parametrize("name,kind", [(None, nn.Identity), ("relu", nn.ReLU), ("elu", nn.ELU)])
def test_mid_activation_reaches_every_separable_conv(name, kind):
    m = Xception(mid_activation=name, **TINY)
    seps = [s for s in m.modules() if isinstance(s, SeparableConv2d)]
    assert len(seps) == 2 * 3 + 3 * 1 + 2 + 2
    assert all(isinstance(s.mid_act, kind) and s.mid_activation == name for s in seps)
    base = Xception(**TINY)
    assert counting.count_params(m) == counting.count_params(base)
    m.load_state_dict(base.state_dict())
    x = torch.randn(2, 3, 71, 71)
    with torch.no_grad():
        same = torch.equal(_train_no_dropout(m)(x), _train_no_dropout(base)(x))
    assert same == (name is None)


def test_spatial_groups_passthrough():
    m = Xception(spatial_groups=4, **TINY)
    seps = [s for s in m.modules() if isinstance(s, SeparableConv2d)]
    assert {s.depthwise.groups for s in seps} == {4}
    base = Xception(**TINY)
    extra = sum(9 * s.in_channels * (s.in_channels // 4 - 1) for s in seps)
    assert counting.count_params(m) - counting.count_params(base) == extra
    assert m.eval()(torch.zeros(1, 3, 71, 71)).shape == (1, 1000)
    # width 0.25: separable convs read 16, 32, 64, 184, 256, 384 channels;
    # their common divisors are 1, 2, 4, 8
    with pytest.raises(ValueError, match=r"spatial_groups=3 must divide .*\[16, 32, 64, 184, 256, 384\].*"
                                         r"\[1, 2, 4, 8\]"):
        Xception(spatial_groups=3, **TINY)


def test_dropout():
    assert Xception(**TINY).head.dropout.p == 0.5  # the paper's
    x = torch.randn(4, 3, 71, 71)
    for p in (0.0, 0.5):
        m = Xception(dropout=p, **TINY).train()
        torch.manual_seed(0)
        a = m(x)
        torch.manual_seed(1)
        b = m(x)
        assert torch.equal(a, b) == (p == 0.0)


def test_tf_same_max_pool_pads_after_on_even_maps_only():
    pool, x = MaxPool2dTFSame(3, 2), torch.randn(2, 3, 74, 74)
    # 74: 0 before, 1 after -> windows start at 0, 2, ...: PyTorch's ceil_mode without padding.
    torch.testing.assert_close(pool(x), F.max_pool2d(x, 3, 2, ceil_mode=True), rtol=0, atol=0)
    assert pool(x)[0, 0, 0, 0] == x[0, 0, :3, :3].max()
    assert not torch.equal(pool(x), nn.MaxPool2d(3, 2, padding=1)(x))
    # 147 and other odd sides: 1 and 1, the same as the symmetric pool.
    for n in (147, 37, 19, 5):
        y = torch.randn(1, 2, n, n)
        torch.testing.assert_close(pool(y), nn.MaxPool2d(3, 2, padding=1)(y), rtol=0, atol=0)
    z = torch.randn(1, 2, 10, 7)  # mixed parity: each side on its own
    torch.testing.assert_close(pool(z), F.max_pool2d(F.pad(z, (1, 1, 0, 1), value=-math.inf), 3, 2),
                               rtol=0, atol=0)
    # -inf padding: an all-negative map never picks up a padded zero.
    assert (pool(-torch.rand(1, 1, 6, 6) - 1) < -1).all()


def test_pool_padding_option():
    tf, sym = Xception(**TINY), Xception(pool_padding="symmetric", **TINY)

    def pools(m):
        return [type(p) for p in m.modules() if isinstance(p, (nn.MaxPool2d, MaxPool2dTFSame))]

    assert pools(tf) == [MaxPool2dTFSame] * 4 and pools(sym) == [nn.MaxPool2d] * 4
    assert all(p.padding == 1 for p in sym.modules() if isinstance(p, nn.MaxPool2d))
    sym.load_state_dict(tf.state_dict())
    _train_no_dropout(tf), _train_no_dropout(sym)
    with torch.no_grad():
        for size, differ in ((71, False), (80, True)):  # 80 px: block4 pools an even 10x10 map
            x = torch.randn(2, 3, size, size)
            assert (not torch.equal(tf(x), sym(x))) == differ


def test_channels_last_gives_the_same_result():
    m = _train_no_dropout(Xception(**TINY))
    x = torch.randn(2, 3, 80, 80)
    with torch.no_grad():
        ref = m(x)
        got = m.to(memory_format=torch.channels_last)(x.to(memory_format=torch.channels_last))
    torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-4)


# --- presets and summaries -----------------------------------------------------------------------

def test_paper_preset_is_the_paper():
    assert presets.image_size("paper") == 299
    assert counting.count_params(presets.model("paper")) == 22_855_952


def test_small_preset_has_every_kind_of_block_and_fits_a_cpu():
    size = presets.image_size("small")
    assert 71 <= size <= 96
    m = presets.model("small", num_classes=10)
    assert [type(b.shortcut) for b in m.entry_flow] == [nn.Sequential] * 3
    assert len(m.middle_flow) >= 1 and all(isinstance(b.shortcut, nn.Identity) for b in m.middle_flow)
    assert isinstance(m.exit_flow.block13.shortcut, nn.Sequential) and hasattr(m.exit_flow, "block14")
    assert all(any(isinstance(p, (nn.MaxPool2d, MaxPool2dTFSame)) for p in b.body) for b in m.entry_flow)
    # A compute budget rather than a wall-clock bound (the CPU may be shared): the paper's model needs
    # 8.36 G per image at 299 px; this must stay under 50 M, about 0.1 s per step at batch 32 on two cores.
    assert flow_counts(m, size)[-1].macs < 50e6
    x, y = torch.randn(32, 3, size, size), torch.randint(0, 10, (32,))
    F.cross_entropy(m.train()(x), y).backward()
    assert all(p.grad is not None for p in m.parameters())


def test_preset_overrides_replace_fields_and_none_is_a_value():
    m = presets.model("small", num_classes=4, residual=False, mid_activation="elu", dropout=0.2,
                      bn_momentum=None)
    small = presets.get("small").model
    assert m.config == XceptionConfig(num_classes=4, width=small.width, middle_repeats=small.middle_repeats,
                                      residual=False, mid_activation="elu", dropout=0.2, bn_momentum=None)
    assert all(bn.momentum is None for bn in m.modules() if isinstance(bn, nn.BatchNorm2d))
    assert presets.config("small", middle_repeats=0).middle_repeats == 0
    assert presets.config("paper") == XceptionConfig() and presets.model("small").config == small
    with pytest.raises(ValueError, match=r"width must be a finite number in \(0, inf\).*got None"):
        presets.config("small", width=None)  # None is a value, not "the preset's"
    with pytest.raises(ValueError, match=r"unknown preset 'huge'; choose one of \['paper', 'small'\]"):
        presets.model("huge")


def test_flow_table_and_summary():
    m = Xception(**TINY)
    rows = flow_counts(m, 71)
    total = counting.measure(m, (1, 3, 71, 71))
    assert rows[-1].params == total.params and rows[-1].macs == total.macs
    assert sum(r.macs for r in rows[:-1]) == rows[-1].macs
    table = flow_table(m, 71)
    for r in rows:
        assert f"{r.name:12s} {r.params:12,d}" in table
    s = flow_summary(m, 71, depth=1)
    assert s.trainable_params == total.params
    assert [layer.var_name for layer in s.summary_list if layer.depth == 1] == \
        ["stem", "entry_flow", "middle_flow", "exit_flow", "head"]


def test_package_exports():
    assert xe.Xception is Xception and xe.presets is presets and xe.flow_counts is flow_counts
    assert callable(xe.flow_summary) and callable(xe.flow_table) and callable(xe.feature_maps)
