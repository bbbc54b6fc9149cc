"""The miniature of Fig. 6 (experiments/fig6.py): two nets of the operators they name, at one parameter
count, trained on the same data, seeds and recipe; the seed band and the command line. Tiny runs: seconds."""
import numpy as np
import pytest
import torch
import torch.nn as nn

from xception_edu.counting import count_params
from xception_edu.experiments import fig6
from xception_edu.model.xception import Block
from xception_edu.ops import InceptionV3Module, SeparableConv2d


def _kinds(model):
    return {type(m) for m in model.modules()}


@pytest.mark.parametrize("width", [4, 8, 16])
def test_the_pair_has_one_parameter_count_within_the_tolerance(width):
    pair = fig6.matched_pair(width)
    x, i = (count_params(pair[n]) for n in fig6.NETS)
    assert abs(x - i) <= fig6.TOLERANCE * x
    # the knob chosen is the best one on its grid: a step either way is no closer
    b = fig6.matched_bottleneck(width)
    for other in (b - 1 / 32, b + 1 / 32):
        assert abs(count_params(fig6.mini_inception(width, other)) - x) >= abs(i - x)


def test_each_net_is_built_of_the_operators_it_is_named_after():
    x, i = fig6.matched_pair(8).values()
    assert SeparableConv2d in _kinds(x) and InceptionV3Module not in _kinds(x)
    assert InceptionV3Module in _kinds(i) and SeparableConv2d not in _kinds(i)
    shortcuts = [m.shortcut for m in x.modules() if isinstance(m, Block)]
    assert len(shortcuts) == 3 and all(s is not None for s in shortcuts)  # residual, as Fig. 5
    assert not any(isinstance(m, Block) for m in i.modules())               # none, as Inception V3
    for net in (x, i):
        assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 16)
        convs = [m for m in net.features.stem.modules() if isinstance(m, nn.Conv2d)]
        assert [c.weight.shape for c in convs] == [(8, 3, 3, 3)]            # the same regular stem


def test_no_bottleneck_within_the_tolerance_is_an_error(monkeypatch):
    monkeypatch.setattr(fig6, "TOLERANCE", 0.0)
    fig6.matched_bottleneck.cache_clear()
    try:
        with pytest.raises(ValueError, match="no bottleneck brings the Inception net within"):
            fig6.matched_bottleneck(16)
    finally:
        fig6.matched_bottleneck.cache_clear()


def test_the_seed_band_is_the_lowest_mean_and_highest_per_epoch():
    curves = [[0.1, 0.5, 0.6], [0.3, 0.2, 0.9], [0.2, 0.8, 0.6]]
    band = fig6.seed_band(curves)
    np.testing.assert_allclose(band["min"], [0.1, 0.2, 0.6])
    np.testing.assert_allclose(band["max"], [0.3, 0.8, 0.9])
    np.testing.assert_allclose(band["mean"], [0.2, 0.5, 0.7])
    with pytest.raises(ValueError, match="one equal-length list per seed"):
        fig6.seed_band([])


def test_a_run_trains_both_nets_on_each_seed_with_the_same_settings():
    result = fig6.fig6_runs(seeds=(0, 1), n_train=32, n_val=32, epochs=2, batch_size=32, width=8)
    pair = fig6.matched_pair(8)
    assert result["params"] == {n: count_params(pair[n]) for n in fig6.NETS}
    for n in fig6.NETS:
        assert len(result["val_acc"][n]) == 2 and all(0 <= a <= 1 for a in result["val_acc"][n])
        assert [len(c) for c in result["train_acc"][n]] == [2, 2]
    assert result["settings"]["seeds"] == [0, 1] and result["settings"]["width"] == 8
    again = fig6.fig6_runs(seeds=(1,), n_train=32, n_val=32, epochs=2, batch_size=32, width=8)
    assert again["val_acc"] == {n: [result["val_acc"][n][1]] for n in fig6.NETS}  # a seed fixes its run


@pytest.mark.parametrize("kw,match", [(dict(seeds=()), "seeds is empty"),
                                      (dict(n_train=16), "smaller than one batch")])
def test_a_run_refuses_what_cannot_train(kw, match):
    with pytest.raises(ValueError, match=match):
        fig6.fig6_runs(**kw)


@pytest.mark.parametrize("argv", [["--seeds", "0"], ["--epochs", "0"], ["--train-size", "-1"]])
def test_the_command_refuses_nonpositive_sizes(argv, capsys):
    with pytest.raises(SystemExit):
        fig6.main(argv)
    assert "must be at least 1" in capsys.readouterr().err
