"""The nbgrader course's hidden tests: what an exercise has to pass beyond the check the student can read.

The package's check (``lesson.check``) tries a few fixed inputs, and a student can read them in the lesson
module: an answer fitted to those inputs would pass it. The hidden tests (``course/nbgrader.py`` puts
each in its exercise's autograded test cell, between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN
TESTS``, which ``nbgrader generate_assignment`` removes from the release) call the student's answer on
other inputs and compare it with an independent reference: torch's own modules and functions, the
standard library, or the paper's formula. Exercises whose answer is a module or reads a model are
checked on behaviour already, and have none.

Each test runs in the student's kernel after the exercise cell: it uses the answer by the name the
exercise cell gives it, and only underscore names of its own.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hidden:
    what: str  # one line for the course guide: the inputs and the reference
    code: str


_COUNT = "_count = lambda *layers: sum(p.numel() for m in layers for p in m.parameters())\n"
_NN = "import torch.nn as _nn\n"

HIDDEN = {
    "00.param_counts": Hidden(
        "other widths and kernels; against nn.Conv2d and a depthwise + pointwise nn.Conv2d pair",
        _NN + _COUNT + """
for _c, _k in [(7, 3), (30, 5), (2, 1)]:
    assert tuple(param_counts(_c, _k)) == (_count(_nn.Conv2d(_c, _c, _k, bias=False)), _count(
        _nn.Conv2d(_c, _c, _k, groups=_c, bias=False), _nn.Conv2d(_c, _c, 1, bias=False)))
"""),
    "01.one_output": Hidden(
        "more channels, a non-square input, a 5x5 kernel; against F.conv2d", """
import torch.nn.functional as _F
_g = torch.Generator().manual_seed(17)
_x, _w = torch.randn(6, 9, 13, generator=_g), torch.randn(6, 5, 5, generator=_g)
for _i, _j in [(0, 8), (4, 3)]:
    assert abs(float(one_output(_x, _w, _i, _j)) - float(_F.conv2d(_x[None], _w[None])[0, 0, _i, _j])) < 1e-4
"""),
    "01.conv_params": Hidden(
        "other layer shapes; against nn.Conv2d's parameter count", _NN + _COUNT + """
for _cin, _cout, _k in [(7, 11, 3), (5, 3, 7), (96, 40, 1)]:
    assert conv_params(_cin, _cout, _k) == _count(_nn.Conv2d(_cin, _cout, _k, bias=False))
"""),
    "01.conv_macs": Hidden(
        "other shapes, h != w; against nn.Conv2d's weights x output pixels", _NN + _COUNT + """
for _cin, _cout, _k, _h, _w in [(7, 11, 3, 5, 13), (2, 9, 7, 1, 3)]:
    assert conv_macs(_cin, _cout, _k, _h, _w) == _count(_nn.Conv2d(_cin, _cout, _k, bias=False)) * _h * _w
"""),
    "02.tower_params": Hidden(
        "other widths; against the two nn.Conv2d of a tower", _NN + _COUNT + """
for _cin, _w, _k in [(17, 5, 3), (40, 24, 7)]:
    assert tower_params(_cin, _w, _k) == _count(_nn.Conv2d(_cin, _w, 1, bias=False),
                                                _nn.Conv2d(_w, _w, _k, bias=False))
"""),
    "02.simplified_params": Hidden(
        "other tower counts; against the nn.Conv2d of every tower", _NN + _COUNT + """
for _cin, _cout, _k, _n in [(20, 30, 3, 5), (9, 12, 5, 6)]:
    _w = _cout // _n
    _towers = [_nn.Sequential(_nn.Conv2d(_cin, _w, 1, bias=False), _nn.Conv2d(_w, _w, _k, bias=False))
               for _ in range(_n)]
    assert simplified_params(_cin, _cout, _k, _n) == _count(*_towers)
"""),
    "03.grouped_params": Hidden(
        "other group counts; against nn.Conv2d(groups=...)", _NN + _COUNT + """
