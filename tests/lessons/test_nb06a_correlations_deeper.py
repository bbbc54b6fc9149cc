"""Notebook 06a: the kernel spectrum against numpy's SVD, the kernel explorer's view and controls, the
separability figure."""
import re

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from xception_edu.lessons import figures  # noqa: E402
from xception_edu.lessons import nb06a_correlations_deeper as nb06a  # noqa: E402


def _numpy_spectrum(w: torch.Tensor) -> np.ndarray:
    """Independent reference: each filter's (C_in, k*k) matrix through numpy's SVD, energies pooled."""
    m = w.detach().double().numpy().reshape(w.shape[0], w.shape[1], -1)
    s2 = np.stack([np.linalg.svd(f, compute_uv=False) ** 2 for f in m])
    return s2.sum(0) / (m ** 2).sum()


@pytest.mark.parametrize("shape", [(8, 3, 3, 3), (16, 32, 3, 3), (4, 5, 5, 5), (6, 2, 3, 3)])
def test_kernel_spectrum_is_the_pooled_svd_energy_and_starts_at_the_separability(shape):
    w = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
    spectrum = nb06a.kernel_spectrum(w)
    assert spectrum.shape == (min(shape[1], shape[2] * shape[3]),)
    np.testing.assert_allclose(spectrum.numpy(), _numpy_spectrum(w), rtol=1e-10)
    assert float(spectrum.sum()) == pytest.approx(1.0)
    assert float(spectrum[0]) == pytest.approx(nb06a.kernel_separability(w))
    assert (spectrum[:-1] >= spectrum[1:]).all()  # singular values come largest first


def test_a_rank1_kernel_has_all_its_energy_in_the_first_rank():
    g = torch.Generator().manual_seed(1)
    w = torch.randn(8, 16, 1, 1, generator=g) * torch.randn(8, 1, 3, 3, generator=g)
    spectrum = nb06a.kernel_spectrum(torch.nn.Conv2d(16, 8, 3).requires_grad_(False).weight.copy_(w))
    assert float(spectrum[0]) == pytest.approx(1.0) and float(spectrum[1:].abs().max()) < 1e-12


def test_kernel_spectrum_rejects_what_is_not_a_kernel():
    with pytest.raises(ValueError, match=r"\(C_out, C_in, k, k\)"):
        nb06a.kernel_spectrum(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="zero"):
        nb06a.kernel_spectrum(torch.zeros(2, 3, 3, 3))


def _trained_pair():
    """A small regular net and a copy whose stage-2 conv received a rank-1 update (so W - W0 there is
    exactly one channel mix x one spatial pattern), with the state dict before the update."""
    torch.manual_seed(0)
    net = nb06a.small_net("regular")
    initial = {k: v.clone() for k, v in net.state_dict().items()}
    conv = nb06a.regular_convs(net)["features.stage2.op"]
    cout, cin, k, _ = conv.weight.shape
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        conv.weight += torch.randn(cout, cin, 1, 1, generator=g) * torch.randn(cout, 1, k, k, generator=g)
    return net, initial


def _numbers(html):
    kept = float(re.search(r"rank 1 keeps (\d\.\d\d)", html).group(1))
    chance = float(re.search(r"random kernels: (\d\.\d\d)", html).group(1))
    return kept, chance


def test_the_view_shows_the_chosen_kernel_against_random_kernels_of_its_shape():
    net, initial = _trained_pair()
    models, initials = {"trained": net}, {"trained": initial}
    assert list(nb06a.regular_convs(net)) == [f"features.stage{i}.op" for i in (1, 2, 3)]
    w = net.features.stage2.op.weight
    w0 = initial["features.stage2.op.weight"]
    cout, cin, k, _ = w.shape
    for weights, kernel in (("W", w), ("W0", w0), ("W - W0", w - w0)):
        kept, chance = _numbers(nb06a.kernel_spectrum_view(models, initials, "trained", "features.stage2.op",
                                                           weights))
        assert kept == pytest.approx(_numpy_spectrum(kernel)[0], abs=0.005)
        assert chance == pytest.approx(nb06a.random_separability(cin, k, out_channels=cout), abs=0.005)
    assert _numbers(nb06a.kernel_spectrum_view(models, initials, "trained", "features.stage2.op",
                                               "W - W0"))[0] == 1.0
    added = nb06a.layer_weights(models, initials, "trained", "features.stage2.op", "W - W0")
    torch.testing.assert_close(added, (w - w0).double())


@pytest.mark.parametrize("bad,match", [
    (dict(network="nope"), r"network='nope' is not one of \('trained',\)"),
    (dict(layer="features.stage4.op"), r"layer='features.stage4.op' is not one of"),
    (dict(weights="W1"), r"weights='W1' is not one of \('W', 'W - W0', 'W0'\)"),
])
def test_the_view_names_the_valid_choices(bad, match):
    net, initial = _trained_pair()
    args = dict(network="trained", layer="features.stage1.op", weights="W") | bad
    with pytest.raises(ValueError, match=match):
        nb06a.kernel_spectrum_view({"trained": net}, {"trained": initial}, **args)


def test_the_explorer_redraws_what_the_view_function_computes():
    net, initial = _trained_pair()
    other = nb06a.small_net("regular")
    models = {"trained": net, "other": other}
    initials = {"trained": initial, "other": {k: v.clone() for k, v in other.state_dict().items()}}
    app = nb06a.kernel_explorer(models, initials)
    assert app.values == {"network": "trained", "layer": "features.stage1.op", "weights": "W"}
    app.set(layer="features.stage2.op", weights="W - W0")
    want = nb06a.kernel_spectrum_view(models, initials, "trained", "features.stage2.op", "W - W0")
    assert app.view() == want
    assert app.rendering()["text/html"] == app.view()
    assert set(app.controls["weights"].options) == {(label, key) for key, label in nb06a.WEIGHTS.items()}


