"""The hidden tests of the exercises whose answer is a torch module (a block, a layer, a module with its
body silenced): the student's module runs beside the package's own (``SimplifiedInception``,
``ExtremeInception``, ``SeparableConv2d``, the Fig. 5 ``Block``) or beside torch's, on inputs the visible
check never uses. ``SAME`` defines ``_same``, which copies the student's weights into the package's module
by shape (and a layer's stride, so a shortcut's 1x1 finds its twin), runs both in train mode so that a
missing BN shows, and compares outputs and parameter counts.

``MODULE_TESTS``: exercise id -> (what, code), the two fields of ``hidden_tests.Hidden``; ``hidden_tests``
puts them in ``HIDDEN`` beside the exercises whose answer is a value.
"""
from __future__ import annotations

SAME = """
def _same(_mine, _ref, _x):
    _eps = [_m.eps for _m in _mine.modules() if isinstance(_m, torch.nn.BatchNorm2d)]
    for _m in _ref.modules():  # eps is not the lesson: the reference takes the student's
        if isinstance(_m, torch.nn.BatchNorm2d) and _eps:
            _m.eps = _eps[0]
    def _keyed(_module):  # a tensor's shape, and its layer's stride where it has one (a shortcut's 1x1)
        return [((_t.shape, getattr(_m, "stride", (1, 1)) != (1, 1)), _t) for _m in _module.modules()
                for _t in [*_m.parameters(recurse=False), *_m.buffers(recurse=False)] if _t.dim()]
    _free = _keyed(_mine)
    with torch.no_grad():
        for _k, _t in _keyed(_ref):
            _i = next((_i for _i, (_f, _) in enumerate(_free) if _f == _k), None)
            if _i is not None:
                _t.copy_(_free.pop(_i)[1])
        _a, _b = _mine.train()(_x), _ref.train()(_x)
    assert _a.shape == _b.shape and torch.allclose(_a, _b, atol=1e-4), "not the package's module"
    assert sum(_p.numel() for _p in _mine.parameters()) == sum(_p.numel() for _p in _ref.parameters())
"""

MODULE_TESTS = {
    "08.silence_body": (
        "other widths and blocks (block2, the first of the entry flow; exit-flow block13; a middle block), "
        "fresh BN statistics; against a copy of the block's own shortcut, in training and eval mode", """
import copy as _copy
for _name, _width in [("block12", 1 / 4), ("block2", 1 / 4), ("block13", 1 / 8)]:
    _spec = next(_b for _b in xe.model.fig5_blocks(_width) if _b.name == _name)
    _block, _g = xe.model.Block(_spec), torch.Generator().manual_seed(3)
    with torch.no_grad():
        for _t in _block.parameters():
            _t.copy_(torch.randn(_t.shape, generator=_g))
    _x = torch.randn(2, _spec.in_channels, 9, 8, generator=_g)
    _short = _copy.deepcopy(_block.shortcut)
    _out = silence_body(_block)
    with torch.no_grad():
        for _train in (True, False):
            assert torch.allclose(_out.train(_train)(_x), _short.train(_train)(_x), atol=1e-5)
"""),
    "02.build_simplified": (
        "other widths and tower counts; against xe.ops.SimplifiedInception, the student's weights in it",
        SAME + """
for _cin, _cout, _n in [(5, 12, 3), (7, 8, 4)]:
    _same(build_simplified(_cin, _cout, _n), xe.ops.SimplifiedInception(_cin, _cout, 3, towers=_n),
          torch.randn(2, _cin, 6, 7, generator=torch.Generator().manual_seed(_n)))
"""),
    "04.build_extreme": (
        "other widths; against xe.ExtremeInception with the student's weights", SAME + """
for _cin, _c in [(5, 9), (10, 6)]:
    _same(build_extreme(_cin, _c), xe.ops.ExtremeInception(_cin, _c, 3),
          torch.randn(2, _cin, 6, 7, generator=torch.Generator().manual_seed(_c)))
"""),
    "05.depthwise_conv": (
        "other widths and kernels; against F.conv2d(groups=c, padding=k // 2) with its own weight", """
import torch.nn.functional as _F
for _c, _k in [(7, 3), (3, 7)]:
    _conv = depthwise_conv(_c, _k)
    _x = torch.randn(2, _c, 8, 5, generator=torch.Generator().manual_seed(_k))
    assert type(_conv) is torch.nn.Conv2d and _conv.bias is None
    assert tuple(_conv.weight.shape) == (_c, 1, _k, _k)
    with torch.no_grad():
        assert torch.allclose(_conv(_x), _F.conv2d(_x, _conv.weight, padding=_k // 2, groups=_c), atol=1e-5)
"""),
    "08.separable_conv2d": (
        "other widths and kernels; against xe.ops.SeparableConv2d with the student's weights", SAME + """
for _cin, _cout, _k in [(5, 7, 3), (6, 4, 1)]:
    _same(MySeparableConv2d(_cin, _cout, _k), xe.ops.SeparableConv2d(_cin, _cout, _k),
          torch.randn(2, _cin, 6, 7, generator=torch.Generator().manual_seed(_k)))
"""),
    "08.middle_block": (
        "another width; against the package's middle-flow Block with the student's weights", SAME + """
_spec = next(_b for _b in xe.model.fig5_blocks(1 / 8) if _b.name == "block7")
_same(MyMiddleBlock(_spec.in_channels), xe.model.Block(_spec),
      torch.randn(2, _spec.in_channels, 5, 6, generator=torch.Generator().manual_seed(7)))
"""),
    "08.entry_block": (
        "other widths and both parities of side; against the package's entry-flow Block", SAME + """
for _name, _size in [("block3", (8, 7)), ("block4", (7, 10))]:
    _spec = next(_b for _b in xe.model.fig5_blocks(1 / 8) if _b.name == _name)
    _same(MyEntryBlock(_spec.in_channels, _spec.out_channels), xe.model.Block(_spec),
          torch.randn(2, _spec.in_channels, *_size, generator=torch.Generator().manual_seed(2)))
"""),}
