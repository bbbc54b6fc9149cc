"""The conv family of Figs 1-4 and Sec. 1.2: shapes, structure, equivalence, and bad input."""
import pytest
import torch
import torch.nn as nn

import xception_edu as xe
from xception_edu import counting
from xception_edu.ops import spectrum

ALL = {
    "standard": lambda cin, cout, k: xe.StandardConv(cin, cout, k),
    "inception_v3": lambda cin, cout, k: xe.InceptionV3Module(cin, cout, k),
    "simplified": lambda cin, cout, k: xe.SimplifiedInception(cin, cout, k, towers=4),
    "reformulated": lambda cin, cout, k: xe.ReformulatedInception(cin, cout, k, towers=4),
    "extreme": lambda cin, cout, k: xe.ExtremeInception(cin, cout, k),
    "spectrum": lambda cin, cout, k: xe.SpectrumConv(cin, cout, k, groups=2),
    "separable": lambda cin, cout, k: xe.SeparableConv2d(cin, cout, k),
    "separable_pw_first": lambda cin, cout, k: xe.SeparableConv2d(cin, cout, k, order="pointwise_first"),
}


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("k", [1, 3, 5])
def test_same_padding_keeps_size_and_maps_channels(name, k):
    m = ALL[name](6, 8, k)
    y = m(torch.randn(2, 6, 7, 10))
    assert y.shape == (2, 8, 7, 10)


def test_standard_conv_kernel_shape_is_cin_k_k_per_output_channel():
    m = xe.StandardConv(3, 5, 3)
    assert m.weight.shape == (5, 3, 3, 3)  # one Cin x k x k volume per output channel


def test_standard_conv_valid_padding_shrinks_like_xceptions_stem():
    m = xe.StandardConv(3, 32, 3, stride=2, padding="valid")
    assert m(torch.zeros(1, 3, 299, 299)).shape[-2:] == (149, 149)
    assert m.output_size(299, 299) == (149, 149)


def test_inception_v3_towers_concatenate_in_order():
    m = xe.InceptionV3Module(8, 20, widths=(2, 4, 6, 8), reduce=(3, 5)).eval()
    x = torch.randn(1, 8, 6, 6)
    y = m(x)
    parts = [m.tower1(x), m.tower2(x), m.tower3(x), m.tower4(x)]
    assert [p.shape[1] for p in parts] == [2, 4, 6, 8]
    torch.testing.assert_close(y, torch.cat(parts, 1))
    bns = [mod for mod in m.modules() if isinstance(mod, nn.BatchNorm2d)]
    assert len(bns) == 7 and all(bn.eps == 1e-3 for bn in bns)  # BN after each of the 7 convs


def test_simplified_inception_has_n_independent_towers_without_pooling():
    m = xe.SimplifiedInception(8, 12, towers=3)
    assert len(m.branches) == 3
    assert not any(isinstance(mod, (nn.AvgPool2d, nn.MaxPool2d)) for mod in m.modules())
    assert all(b[0].out_channels == 4 and b[2].in_channels == 4 for b in m.branches)