for _cin, _cout, _k, _g in [(30, 45, 3, 5), (6, 12, 7, 6)]:
    assert grouped_params(_cin, _cout, _k, _g) == _count(_nn.Conv2d(_cin, _cout, _k, groups=_g, bias=False))
"""),
    "04.spectrum_params": Hidden(
        "other widths and groups; against a 1x1 and a grouped nn.Conv2d", _NN + _COUNT + """
for _cin, _c, _k, _g in [(10, 36, 3, 6), (7, 20, 5, 20)]:
    assert spectrum_params(_cin, _c, _k, _g) == _count(_nn.Conv2d(_cin, _c, 1, bias=False),
                                                       _nn.Conv2d(_c, _c, _k, groups=_g, bias=False))
"""),
    "04.valid_groups": Hidden(
        "other channel counts; against the group counts nn.Conv2d accepts", _NN + """
def _accepts(_c, _g):
    try:
        _nn.Conv2d(_c, _c, 1, groups=_g)
        return True
    except ValueError:
        return False
for _c in (30, 64, 2):
    assert list(valid_groups(_c)) == [_g for _g in range(1, _c + 1) if _accepts(_c, _g)]
"""),
    "05.separable_params": Hidden(
        "other shapes; against a depthwise and a pointwise nn.Conv2d", _NN + _COUNT + """
for _cin, _cout, _k in [(19, 7, 3), (6, 50, 7)]:
    assert separable_params(_cin, _cout, _k) == _count(_nn.Conv2d(_cin, _cin, _k, groups=_cin, bias=False),
                                                       _nn.Conv2d(_cin, _cout, 1, bias=False))
"""),
    "05.depthwise_by_hand": Hidden(
        "other channel counts and a non-square map; against F.conv2d(groups=C)", """
import torch.nn.functional as _F
_g = torch.Generator().manual_seed(5)
for _c in (1, 6):
    _x, _w = torch.randn(3, _c, 5, 8, generator=_g), torch.randn(_c, 1, 3, 3, generator=_g)
    assert torch.allclose(torch.as_tensor(depthwise_by_hand(_x, _w)), _F.conv2d(_x, _w, padding=1, groups=_c),
                          atol=1e-5)
"""),
    "06.channel_correlation": Hidden(
        "a new 4-channel image; against torch.corrcoef", """
_g = torch.Generator().manual_seed(6)
_image = torch.randn(4, 7, 9, generator=_g)
_image[3] = 0.5 * _image[0] - _image[2] + 0.1 * _image[3]
for _a, _b in [(0, 3), (2, 3), (1, 0)]:
    assert abs(float(channel_corr(_image, _a, _b)) - float(torch.corrcoef(_image.flatten(1))[_a, _b])) < 1e-4
"""),
    "06.shift_correlation": Hidden(
        "a new image, other shifts; against torch.corrcoef of the two shifted slices", """
_g = torch.Generator().manual_seed(9)
_image = torch.randn(2, 6, 15, generator=_g).cumsum(-1)  # neighbours along the width correlate
for _c, _d in [(1, 3), (0, 6)]:
    _pair = torch.stack([_image[_c, :, :15 - _d].flatten(), _image[_c, :, _d:].flatten()])
    assert abs(float(shift_corr(_image, _c, _d)) - float(torch.corrcoef(_pair)[0, 1])) < 1e-4
"""),
    "06a.filter_separability": Hidden(
        "new filters (7x7, one channel); against NumPy's SVD", """
import numpy as _np
_g = torch.Generator().manual_seed(7)
for _f in (torch.randn(8, 7, 7, generator=_g), torch.randn(1, 3, 3, generator=_g)):
    _s = _np.linalg.svd(_f.reshape(_f.shape[0], -1).double().numpy(), compute_uv=False)
    assert abs(float(filter_sep(_f)) - float(_s[0] ** 2 / (_s ** 2).sum())) < 1e-4
"""),
    "06a.rank1_kernel": Hidden(
        "new shapes (a 7x7 kernel); against torch.einsum", """
