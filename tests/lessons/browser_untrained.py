"""A notebook that shows the widgets of the notebooks whose 'Run all' trains first (06, 06a, 10) or
would (09), built by the same lesson functions the notebooks call, on inputs of the notebooks' shapes
made in seconds: untrained networks (06, 06a), result rows of the notebook's grid with made-up curves
(10); 09's widget needs no training at all. The browser test walks them from the keyboard and checks
their layout; what they compute is tested without a browser (tests/lessons/test_nb06*, test_nb09_train,
test_nb10_widget)."""
from __future__ import annotations

import json

NOTEBOOK = "widgets_of_the_training_notebooks.ipynb"

# notebook -> (the lesson module's widget function, the App's title)
WIDGETS = {
    "06_correlations.ipynb": ("correlation_explorer", "Correlations between channels and across space"),
    "06a_correlations_deeper.ipynb": ("kernel_explorer",
                                      "The spectrum of a layer's kernels: how far from rank 1?"),
    "09_train_xception.ipynb": ("recipe_at_scale", "The paper's recipe at your scale"),
    "10_ablations_and_spectrum.ipynb": ("results_explorer", "The trained runs, at any epoch"),
}

CELLS = [
    """import random
import torch
import torch.nn.functional as F
import xception_edu as xe
from xception_edu.experiments import ablations as ex
from xception_edu.experiments.correlations import collect_maps
from xception_edu.experiments.nets import small_net
from xception_edu.lessons import nb06_correlations, nb06a_correlations_deeper, nb09_train_xception
from xception_edu.lessons import nb10_ablations, verdict_budget
torch.set_num_threads(1)
_ = torch.manual_seed(0)""",
    # 06: its picks of the synthetic set and two photographs (noise here), maps of an untrained network
    """val = xe.data.synthetic(64, 32, task="mixed", seed=0, split="val", materialize=True)
images, _ = val.tensors()
picks = [11, 4, 0, 3, 9, 8]
x = torch.cat([images[picks], torch.rand(2, 3, 32, 32) * 2 - 1])
labels = [val.classes[val.targets[i]] for i in picks] + ["photo: face", "photo: flag"]
model = small_net("regular").eval()
maps = {"input": x, **{name.split(".")[-1]: m for name, m in collect_maps(model, x).items()}}
nb06_correlations.correlation_explorer(maps, layer="input", image=0, a=0, b=1, image_labels=labels)""",
    # 06a: one untrained network per task, its weights nudged from their start as training would
    """models, initial = {}, {}
for task in nb06a_correlations_deeper.TASKS + (nb06a_correlations_deeper.CONTROL,):
    net = small_net("regular")
    initial[f"trained on {task}"] = {k: v.clone() for k, v in net.state_dict().items()}
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.1 * torch.randn_like(p))
    models[f"trained on {task}"] = net
nb06a_correlations_deeper.kernel_explorer(models, initial, network="trained on joint",
                                          layer="features.stage3.op", weights="W - W0")""",
    "nb09_train_xception.recipe_at_scale(batch=128, gpus=1, epochs=30)",
    # 10: the notebook's three grids (configurations, seeds, epochs) with made-up curves
    """rng = random.Random(0)
def rows(configs):
    return [{"config": c.name, "seed": s,
             "history": [{"epoch": e, "val_acc": rng.random(), "val_loss": 1 + rng.random(),
                          "train_loss": 1 + rng.random(), "train_acc": rng.random()}
                         for e in range(1, ex.CPU_TRAIN["epochs"] + 1)]}
            for c in configs for s in verdict_budget.SEEDS]
MODEL = verdict_budget.MODEL
grids = {"Fig. 9: residuals": rows(ex.fig9_configs(MODEL)),
         "Fig. 10: activations": rows(ex.fig10_configs(MODEL)),
         "the spectrum of g": rows(ex.spectrum_configs(verdict_budget.GROUPS, MODEL))}
nb10_ablations.results_explorer(grids)""",
]


def notebook() -> str:
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
             for s in CELLS]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return json.dumps({"cells": cells, "metadata": {"kernelspec": kernel},
                       "nbformat": 4, "nbformat_minor": 5})
