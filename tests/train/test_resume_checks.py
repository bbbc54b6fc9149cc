"""Every checkpoint is checked whole before a run resumes from it: a file that is not the trainer's, holds
an inf or a NaN, or points at an impossible position is one named error."""
import re

import pytest
import torch
import torch.nn as nn
from helpers import cfg, tiny_data, tiny_model

from xception_edu.train import checkpoint, engine, resume
from xception_edu.train.divergence import NonFiniteLoss

pytestmark = pytest.mark.filterwarnings("ignore:Training on the CPU")

# 256 images in batches of 16: 16 steps per epoch
DATA = 256


def saved(tmp_path, steps=3):
    """A real checkpoint, after ``steps`` steps of the first epoch."""
    engine.fit(tiny_model(), tiny_data(DATA), None, cfg(tmp_path, epochs=2, max_steps=steps))
    return checkpoint.load(tmp_path / checkpoint.LATEST)


def nan_weight(s):
    s["model"]["0.weight"][0, 0, 0, 0] = float("nan")


def nan_momentum(s):
    next(iter(s["optimizer"]["state"].values()))["momentum_buffer"].fill_(float("inf"))


def position(**p):
    return lambda s: s["position"].update(p)


def drop(part):
    def without(s):
        del s[part]
    return without


@pytest.mark.parametrize("change,what", [
    (lambda s: {"model": s["model"]}, "it is not in the trainer.s format \\(no format field"),
    (lambda s: s["model"]["0.weight"], "it holds a Tensor, not the trainer's checkpoint"),
    (lambda s: [s], "it holds a list, not the trainer's checkpoint"),
    (drop("format"), "it is not in the trainer's format"),
    (lambda s: s.update(version=2), "format version 2, this trainer reads version 1"),
    (drop("config"), "parts missing: config"),
    (lambda s: s["rng"].update(numpy={"keys": s["rng"]["numpy"]["keys"]}), "its RNG state is incomplete"),
    (lambda s: s.update(history={"epoch": 1}), "its history is not a list of rows"),
    (lambda s: s.update(history=[1, 2]), "its history is not a list of rows"),
    (lambda s: s.update(model=[1]), "model is a list, not a dict"),
    (nan_weight, r"it holds inf or NaN \(model.0.weight\)"),
    (nan_momentum, r"it holds inf or NaN \(optimizer.state.0.momentum_buffer\)"),
    (position(step_in_epoch=999, global_step=999), "step 999 of an epoch of 16 steps"),
    (position(epoch=-1), "epoch -1 is negative"),
    (position(global_step=40), "global step 40 is not epoch 0 x 16 steps \\+ step 3"),
    (position(epoch=1.5), "its position .* is not three integers"),
    (lambda s: s.update(progress={"sums": [1.0]}), r"its epoch sums \(progress\) are not three numbers"),
    (lambda s: s["optimizer"].update(param_groups=[]), "its optimizer does not fit this run"),
    (lambda s: s.update(model={k: v for k, v in s["model"].items() if k != "0.weight"}),
     "its model does not fit this run .*Missing key"),
])
def test_a_checkpoint_that_cannot_be_resumed_is_one_named_error(tmp_path, change, what):
    s = saved(tmp_path)
    out = change(s)  # a new object to save, or None: s changed in place
    path = tmp_path / checkpoint.LATEST
    torch.save(s if out is None else out, path)
    with pytest.raises(checkpoint.CorruptCheckpoint,
                       match=f"^the checkpoint {re.escape(str(path))} cannot be resumed from: {what}"):
        engine.Trainer(tiny_model(), tiny_data(DATA), None, cfg(tmp_path, epochs=2, resume=True))


def test_an_unchanged_checkpoint_resumes_and_carries_its_format(tmp_path):
    s = saved(tmp_path)
    assert (s["format"], s["version"]) == (resume.FORMAT, resume.VERSION)
    trainer = engine.Trainer(tiny_model(), tiny_data(DATA), None, cfg(tmp_path, epochs=2, resume=True))
    assert (trainer.epoch, trainer.step_in_epoch, trainer.global_step) == (0, 3, 3)


class Diverging(nn.Module):
    """Finite for 2 steps, then a NaN loss."""

    def __init__(self):
        super().__init__()
        self.body, self.calls = tiny_model(), 0

    def forward(self, x):
        self.calls += 1
        return self.body(x) * (float("nan") if self.calls > 2 else 1.0)


def test_the_last_good_checkpoint_is_never_another_runs_file(tmp_path):
    saved(tmp_path)  # another run's checkpoint, replaced by the next run
    with pytest.raises(NonFiniteLoss, match="No checkpoint was written"):
        engine.fit(Diverging(), tiny_data(DATA), None, cfg(tmp_path, epochs=1, log_every=1, overwrite=True))
    with pytest.raises(NonFiniteLoss, match=f"last good checkpoint is kept in {tmp_path}"):
        engine.fit(Diverging(), tiny_data(DATA), None,
                   cfg(tmp_path, epochs=1, log_every=1, checkpoint_every=1, overwrite=True))
    s = checkpoint.load(tmp_path / checkpoint.LATEST)
    assert s["position"]["global_step"] == 2 and resume.check_parts(s, "x") is None  # finite
