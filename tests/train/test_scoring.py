"""Evaluation with the weight average (Polyak averaging, Sec. 4.2): the average is the exponential
average of the weights step by step, it gets BN statistics of its own, and it is what the history's
validation scores measure."""
import pytest
import torch
from helpers import cfg, tiny_data, tiny_model

from xception_edu.train import engine

pytestmark = pytest.mark.filterwarnings("ignore:Training on the CPU")


def test_ema_is_the_weight_average_used_for_evaluation():
    t = engine.fit(tiny_model(), tiny_data(), tiny_data(48, seed=1), cfg(epochs=2))
    ema_w, w = t.ema.module.state_dict(), t.model.state_dict()
    assert not torch.equal(ema_w["0.weight"], w["0.weight"])
    assert t.evaluate(use_ema=True) == pytest.approx(tuple(t.history[-1][k] for k in ("val_loss", "val_acc")))
    assert t.evaluate(use_ema=True) != t.evaluate(use_ema=False)


def test_ema_is_the_exponential_average_of_the_weights_step_by_step(monkeypatch):
    """Against its definition, by hand: the first step's weights, then e <- d*e + (1 - d)*w after each
    later step (swa_utils' EMA; a decay read as 1 - d, or an average of buffers, fails here)."""
    seen, step = [], engine.Trainer._step

    def recording(self, x, y):
        out = step(self, x, y)
        seen.append({k: v.detach().clone() for k, v in self.model.named_parameters()})
        return out

    monkeypatch.setattr(engine.Trainer, "_step", recording)
    d = 0.8
    t = engine.fit(tiny_model(), tiny_data(), None, cfg(epochs=2, ema_decay=d))
    assert len(seen) == t.global_step == 12
    expected = dict(seen[0])
    for w in seen[1:]:
        expected = {k: d * expected[k] + (1 - d) * w[k] for k in w}
    averaged = dict(t.ema.module.named_parameters())
    for k, v in expected.items():
        assert torch.allclose(averaged[k], v, atol=1e-6), k
    # not just the last weights (the conv's bias, before a BN, gets no gradient and never moves)
    moved = [k for k in expected if not torch.allclose(seen[0][k], seen[-1][k], atol=1e-4)]
    assert "0.weight" in moved and all(not torch.allclose(averaged[k], seen[-1][k], atol=1e-4) for k in moved)


def test_ema_gets_its_own_bn_statistics_before_evaluation():
    """Averaged weights need BN statistics measured with those weights, not averaged ones."""
    t = engine.fit(tiny_model(), tiny_data(), None, cfg(epochs=2))
    bn_ema, bn_raw = t.ema.module[1], t.model[1]
    t.refresh_ema_bn()
    stats = bn_ema.running_mean.clone()
    x = torch.stack([t.train_set[i][0] for i in range(len(t.train_set))])
    with torch.no_grad():
        h = t.ema.module[0](x)
    # The refreshed statistics are those of the average's own activations on training data.
    assert torch.allclose(stats, h.mean(dim=(0, 2, 3)), atol=1e-4)
    assert not torch.allclose(stats, bn_raw.running_mean, atol=1e-3)
    rng = torch.get_rng_state()
    t._ema_bn_fresh = False
    t.refresh_ema_bn()
    assert torch.equal(rng, torch.get_rng_state())  # training's random stream is untouched


def test_no_ema_when_turned_off():
    t = engine.fit(tiny_model(), tiny_data(), None, cfg(epochs=1, ema_decay=None))
    assert t.ema is None