def test_the_explorer_refuses_networks_with_different_convs():
    net, initial = _trained_pair()
    with pytest.raises(ValueError, match="other regular convs"):
        nb06a.kernel_explorer({"a": net, "b": torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3))},
                              {"a": initial, "b": {}})
    with pytest.raises(ValueError, match="models is empty"):
        nb06a.kernel_explorer({}, {})


def test_separability_figure_draws_one_bar_per_layer_and_label_and_a_chance_tick_per_layer():
    layers, bars = ["stage1", "stage2", "stage3"], {"W": [0.6, 0.3, 0.3], "W - W0": [0.8, 0.5, 0.9]}
    d = nb06a.separability_figure(layers, bars, [0.58, 0.29, 0.22])
    figures.check_style(d)  # a hatch per series as well as a colour, fonts >= 9 pt, the legend outside
    assert len({c.patches[0].get_hatch() for c in d.fig.axes[0].containers}) == len(bars)
    assert d.alt.endswith("W: 0.60, 0.30, 0.30; W - W0: 0.80, 0.50, 0.90; random kernels: 0.58, 0.29, 0.22.")
    assert d.data[0] == ["layer", "W", "W - W0", "random kernels"]
    assert d.data[3] == ["stage3", "0.30", "0.90", "0.22"]
    assert nb06a.separability_figure(layers, bars | {"W": [0.6, 0.3, 0.4]}, [0.58, 0.29, 0.22]).alt != d.alt
    ax = d.fig.axes[0]
    heights = sorted(round(p.get_height(), 2) for p in ax.patches)
    assert heights == sorted(v for values in bars.values() for v in values)
    ticks = [line.get_ydata()[0] for line in ax.lines]
    assert ticks == [0.58, 0.29, 0.22] and ax.get_ylim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == layers


def test_the_exercise_checks_name_the_mistake():
    from xception_edu import exercises

    def sigma_share(filt):  # sigma_1 / sum(sigma): forgets that energy is squared
        s = np.linalg.svd(filt.reshape(filt.shape[0], -1).numpy(), compute_uv=False)
        return s[0] / s.sum()

    def energy_share(filt):  # the right answer, from numpy
        s = np.linalg.svd(filt.reshape(filt.shape[0], -1).numpy(), compute_uv=False)
        return s[0] ** 2 / (s ** 2).sum()

    assert exercises.check("06a.filter_separability", energy_share, quiet=True).passed
    assert "SQUARED" in exercises.check("06a.filter_separability", sigma_share, quiet=True).message
    right = exercises.check("06a.rank1_kernel", lambda c, s: torch.einsum("oc,oij->ocij", c, s), quiet=True)
    assert right.passed
    flat = exercises.check("06a.rank1_kernel", lambda c, s: c[:, :, None] * s.flatten(1)[:, None], quiet=True)
    assert not flat.passed and "shape (C_out, C_in, k, k)" in flat.message


def test_the_notebook_names_the_random_kernels_curve_by_its_label_not_its_colour():
    import json
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[2] / "notebooks" / "06a_correlations_deeper.ipynb"
    text = "".join(next(c for c in json.loads(path.read_text())["cells"]
                        if c.get("id") == "kernel-explorer")["source"])
    net, initial = _trained_pair()
    html = nb06a.kernel_spectrum_view({"trained": net}, {"trained": initial}, "trained", "features.stage2.op")
    assert 'The curve labelled "random kernels"' in text and ">random kernels</text>" in html
    assert not re.search(r"\b(purple|orange|green|grey|red|blue) curve", text)


def test_the_separability_table_has_a_row_per_run_and_each_layers_four_values():
    net = nb06a.small_net("regular")
    start = {k: v.clone() for k, v in net.state_dict().items()}
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.1)
    reports = {("spatial", 0): nb06a.separability_report(net, start),
               ("channel", 1): nb06a.separability_report(net, start, seed=1)}
    lines = nb06a.separability_table(reports).splitlines()
    assert len(lines) == 2 + len(reports)
    assert lines[0].split()[2:] == [r.name.split(".")[1] for r in reports["spatial", 0]]
    for line, ((task, seed), rows) in zip(lines[2:], reports.items()):
        fields = line.split()
        assert fields[:2] == [task, str(seed)]
        want = [v for r in rows for v in (r.separability, r.update, r.moved, r.random)]
        assert [float(f) for f in fields[2:]] == pytest.approx(want, abs=0.005)


def test_the_profile_table_gives_each_networks_correlations_per_depth():
    x = torch.randn(6, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    nets = {"one": nb06a.small_net("regular"), "before training": nb06a.small_net("regular")}
    profiles = {n: nb06a.correlation_profile({"input": x, **nb06a.collect_maps(m, x)})
                for n, m in nets.items()}
    text = nb06a.profile_table(profiles)
    cross, spatial = text.split("\n\n")
    for block in (cross, spatial):
        assert block.splitlines()[1].split() == [p.layer.split(".")[-1] for p in profiles["one"]]
    for name, prof in profiles.items():
        row = next(line for line in cross.splitlines() if line.startswith(name))
        numbers = [float(v) for v in re.findall(r"\d+\.\d+", row)]
        assert numbers == pytest.approx([v for p in prof for v in (p.cross_channel, p.chance)], abs=0.005)
        row = next(line for line in spatial.splitlines() if line.startswith(name))
        distances = [float(v) for v in row[20:].split()]
        assert distances == pytest.approx([p.half_distance for p in prof], abs=0.05)
