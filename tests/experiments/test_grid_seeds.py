"""The seed of a grid run sets the model's initial weights, not only the sample order: two seeds start from
different weights, the same seed from the same ones, in both grid runners (``ablations.train_run``, the
ablations' and the spectrum's; ``operators``' run, notebook 06's). The weights are read where a run hands
its model to the trainer."""
import pytest
import torch

from xception_edu.experiments import ablations, operators
from xception_edu.experiments.operators import _Run, _train_one


class _Handed(Exception):
    """Raised by the stand-in for ``fit``: carries the weights the run was about to train."""


def _capture(model, *args, **kwargs):
    raise _Handed({k: v.clone() for k, v in model.state_dict().items()})


def _tiny_sets(classes=4):
    g = torch.Generator().manual_seed(0)
    sets = []
    for n in (32, 8):
        ds = torch.utils.data.TensorDataset(torch.randn(n, 3, 71, 71, generator=g), torch.arange(n) % classes)
        ds.classes = [f"c{i}" for i in range(classes)]
        sets.append(ds)
    return tuple(sets)


def _ablation_run(seed):
    config = ablations.Config("tiny", dict(width=0.1, middle_repeats=1), dict(task="spatial"))
    ablations.train_run(config, seed, datasets=_tiny_sets())


def _operators_run(seed):
    settings = dict(budget=2000, groups=2, epochs=1, batch_size=8, lr=None)
    _train_one(settings, False, _Run("inception", "spatial"), seed, _tiny_sets())


def _initial(run, seed):
    with pytest.raises(_Handed) as handed:
        run(seed)
    return handed.value.args[0]


def _random_weights(state):
    # conv and linear weights: drawn at random (BN's start at 1 and 0 whatever the seed)
    return [k for k, v in state.items() if k.endswith("weight") and v.dim() >= 2]


@pytest.mark.parametrize("module,run", [(ablations, _ablation_run), (operators, _operators_run)],
                         ids=["ablations", "operators"])
def test_the_seed_sets_the_initial_weights(module, run, monkeypatch):
    monkeypatch.setattr(module, "fit", _capture)
    first, other, again = (_initial(run, s) for s in (0, 1, 0))
    names = _random_weights(first)
    assert names
    for k in first:
        assert torch.equal(first[k], again[k]), f"seed 0 twice: {k} differs"
    for k in names:
        assert not torch.equal(first[k], other[k]), f"seeds 0 and 1: {k} is the same"

