"""Notebook 08's build exercises (``lessons/build_blocks.py``), worked as a student would: plain-torch
answers written here, independently of the package. The right answer passes; each named mistake is
rejected with the hint that names it; a repeated miss gets the exact fix; the stub is "not done yet"."""
import functools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from xception_edu import exercises
from xception_edu.lessons import nb08_xception_architecture as lesson  # registers the 08 build exercises
from xception_edu.model import MaxPool2dTFSame


@pytest.fixture(autouse=True)
def _fresh_attempts():
    exercises.reset_attempts()
    yield
    exercises.reset_attempts()


def _verdict(exercise_id, answer):
    return exercises.check(exercise_id, answer, quiet=True)


# --- 08.separable_conv2d ----------------------------------------------------------------------------------


class Separable(nn.Module):
    """A student's depthwise separable conv (Sec. 1.2); the keywords plant one mistake each."""

    def __init__(self, cin, cout, k=3, *, pointwise_first=False, bias=False, groups=None, padding=None,
                 between=None, relu_after=False):
        super().__init__()
        mid = cout if pointwise_first else cin
        self.depthwise = nn.Conv2d(mid, mid, k, padding=k // 2 if padding is None else padding,
                                   groups=mid if groups is None else groups, bias=bias)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=bias)
        self.pointwise_first, self.between, self.relu_after = pointwise_first, between, relu_after

    def forward(self, x):
        if self.pointwise_first:
            return self.depthwise(self.pointwise(x))
        h = self.depthwise(x)
        if self.between is not None:
            h = self.between(h)
        out = self.pointwise(h)
        return F.relu(out) if self.relu_after else out


def test_separable_right_answer_passes():
    assert _verdict("08.separable_conv2d", Separable), "a right SeparableConv2d was rejected"


def test_separable_padding_same_is_right_too():
    class SamePadding(Separable):
        def __init__(self, cin, cout, k=3):
            super().__init__(cin, cout, k, padding="same")

    assert _verdict("08.separable_conv2d", SamePadding)


@pytest.mark.parametrize("mistake,phrase", [
    (dict(pointwise_first=True), "Fig. 4's order"),
    (dict(bias=True), "have a bias"),
    (dict(groups=1), "(groups=1): that is a regular convolution"),
    (dict(padding=1), "padding=(1, 1)"),     # right for k=3 only: the check also tries k=5
    (dict(padding=0), "changes the map size"),
    (dict(between=nn.ReLU()), "calls ReLU"),
    (dict(between=F.relu), "a ReLU between the depthwise and the pointwise step"),  # functional: outputs tell
    (dict(relu_after=True), "a ReLU after the pointwise conv"),
], ids=["order", "bias", "groups1", "padding1", "padding0", "relu-module", "relu-functional", "relu-after"])
def test_separable_mistakes_are_named(mistake, phrase):
    wrong = functools.partial(Separable, **mistake)
    result = _verdict("08.separable_conv2d", wrong)
    assert not result.passed and phrase in result.message, result.message


def test_hints_are_graduated_and_reset_by_a_pass():
    wrong = functools.partial(Separable, bias=True)
    first, second = _verdict("08.separable_conv2d", wrong), _verdict("08.separable_conv2d", wrong)
    assert "have a bias" in first.message and "bias=False" not in first.message
    assert "second miss names the exact fix" in first.message
    assert "The fix: pass bias=False" in second.message and first.message != second.message
    assert _verdict("08.separable_conv2d", Separable)
    assert _verdict("08.separable_conv2d", wrong).message == first.message  # a pass starts over


def test_an_instance_instead_of_the_class_is_explained():
    result = _verdict("08.separable_conv2d", Separable(8, 16))
    assert not result.passed and "pass your class itself" in result.message


# --- 08.middle_block --------------------------------------------------------------------------------------


