"""The spectrum's grid (Sec. 1.2, the open question of Sec. 5): every number of groups g at the depthwise
model's parameter budget, each at the width closest to it."""
import pytest

from xception_edu.experiments import ablation_grids as grids
from xception_edu.experiments import ablations
from xception_edu.experiments.grid_config import num_classes
from xception_edu.model import PAPER_WIDTHS, make_divisible

DATA = dict(task="spatial", train_size=64, val_size=32, image_size=71)


@pytest.mark.parametrize("base", [dict(width=0.125, middle_repeats=1), dict(width=0.25, middle_repeats=2)])
def test_spectrum_keeps_the_parameter_budget(base):
    tol = 0.15
    configs = grids.spectrum_configs((1, 2, 4, 8, None), base, DATA, tolerance=tol)
    budget = grids.params_of(base, num_classes(configs[-1].data))
    assert [c.name for c in configs] == ["g=1", "g=2", "g=4", "g=8", "depthwise (g=C)"]
    widths = [c.model["width"] for c in configs[:-1]]
    assert widths == sorted(widths) and widths[-1] < base["width"]  # fewer groups: more weights per channel
    classes = num_classes(configs[-1].data)
    for c in configs:
        p = grids.params_of(c.model, classes)
        assert abs(p - budget) <= tol * budget, (c.name, p, budget)
    for c in configs[:-1]:  # searched below the base width: the same model as a search over the whole range
        m = {k: v for k, v in c.model.items() if k != "width"}
        full = grids.width_for_budget(m, budget, classes, lo=0.01, hi=4.0)
        assert grids.params_of(c.model, classes) == grids.params_of({**m, "width": full}, classes)
    with pytest.raises(ValueError, match="tolerance"):
        grids.spectrum_configs((1,), base, DATA, tolerance=0.001)


@pytest.mark.parametrize("groups", [1, 8])
def test_width_for_budget_is_the_closest_of_every_width_around_it(groups):
    # Every distinct model between half and one and a half times the chosen width (the widths where a
    # rounded channel count changes, found by scanning finely): none is closer to the budget.
    m = dict(width=0.125, middle_repeats=1, spatial_groups=groups)
    target = grids.params_of(dict(width=0.125, middle_repeats=1))
    w = grids.width_for_budget(m, target)
    models = {}
    for i in range(2001):
        x = w * (0.5 + i / 2000)
        models.setdefault(tuple(make_divisible(c * x, 8) for c in PAPER_WIDTHS), x)
    assert len(models) > 5
    gaps = [abs(grids.params_of({**m, "width": x}) - target) for x in models.values()]
    assert abs(grids.params_of({**m, "width": w}) - target) == min(gaps)


def test_the_runner_module_offers_the_grids_notebook_10_reads_from_it():
    names = ("GRIDS", "fig9_configs", "fig10_configs", "spectrum_configs", "params_of", "width_for_budget")
    for name in names:
        assert getattr(ablations, name) is getattr(grids, name), name
    assert grids.GRIDS == {"fig9": grids.fig9_configs, "fig10": grids.fig10_configs,
                           "spectrum": grids.spectrum_configs}
