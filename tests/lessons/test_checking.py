"""The helpers the exercise checks share (``lessons/checking.py``): a closed form over a grid, its named
mistakes, and the layers a build exercise names."""
import pytest
import torch
import torch.nn as nn

from xception_edu.exercises import Mismatch
from xception_edu.lessons.checking import (
    Mistake,
    close,
    closed_form,
    foreign_layers,
    mistake_made,
    same_output,
    same_value,
    separating,
)

GRID = [(3, 3), (2, 5), (4, 1)]


def _area(a, b):
    return a * b


def _miss(fn, mistakes=(), **kw) -> Mismatch:
    with pytest.raises(Mismatch) as e:
        closed_form("area", fn, GRID, _area, mistakes, **kw)
    return e.value


def test_a_right_answer_passes_and_a_formula_right_only_on_part_of_the_grid_fails():
    closed_form("area", lambda a, b: a * b, GRID, _area)
    closed_form("area", lambda a, b: float(a * b), GRID, _area)  # 15.0 == 15
    e = _miss(lambda a, b: a * a, nudge="multiply the two sides", fix="a * b")
    assert str(e) == "area(2, 5) returned 4, expected 10. multiply the two sides" and e.fix == "a * b"


def test_the_mistake_that_explains_the_whole_grid_wins_over_one_that_matches_by_chance():
    perimeter = Mistake(lambda a, b: 2 * (a + b), "that is the perimeter", fix="a * b")
    coincide = Mistake(lambda a, b: 12 if (a, b) == (3, 3) else -1, "coincidence")  # listed first
    e = _miss(lambda a, b: 2 * (a + b), [coincide, perimeter])
    assert "perimeter" in str(e) and e.fix == "a * b"
    e = _miss(lambda a, b: 12 if (a, b) == (3, 3) else a * b, [coincide, perimeter])  # neither everywhere
    assert "coincidence" in str(e)


def test_a_function_that_returns_nothing_is_told_so():
    assert "forget `return`" in str(_miss(lambda a, b: None))


def test_a_mistaken_formula_that_itself_fails_is_skipped():
    e = _miss(lambda a, b: 0, [Mistake(lambda a, b: 1 / 0, "never"), Mistake(lambda a, b: 0, "zero")])
    assert "zero" in str(e)


def test_same_value_is_exact_for_ints_close_for_floats_and_elementwise_for_tuples():
    assert same_value(torch.tensor(6), 6) and not same_value(6.000001, 6)
    assert same_value(0.1 + 0.2, 0.3) and not same_value(0.3001, 0.3)
    assert same_value((1, 0.5), (1, 0.5)) and not same_value((0.5, 1), (1, 0.5)) and not same_value(1, (1,))
    assert not same_value(None, 6) and not same_value([1, 2], 6) and not same_value("6", 6)


def test_foreign_layers_names_what_is_neither_a_conv_nor_a_relu():
    m = nn.Sequential(nn.Conv2d(2, 2, 1), nn.ReLU(), nn.Sequential(nn.Sigmoid(), nn.Identity()), nn.Tanh())
    assert foreign_layers(m) == ["Sigmoid", "Tanh"]
    assert foreign_layers(nn.Sequential(nn.Conv2d(2, 2, 1), nn.ReLU())) == []


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), torch.tensor(float("nan"))])
def test_nan_and_infinities_are_never_equal_to_anything(bad):
    assert not close(bad, 0.5, 1e-4) and not close(0.5, bad, 1e-4) and not close(bad, bad, 1e-4)
    assert not same_value(bad, 0.5) and not same_value(bad, float("inf")) and not same_value(bad, 6)


def test_close_is_within_the_tolerance_either_way():
    assert close(0.50009, 0.5, 1e-4) and close(torch.tensor(0.49991), 0.5, 1e-4)
    assert not close(0.5002, 0.5, 1e-4) and not close("0.5", 0.5, 1e-4) and not close(None, 0.5, 1e-4)


def test_a_grid_chosen_by_the_mistakes_holds_a_case_where_each_one_shows():
    up = Mistake(lambda n: -(-n // 2), "rounds up")  # right for even n only
    sixteen = Mistake(lambda n: n // 2 + (n % 16 == 0), "sixteen")  # wrong at multiples of 16 only
    grid = separating([(2,), (4,), (16,), (3,), (5,)], lambda n: n // 2, [up, sixteen])
    assert grid == [(3,), (16,)]
    with pytest.raises(ValueError, match="no candidate separates"):
        separating([(2,), (4,)], lambda n: n // 2, [up])


def test_same_output_allows_float32_rounding_and_refuses_a_wrong_layer_a_shape_nan_and_infinity():
    conv = nn.Conv2d(8, 8, 3, padding=1, bias=False)
    x = torch.randn(2, 8, 9, 9, generator=torch.Generator().manual_seed(0))
    want = conv(x).detach()
    by_hand = torch.nn.functional.conv2d(x.double(), conv.weight.double(), padding=1).float()  # other sums
    assert same_output(by_hand, want) and not torch.equal(by_hand, want)
    assert not same_output(torch.relu(want), want)
    assert not same_output(want[:, :4], want) and not same_output(want.tolist(), want)
    for bad in (float("nan"), float("inf")):
        spoiled = want.clone()
        spoiled[0, 0, 0, 0] = bad
        assert not same_output(spoiled, want), bad


def test_mistake_made_names_the_first_mistake_whose_output_it_is():
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(1))
    candidates = {"no ReLU": x, "ReLU": torch.relu(x), "ReLU again": torch.relu(x)}
    assert mistake_made(torch.relu(x), candidates) == "ReLU"
    assert mistake_made(-x, candidates) is None