class Middle(nn.Module):
    """A student's middle-flow block (Fig. 5): 3 x [ReLU -> separable 3x3 -> BN], + x."""

    def __init__(self, c, *, units=3, drop_bn=None, inplace_first=False, relu_after_add=False,
                 shortcut=True, relu_last=False, bn=None):
        super().__init__()
        layers = []
        for i in range(units):
            unit = [Separable(c, c, 3)] + ([] if i == drop_bn else [nn.BatchNorm2d(c, **(bn or {}))])
            relu = nn.ReLU(inplace=inplace_first or i > 0)
            layers += unit + [relu] if relu_last else [relu] + unit
        self.branch = nn.Sequential(*layers)
        self.shortcut, self.relu_after_add = shortcut, relu_after_add

    def forward(self, x):
        out = self.branch(x) + x if self.shortcut else self.branch(x)
        return F.relu(out) if self.relu_after_add else out


def test_middle_right_answer_passes():
    assert _verdict("08.middle_block", Middle), "a right middle-flow block was rejected"


def test_middle_passes_with_keras_bn_and_the_package_separable_conv():
    import xception_edu as xe

    class KerasStyle(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.bns = nn.ModuleList(nn.BatchNorm2d(c, eps=1e-3, momentum=0.01) for _ in range(3))  # first
            self.seps = nn.ModuleList(xe.SeparableConv2d(c, c, 3) for _ in range(3))

        def forward(self, x):
            h = x
            for sep, bn in zip(self.seps, self.bns):
                h = bn(sep(torch.relu(h)))
            return x + h

    assert _verdict("08.middle_block", KerasStyle)


@pytest.mark.parametrize("mistake,phrase", [
    (dict(drop_bn=1), "calls 2 BN layer(s)"),
    (dict(relu_after_add=True), "a ReLU after the add"),
    (dict(inplace_first=True), "your first ReLU works in place"),
    (dict(shortcut=False), "the residual branch alone"),
    (dict(units=2), "has 3 separable conv(s)"),
    (dict(units=4), "your forward calls 4 kxk"),
    (dict(relu_last=True), "each unit BEGINS with the ReLU"),
], ids=["missing-bn", "relu-after-add", "inplace-relu", "no-shortcut", "2-units", "4-units", "relu-last"])
def test_middle_mistakes_are_named(mistake, phrase):
    result = _verdict("08.middle_block", functools.partial(Middle, **mistake))
    assert not result.passed and phrase in result.message, result.message


def test_middle_bn_defined_but_not_called_is_named():
    class Forgot(Middle):
        def __init__(self, c):
            super().__init__(c, drop_bn=2)
            self.bn3 = nn.BatchNorm2d(c)   # defined, never called

    result = _verdict("08.middle_block", Forgot)
    assert "1 more defined but never called" in result.message, result.message


def test_middle_train_mode_is_compared_too():
    class DropsWhenTraining(Middle):  # the same function in eval mode; only training shows the dropout
        def forward(self, x):
            return F.dropout(super().forward(x), 0.2, self.training)

    result = _verdict("08.middle_block", DropsWhenTraining)
    assert not result.passed and "differ in train mode" in result.message, result.message


def test_middle_running_statistics_are_compared_too():
    class SlowStatistics(Middle):  # the same in eval and train mode; its running statistics move slower
        def __init__(self, c):
            super().__init__(c)
            self.branch[-1].momentum = 0.01

    result = _verdict("08.middle_block", SlowStatistics)
    assert not result.passed and "after a training step (running statistics)" in result.message, \
        result.message


def test_middle_repeated_failure_names_the_fix():
    wrong = functools.partial(Middle, inplace_first=True)
    first, second = _verdict("08.middle_block", wrong), _verdict("08.middle_block", wrong)
    assert "inplace=False" not in first.message and "nn.ReLU() (inplace=False)" in second.message


# --- 08.entry_block ---------------------------------------------------------------------------------------


class Entry(nn.Module):
    """A student's entry-flow block (Fig. 5, block3/4): 2 x [ReLU -> separable -> BN] -> TF-same pool,
    + 1x1/2 conv -> BN; the keywords plant one mistake each."""

    def __init__(self, cin, cout, *, stride=2, shortcut_bn=True, pool="tf", inplace_first=False,
                 relu_after_add=False, shortcut_first=False):
        super().__init__()
        pools = {"tf": MaxPool2dTFSame(3, 2), "symmetric": nn.MaxPool2d(3, 2, padding=1), None: nn.Identity()}
        self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                      *([nn.BatchNorm2d(cout)] if shortcut_bn else []))
        self.branch = nn.Sequential(nn.ReLU(inplace=inplace_first), Separable(cin, cout),
                                    nn.BatchNorm2d(cout), nn.ReLU(inplace=True), Separable(cout, cout),
                                    nn.BatchNorm2d(cout), pools[pool])
        self.relu_after_add, self.shortcut_first = relu_after_add, shortcut_first

    def forward(self, x):
        if self.shortcut_first:
            s = self.shortcut(x)
            out = self.branch(x) + s
        else:
            out = self.branch(x) + self.shortcut(x)
        return F.relu(out) if self.relu_after_add else out