@pytest.mark.parametrize("groups", [1, 2, 3, 4, 6, 12])
def test_spectrum_group_count_sets_the_spatial_weight_shape(groups):
    m = xe.SpectrumConv(5, 12, 3, groups=groups)
    assert m.spatial.weight.shape == (12, 12 // groups, 3, 3)
    assert m.spatial.groups == groups


def test_spectrum_spatial_stage_only_mixes_within_a_segment():
    """Perturbing channel c of the 1x1's output only moves outputs in c's segment (Fig. 3)."""
    m = xe.SpectrumConv(4, 12, 3, groups=3, mid_activation=None, out_activation=None).double()
    h = torch.randn(1, 12, 5, 5, dtype=torch.float64)
    bumped = h.clone()
    bumped[:, 5] += 1.0  # channel 5 lies in segment 1 (channels 4..7)
    moved = (m.spatial(bumped) - m.spatial(h)).abs().amax(dim=(0, 2, 3)) > 0
    assert moved.tolist() == [False] * 4 + [True] * 4 + [False] * 4


def test_extreme_inception_is_one_spatial_filter_per_channel():
    m = xe.ExtremeInception(6, 10)
    assert m.spatial.groups == 10 and m.spatial.weight.shape == (10, 1, 3, 3)
    assert isinstance(m.mid_act, nn.ReLU)
    assert isinstance(xe.ExtremeInception(6, 10, mid_activation=None).mid_act, nn.Identity)


def test_depthwise_does_not_share_one_kernel_across_channels():
    m = xe.SeparableConv2d(4, 4)
    w = m.depthwise.weight  # (C, 1, k, k): a different k x k filter for every channel
    assert w.shape == (4, 1, 3, 3)
    assert not torch.allclose(w[0], w[1])


@pytest.mark.parametrize("order", ["depthwise_first", "pointwise_first"])
def test_separable_order_decides_which_step_runs_first(order):
    m = xe.SeparableConv2d(3, 5, order=order).double()
    x = torch.randn(1, 3, 6, 6, dtype=torch.float64)
    if order == "depthwise_first":
        expected = m.pointwise(m.depthwise(x))
    else:
        expected = m.depthwise(m.pointwise(x))
    torch.testing.assert_close(m(x), expected)


@pytest.mark.parametrize("name,cls", [(None, nn.Identity), ("none", nn.Identity), ("relu", nn.ReLU),
                                      ("elu", nn.ELU)])
def test_separable_mid_activation_variants_of_fig10(name, cls):
    m = xe.SeparableConv2d(3, 5, mid_activation=name).double()
    assert isinstance(m.mid_act, cls)
    x = torch.randn(1, 3, 6, 6, dtype=torch.float64)
    torch.testing.assert_close(m(x), m.pointwise(m.mid_act(m.depthwise(x))))


def test_separable_spatial_groups_replace_the_depthwise_stage():
    m = xe.SeparableConv2d(8, 16, spatial_groups=2)
    assert m.depthwise.groups == 2 and m.depthwise.weight.shape == (8, 4, 3, 3)


@pytest.mark.parametrize("dilation, k", [(2, 3), (3, 3), (2, 5)])
def test_separable_dilation_is_keras_same_padding_by_the_definition(dilation, k):
    # Keras's SeparableConv2D(padding="same", dilation_rate=d): each output pixel reads the k x k taps
    # d px apart around it; written here with torch's functional convs, padding d * (k // 2).
    sep = xe.SeparableConv2d(6, 4, k, dilation=dilation)
    x = torch.randn(2, 6, 11, 13)
    dw = torch.nn.functional.conv2d(x, sep.depthwise.weight, padding=dilation * (k // 2), dilation=dilation,
                                    groups=6)
    want = torch.nn.functional.conv2d(dw, sep.pointwise.weight)
    got = sep(x)
    assert got.shape == (2, 4, 11, 13)
    torch.testing.assert_close(got, want)


def test_separable_stride_halves_the_map():
    m = xe.SeparableConv2d(4, 6, stride=2)
    assert m(torch.zeros(1, 4, 9, 9)).shape == (1, 6, 5, 5)
    assert m.counts(9, 9) == counting.separable(4, 6, 3, (5, 5))


# --- Fig. 2 == Fig. 3 ---------------------------------------------------------------------------

@pytest.mark.parametrize("towers,cin,cout,hw", [(1, 3, 4, (5, 5)), (2, 5, 8, (7, 9)), (3, 8, 12, (9, 9)),
                                                 (4, 16, 32, (6, 11)), (8, 4, 8, (3, 3))])
@pytest.mark.parametrize("bias", [False, True])
def test_reformulation_is_exact_in_float64(towers, cin, cout, hw, bias):
    torch.manual_seed(towers * 100 + cin)
    fig2 = xe.SimplifiedInception(cin, cout, 3, towers=towers, bias=bias).double()
    fig3 = xe.reformulate(fig2)
    assert isinstance(fig3, xe.ReformulatedInception) and fig3.towers == towers
    x = torch.randn(3, cin, *hw, dtype=torch.float64)
    assert (fig2(x) - fig3(x)).abs().max().item() <= 1e-6
    assert counting.count_params(fig2) == counting.count_params(fig3)


@pytest.mark.parametrize("k", [1, 5])
def test_reformulation_is_close_in_float32_and_keeps_activation_choices(k):
    fig2 = xe.SimplifiedInception(6, 12, k, towers=3, mid_activation="elu", out_activation=None)
    fig3 = xe.reformulate(fig2)
    assert isinstance(fig3.mid_act, nn.ELU) and isinstance(fig3.act, nn.Identity)
    x = torch.randn(2, 6, 8, 8)
    torch.testing.assert_close(fig3(x), fig2(x), atol=1e-5, rtol=1e-5)


def test_reformulation_would_fail_with_segments_shuffled():
    """The check is sharp: swapping two towers' weights breaks the equality."""
    fig2 = xe.SimplifiedInception(4, 6, towers=2).double()
    fig3 = xe.reformulate(fig2)
    with torch.no_grad():
        w = fig3.spatial.weight
        fig3.spatial.weight.copy_(torch.cat([w[3:], w[:3]]))
    x = torch.randn(1, 4, 5, 5, dtype=torch.float64)
    assert (fig2(x) - fig3(x)).abs().max().item() > 1e-3


def test_reformulate_rejects_other_modules():
    with pytest.raises(TypeError, match="SimplifiedInception"):
        xe.reformulate(xe.SpectrumConv(4, 6, groups=2))


# --- bad input ----------------------------------------------------------------------------------

def test_groups_that_do_not_divide_name_the_valid_divisors():
    with pytest.raises(ValueError, match=r"groups=5 does not divide out_channels=12.*\[1, 2, 3, 4, 6, 12\]"):
        xe.SpectrumConv(4, 12, groups=5)
    with pytest.raises(ValueError, match=r"groups=3 does not divide.*\[1, 2, 4, 8\]"):
        xe.SeparableConv2d(8, 16, spatial_groups=3)


def test_towers_that_do_not_divide_the_channels():
    for cls in (xe.SimplifiedInception, xe.ReformulatedInception):
        with pytest.raises(ValueError, match=(r"groups=5 does not divide out_channels=12"
                                              r".*\[1, 2, 3, 4, 6, 12\]")):
            cls(4, 12, towers=5)


@pytest.mark.parametrize("name", ALL)
def test_even_kernel_with_same_padding_is_refused(name):
    with pytest.raises(ValueError, match=r"kernel_size=4 is even.*3 or 5"):
        ALL[name](4, 8, 4)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_non_positive_or_non_integer_channels_are_refused(name, bad):
    with pytest.raises(ValueError, match=r"in_channels must be a positive integer, got"):
        ALL[name](bad, 8, 3)
    with pytest.raises(ValueError, match=r"out_channels must be a positive integer, got"):
        ALL[name](8, bad, 3)


def test_other_bad_options():
    with pytest.raises(ValueError, match=r"padding='full' is not 'same' or 'valid'"):
        xe.StandardConv(3, 4, padding="full")
    with pytest.raises(ValueError, match=r"order='sideways'"):
        xe.SeparableConv2d(3, 4, order="sideways")
    with pytest.raises(ValueError, match=r"activation 'gelu' is not one of"):
        xe.SeparableConv2d(3, 4, mid_activation="gelu")
    with pytest.raises(ValueError, match=r"stride=2 is only supported with order='depthwise_first'"):
        xe.SeparableConv2d(3, 4, stride=2, order="pointwise_first")
    with pytest.raises(ValueError, match=r"out_channels=10 cannot be split into four equal towers"):
        xe.InceptionV3Module(3, 10)
    with pytest.raises(ValueError, match=(r"widths=\(1, 2, 3, 5\) must be four tower widths "
                                          r"summing to out_channels=12")):
        xe.InceptionV3Module(3, 12, widths=(1, 2, 3, 5))
    with pytest.raises(ValueError, match=r"stride must be a positive integer, got 0"):
        xe.SeparableConv2d(3, 4, stride=0)


@pytest.mark.parametrize("channels, groups, in_channels, msg", [
    (8, 0, None, "groups must be a positive integer, got 0"),
    (8, 3, None, r"groups=3 does not divide in_channels=8.*common divisors \[1, 2, 4, 8\]"),
    (8, 4, 6, r"groups=4 does not divide in_channels=6.*common divisors \[1, 2\]"),
    (0, 1, None, "in_channels must be a positive integer, got 0")])
def test_connectivity_matrix_refuses_bad_groups_by_name(channels, groups, in_channels, msg):
    with pytest.raises(ValueError, match=msg):
        spectrum.connectivity_matrix(channels, groups, in_channels)
