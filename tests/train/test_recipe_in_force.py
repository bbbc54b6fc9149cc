"""What the recipe states is what the training step does: the step runs under autocast in the trainer's
precision (a hooked conv sees that dtype), and the optimizer decays the conv and linear weights at the
recipe's weight decay and BN and biases not at all (Sec. 4 states the rate only; config.py states and
argues the choice: if it ever changes, change this test on purpose)."""
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
def test_conv_and_linear_weights_decay_at_the_recipes_rate_bn_and_biases_not_at_all(name):
    """config.py's decision: decay on conv and classifier weights only (TF-slim's Inception recipe, timm,
    nanoGPT), none on BN's scale and shift or on biases."""
    trainer = _trainer(name)
    stated = recipe(name).weight_decay
    decay = {id(p): g["weight_decay"] for g in trainer.optimizer.param_groups for p in g["params"]}
    in_groups = [id(p) for g in trainer.optimizer.param_groups for p in g["params"]]
    assert sorted(in_groups) == sorted(id(p) for p in trainer.model.parameters())  # each parameter once
    kinds = {"conv": [], "linear weight": [], "bn": [], "bias": []}
    for m in trainer.model.modules():
        if isinstance(m, torch.nn.Conv2d):
            kinds["conv"].append(m.weight)
        elif isinstance(m, torch.nn.Linear):
            kinds["linear weight"].append(m.weight)
            kinds["bias"].append(m.bias)
        elif isinstance(m, torch.nn.BatchNorm2d):
            kinds["bn"] += [m.weight, m.bias]
    assert all(kinds.values()) and sum(map(len, kinds.values())) == len(in_groups)  # every parameter named
    assert {decay[id(p)] for p in kinds["conv"] + kinds["linear weight"]} == {stated}
    assert {decay[id(p)] for p in kinds["bn"] + kinds["bias"]} == {0.0}
