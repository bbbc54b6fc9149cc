"""The nbgrader course's hidden tests: what an exercise has to pass beyond the check the student can read.

The package's check (``lesson.check``) tries a few fixed inputs, and a student can read them in the lesson
module: an answer fitted to those inputs would pass it. The hidden tests (``course/nbgrader.py`` puts
each in its exercise's autograded test cell, between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN
TESTS``, which ``nbgrader generate_assignment`` removes from the release) call the student's answer on
other inputs and compare it with an independent reference: torch's own modules and functions, the
standard library, the package's own module, or the paper's formula. Every exercise has them, on the
inputs where its known wrong answers differ from the right one (``tests/lessons/wrong_answers.py``). Here
are those whose answer is a value; those whose answer is a module (run beside the package's own, with the
student's weights copied over) are in ``hidden_module_tests``, and ``HIDDEN`` holds both.

Each test runs in the student's kernel after the exercise cell: it uses the answer by the name the
exercise cell gives it, and only underscore names of its own.
"""
from __future__ import annotations

from dataclasses import dataclass

from .hidden_module_tests import MODULE_TESTS


@dataclass(frozen=True)
class Hidden:
    what: str  # one line for the course guide: the inputs and the reference
    code: str


_COUNT = "_count = lambda *layers: sum(p.numel() for m in layers for p in m.parameters())\n"
_NN = "import torch.nn as _nn\n"