_g = torch.Generator().manual_seed(8)
_ch, _sp = torch.randn(3, 6, generator=_g), torch.randn(3, 7, 7, generator=_g)
assert torch.allclose(rank1_kernel(_ch, _sp), torch.einsum("oc,oij->ocij", _ch, _sp), atol=1e-6)
"""),
    "07.extreme_macs": Hidden(
        "other shapes; against the nn.Conv2d of Fig. 4 x output pixels", _NN + _COUNT + """
for _cin, _cout, _k, _h, _w in [(12, 20, 3, 5, 11), (5, 9, 7, 2, 2)]:
    _params = _count(_nn.Conv2d(_cin, _cout, 1, bias=False),
                     _nn.Conv2d(_cout, _cout, _k, groups=_cout, bias=False))
    assert extreme_macs(_cin, _cout, _k, _h, _w) == _params * _h * _w
"""),
    "07.separable_ratio": Hidden(
        "other widths and kernels; against the ratio of nn.Conv2d counts", _NN + _COUNT + """
for _cout, _k, _cin in [(40, 5, 8), (100, 3, 16)]:
    _sep = _count(_nn.Conv2d(_cin, _cin, _k, groups=_cin, bias=False),
                  _nn.Conv2d(_cin, _cout, 1, bias=False))
    assert abs(separable_ratio(_cout, _k) - _sep / _count(_nn.Conv2d(_cin, _cout, _k, bias=False))) < 1e-9
"""),
    "08.middle_block_params": Hidden(
        "other widths; against three (depthwise, pointwise, BatchNorm2d)", _NN + _COUNT + """
for _c in (100, 33):
    _unit = [_nn.Conv2d(_c, _c, 3, groups=_c, bias=False), _nn.Conv2d(_c, _c, 1, bias=False),
             _nn.BatchNorm2d(_c)]
    assert middle_block_params(_c) == 3 * _count(*_unit)
"""),
    "09.scaled_lr": Hidden(
        "other batches and GPUs; against the paper's 0.045, the suite's batch of 256 scaled linearly", """
for _batch, _gpus in [(48, 3), (8, 16)]:
    assert abs(scaled_lr(_batch, _gpus) - 0.045 * _batch * _gpus / 256) < 1e-12
"""),
    "09.lr_at_epoch": Hidden(
        "another initial rate and epochs; against torch's StepLR(2, 0.94)", """
_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.01)
_sched = torch.optim.lr_scheduler.StepLR(_opt, step_size=2, gamma=0.94)
for _epoch in range(60):
    if _epoch in (7, 8, 51):
        assert abs(lr_at_epoch(0.01, _epoch) - _opt.param_groups[0]["lr"]) < 1e-12
    _opt.step()
    _sched.step()
"""),
    "10.mean_std": Hidden(
        "five seeds; against the statistics module", """
import statistics as _st
_values = [0.71, 0.69, 0.74, 0.70, 0.72]
_m, _s = mean_std(_values)
assert abs(_m - _st.mean(_values)) < 1e-9 and abs(_s - _st.stdev(_values)) < 1e-9
"""),
    "10.group_params": Hidden(
        "other widths and groups; against nn.Conv2d(groups=...)", _NN + _COUNT + """
for _c, _g, _k in [(30, 6, 3), (12, 3, 7)]:
    assert group_params(_c, _g, _k) == _count(_nn.Conv2d(_c, _c, _k, groups=_g, bias=False))
"""),
    "11.width_at_budget": Hidden(
        "other budgets and groups; against the block's nn.Conv2d, widened while in budget", _NN + _COUNT + """
def _block(_c, _g):
    return _count(_nn.Conv2d(_c, _c, 3, groups=_g, bias=False), _nn.Conv2d(_c, _c, 1, bias=False))
for _budget, _g in [(3001, 3), (12345, 5)]:
    _c = 0
    while _block(_c + _g, _g) <= _budget:
        _c += _g
    assert width_at_budget(_budget, _g) == _c
"""),
}
