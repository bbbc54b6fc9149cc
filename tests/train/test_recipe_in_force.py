"""What the recipe states is what the training step does: the step runs under autocast in the trainer's
precision (a hooked conv sees that dtype), and the optimizer decays every parameter at the recipe's weight
decay (Sec. 4 states one decay for all weights; if that ever changes, change this test on purpose)."""
import pytest
import torch
from torch.utils.data import TensorDataset

from xception_edu.model import presets
from xception_edu.train import RECIPES, Trainer, recipe


def _trainer(name="cpu", **overrides):
    torch.manual_seed(0)
    model = presets.model("small", num_classes=3, width=0.25, middle_repeats=1)
    data = TensorDataset(torch.randn(4, 3, 71, 71), torch.tensor([0, 1, 2, 0]))
    cfg = recipe(name, **{**dict(batch_size=2, ema_decay=None, workers=0, device="cpu", progress=False),
                          **overrides})
    with pytest.warns(UserWarning, match="Training on the CPU"):
        return Trainer(model, data, None, cfg)


@pytest.mark.parametrize("precision,dtype", [("bf16", torch.bfloat16), ("fp32", torch.float32)])
def test_the_step_runs_under_autocast_in_the_trainers_precision(precision, dtype):
    trainer = _trainer()
    # The CPU trains in fp32 whatever the recipe says; forcing the precision shows what a GPU run's step does.
    trainer.precision = precision
    convs = [m for m in trainer.model.modules() if isinstance(m, torch.nn.Conv2d)]
    seen = []
    hooks = [c.register_forward_hook(lambda m, i, o: seen.append(o.dtype)) for c in (convs[0], convs[-1])]
    x, y = trainer.train_set.tensors
    trainer._step(x[:2], y[:2])
    for h in hooks:
        h.remove()
    assert seen == [dtype, dtype]
    # autocast computes in the low precision; the weights the optimizer updates stay fp32
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_parameter_decays_at_the_recipes_weight_decay(name):
    trainer = _trainer(name)
    stated = recipe(name).weight_decay
    groups = trainer.optimizer.param_groups
    assert [g["weight_decay"] for g in groups] == [stated] * len(groups)
    in_groups = [id(p) for g in groups for p in g["params"]]
    model_params = [id(p) for p in trainer.model.parameters()]
    assert sorted(in_groups) == sorted(model_params)  # each parameter once: BN and biases included
    # BN's scale and shift, and the classifier's bias, are among them (what "no decay" groups would drop)
    bn = next(m for m in trainer.model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert {id(bn.weight), id(bn.bias), id(trainer.model.head.fc.bias)} <= set(in_groups)
