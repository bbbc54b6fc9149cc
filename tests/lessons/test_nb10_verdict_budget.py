"""Notebook 10's "how sure is a verdict": the exact p of the band rule, and the grid stored at a second
budget (its settings, and which verdicts move between the budgets)."""
import itertools
import re
from fractions import Fraction
from pathlib import Path

import nbformat
import pytest

from xception_edu.experiments import ablations
from xception_edu.experiments.summary import band_p_value, band_verdict
from xception_edu.lessons import nb10_ablations as nb10
from xception_edu.lessons import verdict_budget as budget


@pytest.mark.parametrize("n,m", [(1, 1), (1, 3), (2, 2), (3, 3), (2, 4), (4, 3)])
def test_band_p_value_is_the_share_of_orderings_in_which_the_rule_agrees(n, m):
    orderings = list(itertools.permutations(range(n + m)))  # every assignment of distinct ranks to the seeds
    agrees = sum(band_verdict(p[:n], p[n:]) == "agrees" for p in orderings)
    assert band_p_value(n, m) == Fraction(agrees, len(orderings))


def test_band_p_value_of_three_against_three_seeds_is_one_in_twenty():
    assert band_p_value(3, 3) == Fraction(1, 20)


@pytest.mark.parametrize("n,m", [(0, 3), (3, -1), (2.0, 3), (True, 3)])
def test_band_p_value_refuses_what_is_no_number_of_seeds(n, m):
    with pytest.raises(ValueError, match="number of seeds"):
        band_p_value(n, m)


def test_the_second_budget_changes_only_the_epochs_of_notebook_10s_grid():
    live, longer = budget.configs(), budget.configs(budget.EPOCHS)
    assert [c.name for c in live] == [c.name for c in longer]
    assert [(c.model, c.data) for c in live] == [(c.model, c.data) for c in longer]
    assert all(c.train == {} and d.train == {"epochs": budget.EPOCHS} for c, d in zip(live, longer))
    assert budget.EPOCHS != ablations.CPU_TRAIN["epochs"]


def test_the_stored_run_has_the_settings_of_the_grid_at_the_second_budget():
    settings, grid = budget.STORED["settings"], budget.configs(budget.EPOCHS)
    assert settings["model"] == budget.MODEL and settings["data"] == grid[0].data
    assert settings["train"] == {**ablations.CPU_TRAIN, "epochs": budget.EPOCHS}
    assert settings["seeds"] == list(budget.SEEDS)
    assert settings["groups"] == ["C" if g is None else g for g in budget.GROUPS]
    assert set(budget.STORED["final_val_acc"]) == {c.name for c in grid}
    assert all(len(v) == len(budget.SEEDS) for v in budget.STORED["final_val_acc"].values())


def test_moved_compares_the_band_verdicts_of_the_two_runs():
    comparisons = nb10.COMPARISONS
    names = {name for c in comparisons for name in c[:2]}
    live = {name: [0.3, 0.4, 0.5] for name in names}
    live["residual"], live["no residual"] = [0.6, 0.7, 0.8], [0.2, 0.3, 0.4]  # agrees at the live budget
    stored = {"final_val_acc": {name: [0.3, 0.4, 0.5] for name in names}}  # every verdict "cannot say"
    table = budget.moved(live, comparisons, stored)
    assert [row[0] for row in table] == [f"{b} > {w}" for b, w, _ in comparisons]
    assert [row[1:] for row in table] == [(band_verdict(live[b], live[w]), "cannot say",
                                           band_verdict(live[b], live[w]) != "cannot say")
                                          for b, w, _ in comparisons]
    assert sum(row[3] for row in table) == 1
    assert "1 of 6 verdicts moved" in budget.format_moved(table, 3, 6)


def test_notebook_10_states_how_many_verdicts_its_stored_output_moved():
    nb = nbformat.read(Path(__file__).parents[2] / "notebooks/10_ablations_and_spectrum.ipynb", as_version=4)
    cells = {c.id: c for c in nb.cells}
    printed = "".join(o.get("text", "") for o in cells["budget-moved"].outputs)
    stated = re.search(r"\*\*(\d) of (\d) verdicts moved\*\*", cells["budget-after"].source)
    assert stated and f"({stated[1]} of {stated[2]} verdicts moved;" in printed
