"""Notebook 02's exercise checks: the right answer passes, plausible wrong ones are rejected with a hint."""
import torch
import torch.nn as nn

from xception_edu.lessons import nb02_inception_module as nb02


class Towers(nn.Module):  # the notebook's given helper
    def __init__(self, towers):
        super().__init__()
        self.towers = nn.ModuleList(towers)

    def forward(self, x):
        return torch.cat([tower(x) for tower in self.towers], dim=1)


def _build(mid=True, out=True, bias=False):
    def build(cin, cout, towers):
        w = cout // towers
        def act(on):
            return nn.ReLU() if on else nn.Identity()
        return Towers(nn.Sequential(nn.Conv2d(cin, w, 1, bias=bias), act(mid),
                                    nn.Conv2d(w, w, 3, padding=1, bias=bias), act(out))
                      for _ in range(towers))
    return build


def _check(fn):
    return nb02.check("02.build_simplified", fn, quiet=True)


def test_build_simplified_accepts_fig2():
    assert _check(_build()).passed


def test_build_simplified_rejects_a_module_of_the_right_size_without_its_relus():
    # same shapes and parameter count as Fig. 2: only running it tells them apart
    no_out = _check(_build(out=False))
    assert not no_out.passed and "after each tower's 3x3" in no_out.message
    no_mid = _check(_build(mid=False))
    assert not no_mid.passed and "between each tower's 1x1 conv and its 3x3" in no_mid.message
    assert not _check(_build(mid=False, out=False)).passed


def test_build_simplified_rejects_bias_and_a_single_tower_for_all():
    assert "have a bias" in _check(_build(bias=True)).message
    one = _check(lambda cin, cout, n: _build()(cin, cout, 1))
    assert not one.passed


def test_module_counts_reject_the_usual_slips():
    right = lambda cin, cout, k, n: n * (cin * (cout // n) + k * k * (cout // n) ** 2)  # noqa: E731
    assert nb02.check("02.simplified_params", right, quiet=True).passed
    wide = lambda cin, cout, k, n: n * (cin * cout + k * k * cout * cout)  # noqa: E731
    assert "cout/towers wide" in nb02.check("02.simplified_params", wide, quiet=True).message


def test_one_tower_is_cheaper_than_the_regular_conv_exactly_when_its_1x1_reduces_enough():
    # notebook 02's answer: one tower of width w beats a regular 3x3 conv iff w < 8/9 C_in
    from xception_edu import counting

    for cin in nb02.IN_CHANNEL_CHOICES:
        for w in nb02.WIDTH_CHOICES:
            tower = counting.spectrum(cin, w, 3, 1, (1, 1)).params
            assert (tower < counting.standard(cin, w, 3, (1, 1)).params) == (9 * w < 8 * cin)
    assert all(9 * w < 8 * 728 for w in nb02.WIDTH_CHOICES)  # "at C_in = 728 every width is cheaper"
    assert counting.spectrum(32, 64, 3, 1, (1, 1)).params > counting.standard(32, 64, 3, (1, 1)).params


def test_the_measured_cost_table_is_the_closed_forms_and_supports_claims_a_and_b():
    """Notebook 02's table (Fig. 1, Fig. 2 in 4 towers, a regular 3x3; 256 -> 256 at 35 x 35), counted while
    the modules run, equals their closed forms; on it Fig. 1 has the fewest parameters and Fig. 2 fewer
    multiply-adds than the regular conv, the claims A and B of 02.what_counts_tell."""
    modules = nb02.cost_modules(256, 256, towers=4)
    table = nb02.cost_table(modules, hw=35)
    assert table == {name: m.counts(35, 35) for name, m in modules.items()}
    assert table["Fig. 1"].params < min(table["Fig. 2"].params, table["regular 3x3"].params)
    assert table["Fig. 2"].macs < table["regular 3x3"].macs
