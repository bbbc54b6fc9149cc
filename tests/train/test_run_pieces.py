"""The pieces the engine and the command line share: a run's identity, the finiteness scan, the history row
and line, the short-run average decay, and the model options the command line passes on."""
import dataclasses
import math

import pytest
import torch
import torch.nn as nn
from helpers import tiny_data, tiny_model

from xception_edu.train import checkpoint, cli, ema_decay_for, history
from xception_edu.train.config import TrainConfig


@dataclasses.dataclass(frozen=True)
class _Config:
    width: float = 0.5
    middle_repeats: int = 2


def test_identity_records_a_dict_or_a_dataclass_config_as_plain_data():
    as_dict, as_dataclass = tiny_model(), tiny_model()
    as_dict.config = {"width": 0.5, "middle_repeats": 2}
    as_dataclass.config = _Config()
    data = tiny_data(24)
    want = {"model": {"class": "Sequential", "width": 0.5, "middle_repeats": 2},
            "data": {"type": "TensorDataset", "length": 24, "classes": 0}}
    assert checkpoint.identity(as_dict, data) == checkpoint.identity(as_dataclass, data) == want


def test_identity_without_a_config_is_the_parameter_shapes():
    model = nn.Linear(3, 2)
    assert checkpoint.identity(model, tiny_data(8))["model"] == {
        "class": "Linear", "shapes": {"weight": [2, 3], "bias": [2]}}


def test_non_finite_names_each_bad_tensor_with_its_prefix():
    good = {"w": torch.ones(2), "steps": torch.tensor(3)}
    assert checkpoint.non_finite(good, ema={"w": torch.zeros(2)}) == []
    bad = {"w": torch.tensor([1.0, math.nan]), "b": torch.ones(1), "v": torch.tensor([math.inf])}
    assert checkpoint.non_finite(bad, ema={"w": torch.tensor([-math.inf])}) == ["w", "v", "ema.w"]


def test_history_row_divides_the_sums_and_the_line_shows_them():
    progress = {"sums": [6.0, 3.0, 4.0], "images": 40, "seconds": 8.0}
    row = history.row(1.5, 12, 0.01, progress, 0.25, 0.75, 0.875)
    assert row == {"epoch": 1.5, "step": 12, "lr": 0.01, "train_loss": 1.5, "train_acc": 0.75,
                   "val_loss": 0.25, "val_acc": 0.75, "val_top5": 0.875, "images_per_s": 5.0, "seconds": 8.0}
    assert tuple(row) == history.FIELDS
    assert history.line(row) == ("epoch 1.5: train loss 1.500 acc 0.750 | val loss 0.250 acc 0.750 "
                                 "top-5 0.875 | 5 img/s")
    no_top5 = history.row(1.5, 12, 0.01, progress, 0.25, 0.75)  # 5 classes or fewer
    assert history.line(no_top5).endswith("| val loss 0.250 acc 0.750 | 5 img/s")
    no_val = history.row(2, 16, 0.01, progress, None, None)
    assert history.line(no_val) == "epoch 2: train loss 1.500 acc 0.750 | 5 img/s"


def test_a_row_of_an_older_run_without_top5_is_still_printed_and_saved(tmp_path):
    progress = {"sums": [6.0, 3.0, 4.0], "images": 40, "seconds": 8.0}
    old = {k: v for k, v in history.row(1, 12, 0.01, progress, 0.25, 0.75).items() if k != "val_top5"}
    assert history.line(old).endswith("acc 0.750 | 5 img/s")
    history.save([old], tmp_path)
    header, values = (tmp_path / "history.csv").read_text().splitlines()
    assert header.split(",") == list(history.FIELDS)
    assert values.split(",")[history.FIELDS.index("val_top5")] == ""


@pytest.mark.parametrize("steps", [1, 100, 200, 400, 4000, 200_000, 10**7])
def test_ema_decay_for_averages_a_short_runs_last_twentieth(steps):
    span = max(200, steps) / 20  # steps an average spans: 1 / (1 - decay)
    want = min(TrainConfig.ema_decay, 1 - 1 / span)
    assert ema_decay_for(steps) == pytest.approx(want, rel=0, abs=1e-15)
    assert ema_decay_for(steps) <= TrainConfig.ema_decay


def test_ema_decay_for_refuses_a_run_without_steps():
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        ema_decay_for(0)


@pytest.mark.parametrize("argv,want", [
    ([], {}),
    (["--width", "0.25"], {"width": 0.25}),
    (["--middle-repeats", "0", "--dropout", "0"], {"middle_repeats": 0, "dropout": 0.0}),
    (["--no-residual", "--mid-activation", "relu"], {"residual": False, "mid_activation": "relu"}),
    (["--mid-activation", "none"], {"mid_activation": None}),
])
def test_model_options_pass_on_only_what_was_given(argv, want):
    assert cli.model_options(cli.parser().parse_args(argv)) == want
