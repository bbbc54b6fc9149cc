"""The paired reading of notebook 05's Fig. 10 miniature, against seed-by-seed references."""
import itertools

import pytest
import torch

from xception_edu.lessons import fig10_paired as fp

RUNS = {None: torch.tensor([[3.0, 2.0, 1.0, 1.0], [3.0, 2.5, 2.0, 1.5]]),
        "elu": torch.tensor([[3.0, 2.0, 0.5, 0.5], [3.0, 2.0, 1.0, 1.0]]),
        "relu": torch.tensor([[3.0, 2.0, 1.5, 1.0], [3.0, 2.0, 1.0, 1.0]])}


def test_paired_differences_are_taken_within_each_seed():
    diffs = fp.paired_differences(RUNS, reference=None, last=2)
    assert list(diffs) == ["elu", "relu"]
    for name, d in diffs.items():
        for seed in range(2):
            want = RUNS[name][seed, -2:].mean() - RUNS[None][seed, -2:].mean()
            assert d[seed].item() == pytest.approx(want.item())
    assert diffs["elu"].tolist() == pytest.approx([-0.5, -0.75])
    with pytest.raises(ValueError, match="reference='gelu' is not one of the variants"):
        fp.paired_differences(RUNS, reference="gelu")


@pytest.mark.parametrize("n", [1, 3, 5])
def test_the_sign_p_value_is_the_share_of_sign_patterns_all_negative(n):
    patterns = list(itertools.product((-1, 1), repeat=n))
    assert fp.sign_p(n) == sum(all(s < 0 for s in pat) for pat in patterns) / len(patterns)
    with pytest.raises(ValueError, match="positive int"):
        fp.sign_p(0)


def test_still_falling_compares_the_last_window_with_the_one_before():
    assert fp.still_falling(RUNS[None], window=2).tolist() == [True, True]
    assert fp.still_falling(torch.tensor([[2.0, 1.0, 1.0, 1.0]]), window=2).tolist() == [True]
    assert fp.still_falling(torch.tensor([[1.0, 1.0, 1.0, 1.0]]), window=2).tolist() == [False]
    with pytest.raises(ValueError, match="at least 2 \\* window = 4"):
        fp.still_falling(torch.zeros(1, 3), window=2)


def test_the_table_prints_each_seed_s_difference_and_the_count():
    table = fp.paired_table(RUNS, reference=None, names={None: "nothing", "elu": "ELU"}, last=2)
    assert "minus nothing's" in table and "ELU      -0.50, -0.75   lower in 2 of 2 seeds" in table
