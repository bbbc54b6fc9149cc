"""separable_maps: the depthwise maps and the 1x1 mixes of a real SeparableConv2d, against torch's convs
computed independently, value by value; the figure's text alternative follows the weights."""
import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

import xception_edu as xe  # noqa: E402
from xception_edu.lessons import figures  # noqa: E402
from xception_edu.lessons import separable_maps as sm  # noqa: E402

IMAGE = torch.rand(3, 12, 10, generator=torch.Generator().manual_seed(0))


def test_depthwise_maps_filter_each_channel_alone_and_outputs_are_their_weighted_sums():
    conv = sm.demo_separable()
    depthwise, out = sm.separable_maps(conv, IMAGE)
    for c, (_, kernel) in enumerate(sm.DEMO_KERNELS.values()):  # one channel, its own kernel, zero padding
        want = F.conv2d(IMAGE[c][None, None], kernel[None, None], padding=1)[0, 0]
        torch.testing.assert_close(depthwise[c], want)
    for o, row in enumerate(sm.DEMO_MIX):                       # output o = sum_c p[o, c] * map c
        torch.testing.assert_close(out[o], sum(w * depthwise[c] for c, w in enumerate(row)))
    with torch.no_grad():
        torch.testing.assert_close(out, conv(IMAGE[None])[0])   # the module's own forward agrees


def test_a_random_separable_conv_with_an_activation_between_is_read_the_same_way():
    torch.manual_seed(1)
    conv = xe.SeparableConv2d(3, 5, kernel_size=5, mid_activation="relu")
    depthwise, out = sm.separable_maps(conv, IMAGE)
    with torch.no_grad():
        want = F.conv2d(IMAGE[None], conv.depthwise.weight, padding=2, groups=3)[0]
        torch.testing.assert_close(depthwise, want)
        p = conv.pointwise.weight[:, :, 0, 0]
        torch.testing.assert_close(out, torch.einsum("oc,chw->ohw", p, depthwise.relu()))


def test_maps_refuse_what_is_not_a_depthwise_first_separable_conv():
    with pytest.raises(ValueError, match="depthwise-first"):
        sm.separable_maps(xe.SeparableConv2d(3, 4, order="pointwise_first"), IMAGE)
    with pytest.raises(ValueError, match=r"want \(3, H, W\)"):
        sm.separable_maps(sm.demo_separable(), IMAGE[:2])


def test_mix_text_names_each_output_s_nonzero_weights():
    assert sm.mix_text(sm.demo_separable()) == [
        "output 0 = 1·R map", "output 1 = 1·R map + 1·G map", "output 2 = 1·R map − 1·G map",
        "output 3 = 0.5·G map − 1·B map"]


def test_the_figure_passes_the_style_check_and_its_alt_follows_the_weights():
    conv = sm.demo_separable()
    d = sm.maps_figure(conv, IMAGE)
    assert d.alt == sm.maps_text(conv, IMAGE)
    FigureCanvasAgg(d.fig)
    figures.check_style(d.fig)
    depthwise, out = sm.separable_maps(conv, IMAGE)
    assert f"values {float(out[3].min()):.2f} to {float(out[3].max()):.2f}" in d.alt
    assert d.data[2] == [1, "1", "1", "0"]                     # the weights as a table, row of output 1
    with torch.no_grad():
        conv.pointwise.weight[1, 2] = 2.0
    changed = sm.maps_text(conv, IMAGE)
    assert changed != d.alt and "output 1 = 1·R map + 1·G map + 2·B map" in changed
