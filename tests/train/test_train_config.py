"""TrainConfig checks every field, and the command line gives the same message; the command line's defaults
are the recipe's."""
import dataclasses
import math

import pytest
import torch
from helpers import cfg, tiny_data, tiny_model

from xception_edu import devices
from xception_edu.train import cli, engine, options
from xception_edu.train.config import MAX_SEED, TrainConfig, recipe

NAN, INF = math.nan, math.inf

BAD = {
    "epochs": (0, -1, 2.0, True, None),
    "max_steps": (0, -3, 1.5, True),
    "batch_size": (0, -1, 8.0, False),
    "lr": (0, -0.1, NAN, INF, True, "0.1"),
    "base_lr": (0, -1, NAN, INF, None, True),
    "base_batch": (0, 256.0, True),
    "momentum": (-0.1, 1, 5, NAN, True),
    "weight_decay": (-1, -INF, INF, NAN, True),
    "lr_decay": (0, -0.5, 1.01, NAN, True),
    "decay_every": (0, -2, 2.0, True),
    "ema_decay": (0, 1, 1.5, -0.1, NAN, True),
    "ema_bn_batches": (0, -1, True),
    "label_smoothing": (-0.1, 1, 2, NAN, True),
    "precision": ("fp8", "FP32", None, 16),
    "channels_last": (1, "yes", None),
    "compile": (1, "no", None),
    "data_on_device": (0, None),
    "resume": (1, "true"),
    "overwrite": (1, "yes", None),
    "progress": (0, None),
    "workers": (-1, 2.0, True, None),
    "seed": (-1, 1.5, True, None, 2**32, 2**70),  # 0 .. 2**32 - 1
    "checkpoint_every": (-5, 1.0, True, None),
    "log_every": (0, -1, True),
    "device": ("gpu", "cuda:99", "tpu"),
    "checkpoint_dir": ("", 3),
}


def test_every_field_has_bad_values():
    assert set(BAD) == {f.name for f in dataclasses.fields(TrainConfig)}


@pytest.mark.parametrize("field,bad", [(f, v) for f, values in BAD.items() for v in values])
def test_bad_value_is_refused_by_name(field, bad):
    with pytest.raises(ValueError) as e:
        TrainConfig(**{field: bad})
    msg = str(e.value)
    assert msg.startswith(field) and repr(bad) in msg


def test_interval_is_named():
    with pytest.raises(ValueError, match=r"^momentum must be a finite number in \[0, 1\), got 5$"):
        TrainConfig(momentum=5)
    with pytest.raises(ValueError, match=r"^ema_decay must be a finite number in \(0, 1\) or None"):
        TrainConfig(ema_decay=1.0)
    with pytest.raises(ValueError, match=r"^resume=True needs a checkpoint_dir"):
        TrainConfig(resume=True)


def test_edges_inside_the_range_are_accepted():
    cfg = TrainConfig(momentum=0, weight_decay=0, lr_decay=1, label_smoothing=0, workers=0, seed=0,
                      checkpoint_every=0, lr=1, ema_decay=None, max_steps=1, device="cpu")
    assert (cfg.momentum, cfg.lr_decay, cfg.lr) == (0, 1, 1)


# Each TrainConfig field that an option sets with a value, and bad values as typed on the command line.
TYPED = {
    "epochs": ("0", "-1"), "max_steps": ("0",), "batch_size": ("0", "-4"),
    "lr": ("nan", "inf", "0", "-1"), "weight_decay": ("-1", "nan", "-inf"),
    "ema_decay": ("nan", "0", "1", "1.5"), "precision": ("fp8",), "workers": ("-1",),
    "seed": ("-1", str(2**70)), "checkpoint_every": ("-5",), "device": ("gpu",), "checkpoint_dir": ("",),
}
OPTION = {field: "--" + dest.replace("_", "-") for dest, field in options._VALUES.items()}


def test_every_value_option_is_tried():
    assert set(TYPED) == set(options._VALUES.values())