HIDDEN = {
    "00.savings_ratio": Hidden(
        "other widths and kernels; against nn.Conv2d and a depthwise + pointwise nn.Conv2d pair",
        _NN + _COUNT + """
for _c, _k in [(7, 3), (30, 5), (2, 1)]:
    _regular = _count(_nn.Conv2d(_c, _c, _k, bias=False))
    _separable = _count(_nn.Conv2d(_c, _c, _k, groups=_c, bias=False), _nn.Conv2d(_c, _c, 1, bias=False))
    assert abs(float(savings_ratio(_c, _k)) - _separable / _regular) < 1e-9
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
    "01.unfold_conv": Hidden(
        "one image, stride 3 with padding 2, a 1x1 and an even 4x4 kernel, non-square maps; against F.conv2d",
        """
import torch.nn.functional as _F
_g = torch.Generator().manual_seed(11)
for _cin, _cout, _k, _h, _w, _s, _p in [(3, 7, 3, 11, 8, 3, 2), (5, 2, 1, 4, 6, 1, 0), (2, 2, 4, 9, 7, 2, 1)]:
    _x, _wt = torch.randn(1, _cin, _h, _w, generator=_g), torch.randn(_cout, _cin, _k, _k, generator=_g)
    _out, _ref = torch.as_tensor(unfold_conv(_x, _wt, _s, _p)), _F.conv2d(_x, _wt, stride=_s, padding=_p)
    assert _out.shape == _ref.shape and torch.allclose(_out, _ref, atol=1e-4)
"""),
    "02.what_counts_tell": Hidden(
        "four made-up tables (Fig. 2 or the regular conv with the fewest parameters, the multiply-adds in "
        "another order than the parameters); against the comparisons the claims state", """
from xception_edu.counting import Counts as _C
for _t in [{"Fig. 1": _C(50, 900), "Fig. 2": _C(40, 800), "regular 3x3": _C(90, 700)},
           {"Fig. 1": _C(10, 500), "Fig. 2": _C(30, 100), "regular 3x3": _C(20, 600)},
           {"Fig. 1": _C(25, 100), "Fig. 2": _C(30, 900), "regular 3x3": _C(20, 100)},
           {"Fig. 1": _C(5, 100), "Fig. 2": _C(30, 900), "regular 3x3": _C(20, 100)}]:
    _fewest = _t["Fig. 1"].params < min(_t["Fig. 2"].params, _t["regular 3x3"].params)
    _want = {"A"} if _fewest else set()
    _want |= {"B"} if _t["Fig. 2"].macs < _t["regular 3x3"].macs else set()
    assert set(what_counts_tell(dict(_t))) == _want
"""),
    "02.simplified_params": Hidden(
        "other tower counts; against the nn.Conv2d of every tower", _NN + _COUNT + """
for _cin, _cout, _k, _n in [(20, 30, 3, 5), (9, 12, 5, 6)]:
    _w = _cout // _n
    _towers = [_nn.Sequential(_nn.Conv2d(_cin, _w, 1, bias=False), _nn.Conv2d(_w, _w, _k, bias=False))
               for _ in range(_n)]
    assert simplified_params(_cin, _cout, _k, _n) == _count(*_towers)
"""),
    "03.dense_weight": Hidden(
        "4 groups, cin != cout, fewer outputs than inputs, a depthwise 5x5; against nn.Conv2d(groups=...)",
        _NN + """
import torch.nn.functional as _F
for _cin, _cout, _groups, _k in [(8, 12, 4, 3), (6, 2, 2, 1), (3, 3, 3, 5)]:
    _conv = _nn.Conv2d(_cin, _cout, _k, groups=_groups, bias=False)
    _x = torch.randn(2, _cin, 7, 6)
    _w = torch.as_tensor(dense_weight(_conv.weight.detach().clone(), _groups))
    with torch.no_grad():
        assert _w.shape == (_cout, _cin, _k, _k) and torch.allclose(_F.conv2d(_x, _w), _conv(_x), atol=1e-5)
"""),
    "04.macs_speedup": Hidden(
        "other widths and groups, g = c; against the weights of a 1x1 and a grouped nn.Conv2d (each used "
        "once per pixel)", _NN + _COUNT + """
for _cin, _c, _k, _g in [(10, 36, 3, 6), (7, 20, 5, 20), (9, 12, 3, 4)]:
    _per_pixel = [_count(_nn.Conv2d(_cin, _c, 1, bias=False), _nn.Conv2d(_c, _c, _k, groups=_gg, bias=False))
                  for _gg in (1, _g)]
    assert abs(macs_speedup(_cin, _c, _k, _g) - _per_pixel[0] / _per_pixel[1]) < 1e-9
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
    "05.separable_as_regular": Hidden(
        "other shapes (cout < cin, cout > cin, a 1x1); against a depthwise then a pointwise nn.Conv2d",
        _NN + """
import torch.nn.functional as _F
for _cin, _cout, _k in [(5, 3, 3), (2, 7, 5), (4, 4, 1)]:
    _dw = _nn.Conv2d(_cin, _cin, _k, padding=_k // 2, groups=_cin, bias=False)
    _pw = _nn.Conv2d(_cin, _cout, 1, bias=False)
    _x = torch.randn(2, _cin, 6, 9)
    _w = torch.as_tensor(separable_as_regular(_dw.weight.detach().clone(), _pw.weight.detach().clone()))
    with torch.no_grad():
        assert _w.shape == (_cout, _cin, _k, _k)
        assert torch.allclose(_F.conv2d(_x, _w, padding=_k // 2), _pw(_dw(_x)), atol=1e-5)
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
        "a new 4-channel image, a channel with itself; against torch.corrcoef", """
_g = torch.Generator().manual_seed(6)
_image = torch.randn(4, 7, 9, generator=_g)
_image[3] = 0.5 * _image[0] - _image[2] + 0.1 * _image[3]
for _a, _b in [(0, 3), (2, 3), (1, 0), (3, 3)]:
    assert abs(float(channel_corr(_image, _a, _b)) - float(torch.corrcoef(_image.flatten(1))[_a, _b])) < 1e-4
"""),
    "06.shift_correlation": Hidden(
        "a new image, other shifts, d = 0; against torch.corrcoef of the two shifted slices", """
_g = torch.Generator().manual_seed(9)
_image = torch.randn(2, 6, 15, generator=_g).cumsum(-1)  # neighbours along the width correlate
for _c, _d in [(1, 3), (0, 6), (1, 0)]:
    _pair = torch.stack([_image[_c, :, :15 - _d].flatten(), _image[_c, :, _d:].flatten()])
    assert abs(float(shift_corr(_image, _c, _d)) - float(torch.corrcoef(_pair)[0, 1])) < 1e-4
"""),
    "06a.filter_separability": Hidden(
        "new filters (7x7, one channel, more channels than positions); against NumPy's SVD", """
import numpy as _np
_g = torch.Generator().manual_seed(7)
for _f in (torch.randn(8, 7, 7, generator=_g), torch.randn(1, 3, 3, generator=_g),
           torch.randn(16, 3, 3, generator=_g)):
    _s = _np.linalg.svd(_f.reshape(_f.shape[0], -1).double().numpy(), compute_uv=False)
    assert abs(float(filter_sep(_f)) - float(_s[0] ** 2 / (_s ** 2).sum())) < 1e-4
"""),
    "06a.rank1_kernel": Hidden(
        "new shapes (a 7x7 kernel); against torch.einsum", """
_g = torch.Generator().manual_seed(8)
_ch, _sp = torch.randn(3, 6, generator=_g), torch.randn(3, 7, 7, generator=_g)
assert torch.allclose(rank1_kernel(_ch, _sp), torch.einsum("oc,oij->ocij", _ch, _sp), atol=1e-6)
"""),
    "07.intensity": Hidden(
        "other shapes, h != w; against the weights and map sizes of the two nn.Conv2d steps", _NN + """
for _cin, _cout, _k, _h, _w in [(12, 20, 5, 6, 11), (7, 3, 3, 4, 4)]:
    _x = torch.zeros(1, _cin, _h, _w)
    _dw = _nn.Conv2d(_cin, _cin, _k, padding=_k // 2, groups=_cin, bias=False)
    _pw = _nn.Conv2d(_cin, _cout, 1, bias=False)
    _got = intensity(_cin, _cout, _k, _h, _w)
    with torch.no_grad():
        for _i, (_conv, _in) in enumerate([(_dw, _x), (_pw, _dw(_x))]):
            _out = _conv(_in)
            _want = _conv.weight.numel() * _h * _w / (_in.numel() + _conv.weight.numel() + _out.numel())
            assert abs(_got[_i] - _want) <= 1e-9 * _want
"""),
    "07.separable_ratio": Hidden(
        "other widths and kernels; against the ratio of nn.Conv2d counts", _NN + _COUNT + """
for _cout, _k, _cin in [(40, 5, 8), (100, 3, 16)]:
    _sep = _count(_nn.Conv2d(_cin, _cin, _k, groups=_cin, bias=False),
                  _nn.Conv2d(_cin, _cout, 1, bias=False))
    assert abs(separable_ratio(_cout, _k) - _sep / _count(_nn.Conv2d(_cin, _cout, _k, bias=False))) < 1e-9
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
    "10.supported": Hidden(
        "other seeds (2 and 4 per configuration): ranges apart either way, touching, overlapping with "
        "unequal means; against the band rule, written out", """
def _rule(_a, _b):
    return {"first ahead"} if min(_a) > max(_b) else {"second ahead"} if min(_b) > max(_a) else set()
for _a, _b in [([0.71, 0.74, 0.69, 0.80], [0.60, 0.68, 0.66, 0.61]), ([0.2, 0.3], [0.31, 0.5]),
               ([0.6, 0.4, 0.5], [0.45, 0.55, 0.3]), ([0.5, 0.6], [0.6, 0.7]),
               ([0.9, 0.1, 0.8], [0.5, 0.45, 0.55])]:
    _got = supported(_a, _b)
    assert not isinstance(_got, str) and set(_got) == _rule(_a, _b)
"""),
    "11.width_at_budget": Hidden(
        "other budgets and groups, an exact fit; against the block's nn.Conv2d, widened while in budget",
        _NN + _COUNT + """
def _block(_c, _g):
    return _count(_nn.Conv2d(_c, _c, 3, groups=_g, bias=False), _nn.Conv2d(_c, _c, 1, bias=False))
for _budget, _g in [(3001, 3), (12345, 5), (4480, 5)]:  # 4480: C = 40 fits exactly
    _c = 0
    while _block(_c + _g, _g) <= _budget:
        _c += _g
    assert width_at_budget(_budget, _g) == _c
"""),
    "03.connectivity": Hidden(
        "other channel and group counts; against a block-diagonal of ones (torch.block_diag)", """
for _c, _g in [(10, 5), (9, 3), (6, 1), (5, 5)]:
    _want = torch.block_diag(*[torch.ones(_c // _g, _c // _g)] * _g).bool()
    assert torch.equal(torch.as_tensor(connectivity(_c, _g)).bool(), _want)
"""),
    "03.transplant": Hidden(
        "another Fig. 2 module (4 towers of 3 filters); against the package's reformulate", """
torch.manual_seed(11)
_fig2 = xe.ops.SimplifiedInception(7, 12, towers=4)
_want = xe.ops.reformulate(_fig2)
_pw, _sp = transplant(_fig2)
assert torch.equal(torch.as_tensor(_pw), _want.pointwise.weight.detach())
assert torch.equal(torch.as_tensor(_sp), _want.spatial.weight.detach())
"""),
    "07.channels_last_strides": Hidden(
        "other shapes; against torch's strides of a channels_last tensor", """
for _shape in [(3, 6, 5, 7), (2, 10, 9, 4)]:
    _want = torch.empty(_shape).to(memory_format=torch.channels_last).stride()
    assert tuple(channels_last_strides(*_shape)) == _want
"""),
    "08.exit_map_size": Hidden(
        "other sides (stem sides that are multiples of 16, odd sides before a pool); against the model", """
_tiny = xe.Xception(num_classes=2, middle_repeats=0, width=0.125).eval()
for _n in (134, 133, 166, 117, 123, 95, 137):
    with torch.no_grad():
        assert exit_map_size(_n) == _tiny.forward_features(torch.zeros(1, 3, _n, _n)).shape[-1]
"""),
    "08.depthwise_params": Hidden(
        "another Xception, and a model whose regular 3x3 conv has as many inputs as outputs", """
_sep = xe.ops.SeparableConv2d(6, 10, 5)
_model = torch.nn.Sequential(torch.nn.Conv2d(6, 6, 3, bias=False), _sep, torch.nn.Conv2d(10, 10, 1))
assert depthwise_params(_model) == _sep.depthwise.weight.numel()
_x = xe.Xception(num_classes=3, middle_repeats=1, width=0.25)
assert depthwise_params(_x) == xe.model.breakdown(_x, 71)["depthwise"].params
"""),
    "11.verdict": Hidden(
        "other seeds: ranges apart, touching, overlapping; bands and means that disagree with the ranges", """
def _rule(_b, _w):
    return "agrees" if min(_b) > max(_w) else "disagrees" if min(_w) > max(_b) else "cannot say"
for _b, _w in [([0.81, 0.90], [0.70, 0.80]), ([0.70, 0.80], [0.80, 0.90]), ([0.4, 0.5, 0.6], [0.5, 0.55]),
               ([0.30, 0.31, 0.95], [0.29, 0.05, 0.20]), ([0.80, 0.81, 0.82, 0.62], [0.60, 0.61, 0.62, 0.63]),
               ([0.55, 0.56, 0.57, 0.40], [0.45, 0.46, 0.47, 0.50]), ([0.2, 0.3], [0.25, 0.27])]:
    assert verdict(_b, _w) == _rule(_b, _w)
"""),
    **{exercise: Hidden(what, code) for exercise, (what, code) in MODULE_TESTS.items()},
}