def test_entry_right_answer_passes():
    assert _verdict("08.entry_block", Entry), "a right entry-flow block was rejected"


def test_entry_shortcut_first_passes_even_with_an_inplace_relu():
    # the shortcut has read x before the in-place ReLU changes it: harmless here, and the check agrees
    assert _verdict("08.entry_block", functools.partial(Entry, shortcut_first=True, inplace_first=True))


@pytest.mark.parametrize("mistake,phrase", [
    (dict(stride=1), "shape mismatch: your shortcut keeps the 10x9 map while the pooled branch is 5x5"),
    (dict(shortcut_bn=False), "your shortcut is a bare 1x1 conv"),
    (dict(pool=None), "keeps the map size, but an entry-flow block halves it"),
    (dict(pool="symmetric"), "agrees on odd map sides but not on even ones"),
    (dict(relu_after_add=True), "a ReLU after the add"),
    (dict(inplace_first=True), "your first ReLU works in place"),
], ids=["no-stride", "no-shortcut-bn", "no-pool", "symmetric-pool", "relu-after-add", "inplace-relu"])
def test_entry_mistakes_are_named(mistake, phrase):
    result = _verdict("08.entry_block", functools.partial(Entry, **mistake))
    assert not result.passed and phrase in result.message, result.message


def test_entry_symmetric_pool_agrees_on_odd_maps():
    # why the check uses an even side: on odd sides the two paddings compute the same
    x = torch.randn(1, 2, 9, 9)
    assert torch.equal(nn.MaxPool2d(3, 2, padding=1)(x), MaxPool2dTFSame(3, 2)(x))
    y = torch.randn(1, 2, 10, 10)
    assert not torch.equal(nn.MaxPool2d(3, 2, padding=1)(y), MaxPool2dTFSame(3, 2)(y))


def test_entry_repeated_failure_names_the_fix():
    wrong = functools.partial(Entry, stride=1)
    first, second = _verdict("08.entry_block", wrong), _verdict("08.entry_block", wrong)
    assert "stride=2" not in first.message
    assert "The fix: give the shortcut's 1x1 conv stride=2" in second.message


# --- every exercise: the stub -----------------------------------------------------------------------------


class Stub(nn.Module):
    def __init__(self, *channels):
        super().__init__()

    def forward(self, x):
        raise NotImplementedError("your forward here")


@pytest.mark.parametrize("exercise_id", ["08.separable_conv2d", "08.middle_block", "08.entry_block"])
def test_the_stub_is_not_done_yet(exercise_id):
    assert exercise_id in exercises.known() and lesson.check is exercises.check
    assert _verdict(exercise_id, Stub).message.startswith("Not done yet")
