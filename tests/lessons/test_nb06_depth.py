"""Notebook 06's joint task at one more separable block: the deeper net against its definition and budget,
the stored run against the settings of the notebook's own experiment, and the notebook's sentences against
the stored numbers."""
import inspect
import json
import pathlib
import statistics

import pytest
import torch

from xception_edu.counting import count_params
from xception_edu.experiments import depth
from xception_edu.experiments.nets import BUDGET, small_net
from xception_edu.experiments.operators import which_learns_what
from xception_edu.lessons import joint_task_depth as stored_run
from xception_edu.ops import SeparableConv2d

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _markdown(cell_id) -> str:
    cells = json.loads((ROOT / "notebooks" / "06_correlations.ipynb").read_text())["cells"]
    return " ".join("".join(next(c for c in cells if c.get("id") == cell_id)["source"]).split())


def _separable_convs(net) -> int:
    return sum(isinstance(m, SeparableConv2d) for m in net.modules())


@pytest.mark.parametrize("extra", [1, 2, 3])
def test_the_deeper_net_is_the_separable_net_with_extra_blocks_of_unchanged_width(extra):
    net = depth.deeper_separable(8, extra)
    assert _separable_convs(net) == _separable_convs(small_net("separable")) + extra
    assert net(torch.randn(2, 3, 32, 32)).shape == (2, 4)
    blocks = [m.op for name, m in net.features.named_children() if name.endswith("_extra")]
    widths = [(b.depthwise.in_channels, b.pointwise.out_channels) for b in blocks]
    assert widths == [(8, 8), (16, 16), (32, 32)][:extra]  # each after its stage: w, 2w, 4w channels


def test_the_deeper_width_is_the_one_closest_to_the_budget():
    w = depth.deeper_width(BUDGET, 1)
    gap = {v: abs(count_params(depth.deeper_separable(v, 1)) - BUDGET) for v in (w - 1, w, w + 1)}
    assert min(gap, key=gap.get) == w and gap[w] < 0.1 * BUDGET


def test_bad_extra_blocks_name_the_valid_values():
    with pytest.raises(ValueError, match="extra_blocks=4"):
        depth.deeper_separable(8, 4)


def test_the_run_trains_regular_and_separable_exactly_as_the_notebooks_experiment():
    small = dict(n_train=128, n_val=64, epochs=1)
    ours = depth.joint_task_depth(seeds=(0,), **small)
    theirs = which_learns_what(tasks=("joint",), kinds=("regular", "separable"), seeds=(0,), **small)
    for kind in ("regular", "separable"):
        assert ours["val_acc"][kind] == [round(a, 4) for a in theirs.accuracy(kind, "joint")]
    assert list(ours["val_acc"]) == list(depth.NETS)


def test_the_stored_run_used_the_settings_of_the_notebooks_experiment():
    defaults = {k: p.default for k, p in inspect.signature(which_learns_what).parameters.items()}
    settings = stored_run.STORED["settings"]
    for key in ("n_train", "n_val", "image_size", "epochs", "budget", "batch_size"):
        assert settings[key] == defaults[key], key
    assert settings["task"] == "joint" and stored_run.COMMAND.endswith(f"--seeds {len(settings['seeds'])}")
    counted = {kind: count_params(small_net(kind)) for kind in ("regular", "separable")}
    counted["separable + 1 block"] = count_params(depth.deeper_separable(depth.deeper_width(), 1))
    assert stored_run.STORED["params"] == counted


def test_the_notebook_reads_the_stored_numbers():
    acc = stored_run.STORED["val_acc"]
    deeper, regular, separable = acc["separable + 1 block"], acc["regular"], acc["separable"]
    text = _markdown("depth-reading")
    assert f"({statistics.mean(deeper):.2f} against {statistics.mean(regular):.2f})" in text
    assert f"in {stored_run.paired_wins(deeper, separable)} of {len(deeper)} seeds" in text
    assert f"{max(separable):.2f}, against the regular network's worst, {min(regular):.2f}" in text
    assert stored_run.paired_wins(regular, separable) == len(regular) and "wins all six" in text


def test_the_table_shows_each_nets_mean_range_rule_and_pairs():
    table = stored_run.depth_table()
    for name, values in stored_run.STORED["val_acc"].items():
        row = next(line for line in table.splitlines() if line.startswith(name + " "))
        assert f"{statistics.mean(values):.2f}" in row and f"{min(values):.2f}-{max(values):.2f}" in row
    assert stored_run.COMMAND in table
