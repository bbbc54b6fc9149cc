"""A diverging run stops with one named error, at the step it diverges, and never writes a checkpoint it
could not resume from: a NaN loss, non-finite BN statistics, an exploding loss."""
import pytest
import torch
import torch.nn as nn
from helpers import cfg, tiny_data, tiny_model

from xception_edu.train import checkpoint, divergence, engine

pytestmark = pytest.mark.filterwarnings("ignore:Training on the CPU")


class Diverging(nn.Module):
    """A tiny model that goes wrong from its 5th call on, as a diverging run would: NaN logits
    (``what='loss'``), or finite losses but inf BN statistics (``what='weights'``, as at lr 1e3)."""

    def __init__(self, what="loss"):
        super().__init__()
        self.body = tiny_model()
        self.calls, self.what = 0, what

    def forward(self, x):
        self.calls += 1
        if self.calls >= 5 and self.what == "weights" and self.training:
            self.body[1].running_var.fill_(float("inf"))
        out = self.body(x)
        return out * float("nan") if self.calls >= 5 and self.what == "loss" else out


def test_non_finite_loss_stops_with_a_clear_message_and_keeps_the_last_good_checkpoint(tmp_path):
    with pytest.raises(divergence.NonFiniteLoss, match=(r"the loss became nan at step \d+"
                                                    r".*last good checkpoint is kept")):
        engine.fit(Diverging("loss"), tiny_data(), None,
                   cfg(tmp_path, epochs=3, checkpoint_every=2, log_every=1))
    s = checkpoint.load(tmp_path / checkpoint.LATEST)
    assert s["position"]["global_step"] == 4  # saved before the first NaN step, never after
    assert all(torch.isfinite(v).all() for v in s["model"].values() if v.is_floating_point())


def test_non_finite_weights_stop_the_run_and_are_never_saved(tmp_path):
    with pytest.raises(divergence.NonFiniteLoss, match=r"\d+ weight or statistics tensors became inf or NaN "
                                                   r"\(body\.1\.running_var.*last good checkpoint is kept"):
        engine.fit(Diverging("weights"), tiny_data(), None,
                   cfg(tmp_path, epochs=3, checkpoint_every=2, log_every=1))
    s = checkpoint.load(tmp_path / checkpoint.LATEST)
    assert s["position"]["global_step"] == 4
    assert all(torch.isfinite(v).all() for v in s["model"].values() if v.is_floating_point())


def test_an_exploding_loss_stops_the_run_and_says_there_is_no_checkpoint():
    class Huge(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = tiny_model()

        def forward(self, x):
            return self.body(x) * 1e6  # finite, but a cross-entropy of about 1e6

    limit = f"limit {divergence.LOSS_LIMIT:g}"
    with pytest.raises(divergence.NonFiniteLoss, match=rf"the loss reached .* \({limit}\).*No checkpoint was "
                                                       r"written.*another checkpoint_dir.*lr, now"):
        engine.fit(Huge(), tiny_data(), None, cfg(None, epochs=1, log_every=1, ema_decay=None))
