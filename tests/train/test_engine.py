"""The training engine on a tiny model: recipe, resume, crash safety, bad options (the weight average:
test_scoring.py; divergence: test_divergence.py)."""
import copy
import csv
import math
import os
import re

import pytest
import torch
from helpers import cfg, tiny_data, tiny_model

from xception_edu.lessons import nb09_train_xception as nb09
from xception_edu.train import checkpoint, engine, history, recipe

pytestmark = pytest.mark.filterwarnings("ignore:Training on the CPU")


def weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_paper_recipe_defaults():
    c = recipe("paper")
    assert (c.momentum, c.lr_decay, c.decay_every, c.weight_decay, c.base_lr) == (0.9, 0.94, 2, 1e-5, 0.045)
    assert c.ema_decay is not None and c.channels_last and c.precision == "bf16"


def test_learning_rate_scales_linearly_with_the_global_batch():
    c = recipe("paper", batch_size=64)
    assert c.learning_rate(world_size=1) == pytest.approx(0.045 * 64 / 256)
    assert c.learning_rate(world_size=4) == pytest.approx(0.045)  # 4 x 64 = 256
    assert recipe("paper", lr=0.1).learning_rate(8) == 0.1  # an explicit lr wins


def test_lr_decays_by_094_every_two_epochs():
    t = engine.Trainer(tiny_model(), tiny_data(), None, cfg(epochs=5, lr=0.045, lr_decay=0.94, decay_every=2))
    t.fit()
    lrs = [row["lr"] for row in t.history]  # lr after each epoch's scheduler step
    assert lrs == pytest.approx([0.045, 0.045 * 0.94, 0.045 * 0.94, 0.045 * 0.94**2, 0.045 * 0.94**2])


def test_training_learns_and_is_deterministic():
    a = engine.fit(tiny_model(), tiny_data(), tiny_data(48, seed=1), cfg(epochs=4, lr=0.2))
    b = engine.fit(tiny_model(), tiny_data(), tiny_data(48, seed=1), cfg(epochs=4, lr=0.2))
    assert_same(weights(a.model), weights(b.model))
    assert a.history[-1]["val_acc"] > 0.6  # chance is 0.25
    assert a.history[-1]["train_loss"] < a.history[0]["train_loss"]


def test_sampler_depends_only_on_seed_and_epoch_and_shards_without_overlap():
    s = [engine.EpochSampler(100, seed=3, epoch=1, rank=r, world_size=3).indices() for r in range(3)]
    assert all(len(part) == 33 for part in s)
    assert not set(s[0]) & set(s[1]) and not set(s[1]) & set(s[2])
    assert s[0] == engine.EpochSampler(100, seed=3, epoch=1, rank=0, world_size=3).indices()
    assert s[0] != engine.EpochSampler(100, seed=3, epoch=2, rank=0, world_size=3).indices()
    assert engine.EpochSampler(100, 3, 1, 0, 3, skip=10).indices() == s[0][10:]


@pytest.mark.parametrize("stop_after", [4, 7, 12])  # mid-epoch, mid-epoch, end of an epoch (6 steps each)
def test_resume_continues_exactly(tmp_path, stop_after):
    full = engine.fit(tiny_model(), tiny_data(), None, cfg(epochs=3))
    first = engine.fit(tiny_model(), tiny_data(), None,
                       cfg(tmp_path, epochs=3, max_steps=stop_after, checkpoint_every=1))
    assert first.global_step == stop_after
    resumed = engine.fit(tiny_model(), tiny_data(), None,
                         cfg(tmp_path, epochs=3, resume=True, checkpoint_every=1))
    assert resumed.global_step == full.global_step == 18
    assert_same(weights(resumed.model), weights(full.model))
    assert_same(weights(resumed.ema.module), weights(full.ema.module))
    def timeless(history):
        return [{k: v for k, v in row.items() if k not in ("images_per_s", "seconds")} for row in history]

    # The history too: every epoch's row, once, as the uninterrupted run wrote it; the row a stop by
    # max_steps mid-epoch added where it stopped is dropped on resume.
    assert timeless(first.history)[-1]["epoch"] == pytest.approx(stop_after / 6)
    assert timeless(resumed.history) == timeless(full.history)


def test_resume_with_different_settings_is_refused(tmp_path):
    engine.fit(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=1))
    with pytest.raises(ValueError, match=r"cannot resume exactly.*batch_size.*\(16, 32\)"):
        engine.Trainer(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=2, batch_size=32, resume=True))


