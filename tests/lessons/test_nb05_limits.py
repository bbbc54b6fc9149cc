"""What a separable conv cannot do (notebook 05): the product weight, its degrees of freedom, and the best
separable approximation of a regular weight, checked against references."""
import pytest
import torch
import torch.nn.functional as F

from xception_edu.lessons import separable_limits as sl
from xception_edu.lessons.nb01_standard_convolution import demo_kernels


@pytest.mark.parametrize("cin, cout, k", [(3, 5, 3), (4, 2, 5)])
def test_the_product_weight_is_depthwise_then_pointwise(cin, cout, k):
    g = torch.Generator().manual_seed(cin)
    d, p = torch.randn(cin, 1, k, k, generator=g), torch.randn(cout, cin, 1, 1, generator=g)
    x = torch.randn(2, cin, 8, 7, generator=g)
    two_steps = F.conv2d(F.conv2d(x, d, padding=k // 2, groups=cin), p)
    torch.testing.assert_close(F.conv2d(x, sl.separable_weight(d, p), padding=k // 2), two_steps)
    w = sl.separable_weight(d, p)
    for o, c in [(0, 0), (cout - 1, cin - 1)]:
        torch.testing.assert_close(w[o, c], p[o, c, 0, 0] * d[c, 0])


def test_the_product_weight_refuses_shapes_that_do_not_fit():
    with pytest.raises(ValueError, match=r"\(C, 1, k, k\) and \(C', C, 1, 1\)"):
        sl.separable_weight(torch.zeros(3, 1, 3, 3), torch.zeros(4, 2, 1, 1))


@pytest.mark.parametrize("cin, cout, k", [(3, 4, 3), (2, 5, 3), (4, 3, 1)])
def test_the_reachable_dimension_is_the_weights_less_one_scale_per_channel(cin, cout, k):
    dof = sl.degrees_of_freedom(cin, cout, k)
    assert dof["regular"] == k * k * cin * cout and dof["separable"] == k * k * cin + cin * cout
    assert sl.reachable_dimension(cin, cout, k) == dof["reachable"] == dof["separable"] - cin


def _als_error(weight, starts=8, iters=200):
    """Reference: alternating least squares from random starts (for fixed d_c, p[:, c] is a least-squares
    fit, and for fixed p[:, c], d_c is), the smallest relative error found."""
    w = weight.double()
    cout, cin, k, _ = w.shape
    m = w.transpose(0, 1).reshape(cin, cout, k * k)
    g = torch.Generator().manual_seed(0)
    best = float("inf")
    for _ in range(starts):
        d = torch.randn(cin, k * k, generator=g, dtype=torch.float64)
        for _ in range(iters):
            p = torch.einsum("cok,ck->co", m, d) / d.square().sum(1, keepdim=True)
            d = torch.einsum("cok,co->ck", m, p) / p.square().sum(1, keepdim=True)
        best = min(best, float((m - p[:, :, None] * d[:, None]).norm() / w.norm()))
    return best


@pytest.mark.parametrize("shape", [(4, 3, 3, 3), (6, 2, 3, 3), (3, 5, 5, 5)])
def test_the_best_separable_approximation_is_no_worse_than_least_squares_from_random_starts(shape):
    weight = torch.randn(*shape, generator=torch.Generator().manual_seed(sum(shape)))
    d, p, error = sl.best_separable(weight)
    approx = sl.separable_weight(d, p)
    assert error == pytest.approx(float((weight - approx).double().norm() / weight.double().norm()), rel=1e-5)
    assert error == pytest.approx(_als_error(weight), abs=1e-6)
    for i in range(20):  # and no small step away from it does better
        g = torch.Generator().manual_seed(i)
        d2 = d + 1e-3 * torch.randn(d.shape, generator=g)
        p2 = p + 1e-3 * torch.randn(p.shape, generator=g)
        assert float((weight - sl.separable_weight(d2, p2)).norm() / weight.norm()) >= error - 1e-6


def test_a_separable_weight_is_recovered_exactly_and_one_output_channel_always_is():
    g = torch.Generator().manual_seed(1)
    weight = sl.separable_weight(torch.randn(3, 1, 3, 3, generator=g), torch.randn(5, 3, 1, 1, generator=g))
    d, p, error = sl.best_separable(weight)
    assert error < 1e-6
    torch.testing.assert_close(sl.separable_weight(d, p), weight, atol=1e-5, rtol=1e-5)
    for kernel in demo_kernels().values():  # one kernel alone: d_c = its slice c, p = 1
        assert sl.best_separable(kernel[None])[2] < 1e-6


def test_two_orthogonal_patterns_of_equal_weight_in_one_channel_lose_half():
    sobel = torch.tensor([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    weight = torch.stack([sobel, sobel.T])[:, None]   # two outputs, one input: vertical and horizontal edges
    assert sl.best_separable(weight)[2] == pytest.approx(0.5 ** 0.5)


def test_the_text_alternative_reads_the_ranks_and_the_error_from_the_weight():
    weight = torch.stack(list(demo_kernels().values()))
    text = sl.limits_text(weight)
    assert "Input channel R: the output channels use 3 independent spatial patterns" in text
    assert "Input channel G: the output channels use 2 independent spatial patterns" in text
    assert f"approximation: {sl.best_separable(weight)[2]:.0%}." in text


def test_the_figure_titles_carry_the_error_and_every_font_is_at_least_10_pt():
    import matplotlib
    matplotlib.use("Agg")
    weight = torch.stack(list(demo_kernels().values()))
    fig = sl.limits_figure(weight).fig
    assert f"error {sl.best_separable(weight)[2]:.0%}" in fig.axes[1].get_title()
    sizes = [t.get_fontsize() for ax in fig.axes for t in
             [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]
             if t.get_text()]
    assert sizes and min(sizes) >= 10


def test_the_figure_draws_the_weight_its_best_approximation_and_their_singular_values():
    import matplotlib
    matplotlib.use("Agg")
    weight = torch.stack(list(demo_kernels().values()))
    d, p, _ = sl.best_separable(weight)
    fig = sl.limits_figure(weight).fig
    for ax, w in ((fig.axes[0], weight), (fig.axes[1], sl.separable_weight(d, p))):
        drawn = torch.as_tensor(ax.images[0].get_array().filled(float("nan")), dtype=torch.float32)
        for o in range(4):
            for c in range(3):  # kernel (o, c) sits at row block o, column block c, one-pixel gaps
                torch.testing.assert_close(drawn[o * 4:o * 4 + 3, c * 4:c * 4 + 3], w[o, c].float())
    heights = sorted(round(b.get_height(), 6) for b in fig.axes[2].patches)
    m = weight.double().transpose(0, 1).reshape(3, 4, 9)
    want = sorted(round(v, 6) for v in torch.linalg.svdvals(m).flatten().tolist())
    assert heights == want
