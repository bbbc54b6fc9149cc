"""Notebook 05's miniature of Fig. 10 (fig10_miniature.py): the data, the training runs that differ only in
the activation between the two steps, the figure, and the notebook's sentence about the outcome."""
import math

import torch

import xception_edu as xe
from xception_edu.lessons import fig10_miniature as mini
from xception_edu.lessons import fig10_paired as paired


def test_miniature_data_is_the_synthetic_set_as_tensors():
    x, y = mini.miniature_data(n=64, size=32, seed=1)
    x2, y2 = mini.miniature_data(n=64, size=32, seed=1)
    assert torch.equal(x, x2) and torch.equal(y, y2) and x.shape == (64, 3, 32, 32)
    assert set(y.tolist()) == set(range(16)) and -1 <= x.min() and x.max() <= 1


def test_miniature_training_learns_and_only_the_activation_differs():
    data = mini.miniature_data(n=128)
    losses = mini.train_miniature(None, steps=25, seed=0, data=data)
    assert len(losses) == 25 and sum(losses[-5:]) / 5 < sum(losses[:5]) / 5
    assert mini.train_miniature(None, steps=3, seed=0, data=data) == losses[:3]  # deterministic
    relu = mini.train_miniature("relu", steps=3, seed=0, data=data)
    assert relu[0] != losses[0]  # a different function from the same initial weights and batch
    from xception_edu.experiments.nets import small_net

    a = small_net("separable", 6_000, mid_activation=None)
    b = small_net("separable", 6_000, mid_activation="relu")
    assert xe.count_params(a) == xe.count_params(b)
    assert isinstance(b.features.stage1.op.mid_act, torch.nn.ReLU)


def test_fig10_miniature_runs_every_activation_and_seed():
    runs = mini.fig10_miniature(activations=(None, "elu"), seeds=(0, 1), steps=4)
    assert list(runs) == [None, "elu"] and all(r.shape == (2, 4) for r in runs.values())
    data = mini.miniature_data()
    for act, losses in runs.items():  # row s is that activation's own run from seed s
        for seed in (0, 1):
            torch.testing.assert_close(losses[seed], torch.tensor(mini.train_miniature(act, seed, steps=4,
                                                                                       data=data)))
    assert not torch.equal(runs[None][0], runs[None][1]) and not torch.equal(runs[None], runs["elu"])


def test_miniature_figure_title_is_a_miniature_not_fig10_itself():
    runs = mini.fig10_miniature(activations=(None, "relu"), seeds=(0, 1), steps=6)
    title = mini.miniature_figure(runs, smooth=2).fig.axes[0].get_title()
    assert "miniature of the Fig. 10 comparison: 2 seeds, 6 steps" in title


def test_the_fig10_miniature_ends_as_the_notebook_says_under_its_seeds():
    """Notebook 05's sentence, at its settings and seeds on this CPU (a training outcome, so a test, never a
    notebook assert): every variant learns in every seed, a ReLU between the steps ends with the highest
    mean loss, and the seed ranges of none and ELU overlap (pooled, the miniature cannot order those two;
    seed by seed it can)."""
    runs = mini.fig10_miniature(activations=(None, "elu", "relu"), seeds=(0, 1, 2))
    start = {name: losses[:, :5].mean(1) for name, losses in runs.items()}
    end = {name: losses[:, -10:].mean(1) for name, losses in runs.items()}
    assert all((end[name] < 0.8 * start[name]).all() for name in runs)
    assert max(end, key=lambda name: end[name].mean()) == "relu"
    assert end[None].min() <= end["elu"].max() and end["elu"].min() <= end[None].max()
    # Read in pairs (the same data, weights and batches within a seed): ELU below none, ReLU above ELU, in
    # every seed; ReLU above none in two seeds and within a few hundredths in the third; the differences
    # vary less than the losses; every loss is still falling (no plateau) and far below ln 16.
    diffs = paired.paired_differences(runs, reference=None)
    assert (diffs["elu"] < 0).all() and diffs["elu"].std() < end[None].std()
    assert (paired.paired_differences(runs, reference="elu")["relu"] > 0).all()
    gaps = diffs["relu"].abs().sort().values
    assert gaps[0] < 0.05 and (diffs["relu"][diffs["relu"].abs() > 0.05] > 0).sum() == 2
    assert all(paired.still_falling(losses).all() for losses in runs.values())
    assert (end["relu"] < math.log(16) / 2).all()


def test_a_relu_after_a_depthwise_step_zeroes_about_half_of_its_outputs():
    torch.manual_seed(0)
    with torch.no_grad():
        d = xe.SeparableConv2d(16, 16).depthwise(torch.randn(8, 16, 20, 20))
    assert 0.4 < (torch.relu(d) == 0).float().mean().item() < 0.6