def test_checkpoint_holds_everything_needed_and_loads_weights_only(tmp_path):
    engine.fit(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=1))
    s = checkpoint.load(tmp_path / checkpoint.LATEST)  # weights_only=True inside
    assert {"model", "ema", "optimizer", "scheduler", "scaler", "rng", "position", "history"} <= s.keys()
    assert s["position"] == {"epoch": 1, "step_in_epoch": 0, "global_step": 6}
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_history_files_are_written_and_plotted(tmp_path):
    engine.fit(tiny_model(), tiny_data(), tiny_data(48, seed=1), cfg(tmp_path, epochs=2))
    rows = history.load(tmp_path)
    assert [r["epoch"] for r in rows] == [1, 2]
    with open(tmp_path / "history.csv", newline="") as f:
        csv_rows = list(csv.DictReader(f))
    assert float(csv_rows[1]["val_acc"]) == pytest.approx(rows[1]["val_acc"])
    fig = nb09.plot_curves({"tiny": rows}, "val_acc")
    assert fig.axes[0].get_ylabel() == "validation accuracy"
    assert list(fig.axes[0].lines[0].get_xdata()) == [1, 2]
    with pytest.raises(ValueError, match="metric='top5'"):
        nb09.plot_curves({"tiny": rows}, "top5")


def test_atomic_save_leaves_the_old_checkpoint_when_writing_fails(tmp_path):
    path = tmp_path / "last.pt"
    checkpoint.save_atomic({"x": torch.ones(2)}, path)

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("disk full, say")

    with pytest.raises(OSError, match=r"could not write .*last.pt: disk full, say \(is the disk full"):
        checkpoint.save_atomic({"x": Unpicklable()}, path)
    assert torch.equal(checkpoint.load(path)["x"], torch.ones(2))
    assert os.listdir(tmp_path) == ["last.pt"]


def test_missing_checkpoint_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no checkpoint at .*last.pt"):
        checkpoint.load(tmp_path / "last.pt")


def test_unknown_recipe_and_too_small_dataset():
    with pytest.raises(ValueError, match=r"recipe 'imagenet' is not one of \['cpu', 'paper'\]"):
        recipe("imagenet")
    with pytest.raises(ValueError, match="fewer than one batch of 16"):
        engine.Trainer(tiny_model(), tiny_data(8), None, cfg())


def test_cpu_run_warns_and_uses_fp32():
    with pytest.warns(UserWarning, match="Training on the CPU"):
        t = engine.Trainer(tiny_model(), tiny_data(), None, cfg(precision="bf16"))
    assert t.precision == "fp32"
    assert math.isclose(t.lr, 0.05)


def test_on_epoch_end_is_called_after_each_history_row(tmp_path):
    seen = []

    def callback(trainer):  # the row is already in the history, and the checkpoint written
        seen.append((dict(trainer.history[-1]), checkpoint.load(tmp_path / checkpoint.LATEST)["position"]))

    t = engine.fit(tiny_model(), tiny_data(), tiny_data(48, seed=1), cfg(tmp_path, epochs=2),
                   on_epoch_end=callback)
    assert [row for row, _ in seen] == t.history and [row["epoch"] for row, _ in seen] == [1, 2]
    assert [pos["epoch"] for _, pos in seen] == [1, 2]
    stopped = engine.Trainer(tiny_model(), tiny_data(), None, cfg(epochs=3, max_steps=4),
                             on_epoch_end=callback)
    stopped.fit()  # a run stopped mid-epoch by max_steps still reports its last, partial row
    assert len(seen) == 3 and seen[-1][0]["step"] == 4


def _curve(history):
    """What a run computes, per epoch (not how fast)."""
    return [{k: r[k] for k in ("epoch", "step", "lr", "train_loss", "train_acc", "val_loss", "val_acc",
                               "val_top5")}
            for r in history]


@pytest.mark.parametrize("crash_at", [4, 9])  # mid-epoch 1 and mid-epoch 2 (6 steps per epoch)
def test_a_run_killed_mid_epoch_resumes_with_the_history_of_an_uninterrupted_one(tmp_path, monkeypatch,
                                                                                 crash_at):
    full = engine.fit(tiny_model(), tiny_data(), tiny_data(48, seed=1), cfg(epochs=3))
    step = engine.Trainer._step
    calls = []

    def dying(self, x, y):
        calls.append(1)
        if len(calls) == crash_at:
            raise KeyboardInterrupt  # the process dies here, after the checkpoint of the step before
        return step(self, x, y)

    monkeypatch.setattr(engine.Trainer, "_step", dying)
    with pytest.raises(KeyboardInterrupt):
        engine.fit(tiny_model(), tiny_data(), tiny_data(48, seed=1),
                   cfg(tmp_path, epochs=3, checkpoint_every=1))
    monkeypatch.setattr(engine.Trainer, "_step", step)
    resumed = engine.fit(tiny_model(), tiny_data(), tiny_data(48, seed=1),
                         cfg(tmp_path, epochs=3, checkpoint_every=1, resume=True))
    assert _curve(resumed.history) == _curve(full.history)
    assert_same(weights(resumed.model), weights(full.model))