@pytest.mark.parametrize("field,text", [(f, t) for f, texts in TYPED.items() for t in texts])
def test_command_line_gives_the_config_message(field, text, capsys):
    argv = [f"{OPTION[field]}={text}"]
    value = getattr(cli.parser().parse_args(argv), next(d for d, f in options._VALUES.items() if f == field))
    with pytest.raises(ValueError) as api:
        TrainConfig(**{field: value})
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    assert capsys.readouterr().err.rstrip().endswith(f"error: {api.value}")


@pytest.fixture(params=["cpu", "cuda"])
def machine(request, monkeypatch):
    """A machine whose best device is the CPU, or one with a GPU (pretended: the choice is all that
    matters to the defaults)."""
    monkeypatch.setattr(devices, "best_device", lambda: torch.device(request.param))
    return request.param


@pytest.mark.parametrize("preset", sorted(options.PRESET_RECIPES))
def test_defaults_are_the_recipe(preset, machine):
    cfg = cli.config(cli.parser().parse_args(["--preset", preset]))
    want = recipe(options.PRESET_RECIPES[preset])
    for f in dataclasses.fields(TrainConfig):
        if f.name == "workers" and machine == "cpu":
            assert cfg.workers == 0  # on the CPU the loader runs in the training process
        else:
            assert getattr(cfg, f.name) == getattr(want, f.name), f.name


def test_workers_follow_the_device_unless_given(monkeypatch):
    monkeypatch.setattr(devices, "best_device", lambda: torch.device("cuda"))
    paper = recipe("paper").workers
    assert paper > 0
    assert cli.config(cli.parser().parse_args(["--preset", "paper"])).workers == paper
    assert cli.config(cli.parser().parse_args(["--preset", "paper", "--device", "cpu"])).workers == 0
    given = cli.parser().parse_args(["--preset", "paper", "--device", "cpu", "--workers", "3"])
    assert cli.config(given).workers == 3


def test_every_option_reaches_its_field():
    argv = ["--epochs", "7", "--steps", "11", "--batch-size", "12", "--lr", "0.3", "--weight-decay", "0.002",
            "--ema-decay", "0.5", "--precision", "fp16", "--workers", "2", "--seed", "9",
            "--checkpoint-every", "4", "--device", "cpu", "--checkpoint-dir", "runs/x", "--compile",
            "--no-channels-last", "--resume", "--no-progress", "--data-on-device"]
    cfg = cli.config(cli.parser().parse_args(argv))
    assert dataclasses.asdict(cfg) == {**dataclasses.asdict(recipe("cpu")), **dict(
        epochs=7, max_steps=11, batch_size=12, lr=0.3, weight_decay=0.002, ema_decay=0.5, precision="fp16",
        workers=2, seed=9, checkpoint_every=4, device="cpu", checkpoint_dir="runs/x", compile=True,
        channels_last=False, resume=True, progress=False, data_on_device=True)}
    assert cli.config(cli.parser().parse_args(["--no-ema"])).ema_decay is None


def test_help_shows_the_recipes_values():
    text = " ".join(cli.parser().format_help().split())
    for field, option in (("epochs", "--epochs"), ("batch_size", "--batch-size"),
                          ("precision", "--precision")):
        small, paper = (getattr(recipe(options.PRESET_RECIPES[p]), field) for p in ("small", "paper"))
        assert f"default: {small} for small, {paper} for paper" in text, option
    assert f"{recipe('paper').base_lr:g} x global batch / {recipe('paper').base_batch}" in text


def test_the_largest_seed_trains(tmp_path):
    # Every generator a run seeds from the seed (order, augmentation, BN re-estimation) takes MAX_SEED.
    with pytest.raises(ValueError, match=f"^seed must be an integer from 0 to {MAX_SEED} "):
        TrainConfig(seed=MAX_SEED + 1)
    data = tiny_data(16)
    trainer = engine.fit(tiny_model(), data, data, cfg(tmp_path, seed=MAX_SEED, epochs=1, batch_size=8))
    assert trainer.global_step == 2