@pytest.mark.parametrize("content,what", [(b"", "is empty"), (b"not a checkpoint", "is corrupt or truncated"),
                                          ("half", "is corrupt or truncated")])
def test_a_broken_checkpoint_is_named_and_called_broken(tmp_path, content, what):
    path = tmp_path / "last.pt"
    checkpoint.save_atomic({"x": torch.ones(1000)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if content == "half" else content)
    with pytest.raises(checkpoint.CorruptCheckpoint, match=f"the checkpoint {path} {what}"):
        checkpoint.load(path)
    with pytest.raises(checkpoint.CorruptCheckpoint, match=what):  # and so does --resume
        engine.fit(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=1, resume=True))


def test_a_full_disk_is_said_plainly_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "last.pt"
    checkpoint.save_atomic({"x": torch.ones(2)}, path)

    def full(*args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed writing")

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(OSError, match=r"could not write .*is the disk full.*the previous file is kept"):
        checkpoint.save_atomic({"x": torch.zeros(2)}, path)
    monkeypatch.undo()
    assert torch.equal(checkpoint.load(path)["x"], torch.ones(2)) and os.listdir(tmp_path) == ["last.pt"]


def test_orphan_temp_files_of_killed_writes_are_cleaned_at_start(tmp_path):
    orphan = tmp_path / ".last.pt.abc123.tmp"  # what a kill during save_atomic leaves behind
    orphan.write_bytes(b"half a checkpoint")
    engine.fit(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=1))
    assert not orphan.exists() and (tmp_path / "last.pt").is_file()


def _xception_run(tmp_path, resume=False, data=None, **model):
    from xception_edu import data as data_mod
    from xception_edu.model import Xception

    train, _ = data or data_mod.datasets("synthetic", None, 71, task="spatial", train_size=32, val_size=8)
    torch.manual_seed(0)
    net = Xception(**{"num_classes": 4, "width": 0.125, "middle_repeats": 0, **model})
    return engine.fit(net, train, None, cfg(tmp_path, epochs=1, batch_size=16, resume=resume))


@pytest.mark.parametrize("change,named", [
    (dict(model=dict(mid_activation="relu")), "model.mid_activation was None, now 'relu'"),
    (dict(model=dict(dropout=0.2)), "model.dropout was 0.5, now 0.2"),
    (dict(model=dict(width=0.25)), "model.width was 0.125, now 0.25"),
    (dict(data=dict(task="channel")), "data.task was 'spatial', now 'channel'"),
    (dict(data=dict(train_size=48)), "data.length was 32, now 48"),
    (dict(data=dict(image_size=80)), "data.image_size was 71, now 80"),
])
def test_resume_refuses_another_model_or_other_data_and_names_the_difference(tmp_path, change, named):
    from xception_edu import data as data_mod

    _xception_run(tmp_path)
    kw = {**dict(task="spatial", train_size=32, val_size=8, image_size=71), **change.get("data", {})}
    size = kw.pop("image_size")
    other = data_mod.datasets("synthetic", None, size, **kw)
    with pytest.raises(ValueError, match=re.escape(named)):
        _xception_run(tmp_path, resume=True, data=other, **change.get("model", {}))
    assert _xception_run(tmp_path, resume=True).global_step == 2  # the same model and data: it resumes


@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_the_training_loss_is_cross_entropy_with_the_configured_label_smoothing(smoothing):
    # The paper trains with plain cross-entropy (Sec. 4 names no label smoothing): the recipe's 0.0 must
    # mean none. Reference, written out: (1 - e) * (-log p_y) + e * mean over classes of (-log p_c).
    x, y = tiny_data(16).tensors
    trainer = engine.Trainer(tiny_model(), tiny_data(), None, cfg(epochs=1, label_smoothing=smoothing))
    reference = copy.deepcopy(trainer.model).train()
    trainer.model.train()
    torch.manual_seed(5)  # the same dropout mask in both forward passes
    logp = torch.log_softmax(reference(x), dim=1)
    want = ((1 - smoothing) * -logp.gather(1, y[:, None]).squeeze(1) + smoothing * -logp.mean(1)).mean()
    torch.manual_seed(5)
    loss, _ = trainer._step(x, y)
    torch.testing.assert_close(loss.detach(), want.detach(), rtol=1e-5, atol=1e-6)
