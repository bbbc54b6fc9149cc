"""Wrong modules a learner builds in the build exercises (notebooks 02, 04, 08): each is the figure's
module with one plausible mistake, written in plain torch, independently of the package."""
import torch
import torch.nn as nn

from xception_edu.model import MaxPool2dTFSame


class Towers(nn.Module):  # notebook 02's given helper
    def __init__(self, towers):
        super().__init__()
        self.towers = nn.ModuleList(towers)

    def forward(self, x):
        return torch.cat([tower(x) for tower in self.towers], dim=1)


def fig2(mid=nn.ReLU, out=nn.ReLU, bias=False, width=None, padding=1, front=None):
    """A learner's build_simplified with one thing changed."""
    def build(cin, cout, towers):
        w = cout // towers if width is None else width(cout, towers)
        return Towers(nn.Sequential(*([front()] if front else []), nn.Conv2d(cin, w, 1, bias=bias), mid(),
                                    nn.Conv2d(w, w, 3, padding=padding, bias=bias), out())
                      for _ in range(towers))
    return build


def fig4(first=nn.ReLU, second=nn.ReLU, groups=None, bias=False, padding=1):
    """A learner's build_extreme with one thing changed."""
    def build(cin, c):
        return nn.Sequential(nn.Conv2d(cin, c, 1, bias=bias), first(),
                             nn.Conv2d(c, c, 3, padding=padding, groups=c if groups is None else groups(c),
                                       bias=bias), second())
    return build



def _sep(cin, cout, k=3, pointwise_first=False, bias=False):
    mid = cout if pointwise_first else cin
    depthwise = nn.Conv2d(mid, mid, k, padding=k // 2, groups=mid, bias=bias)
    pointwise = nn.Conv2d(cin, cout, 1, bias=bias)
    return nn.Sequential(pointwise, depthwise) if pointwise_first else nn.Sequential(depthwise, pointwise)


class SeparableFig4Order(nn.Module):  # 08.separable_conv2d, the 1x1 conv first
    def __init__(self, cin, cout, k=3):
        super().__init__()
        self.op = _sep(cin, cout, k, pointwise_first=True)

    def forward(self, x):
        return self.op(x)


class SeparableBiased(SeparableFig4Order):
    def __init__(self, cin, cout, k=3):
        nn.Module.__init__(self)
        self.op = _sep(cin, cout, k, bias=True)


class MiddleNoShortcut(nn.Module):  # 08.middle_block without Fig. 5's '+'
    def __init__(self, c):
        super().__init__()
        self.units = nn.Sequential(*(nn.Sequential(nn.ReLU(), _sep(c, c), nn.BatchNorm2d(c))
                                     for _ in range(3)))

    def forward(self, x):
        return self.units(x)


class MiddleReluLast(MiddleNoShortcut):
    def __init__(self, c):
        nn.Module.__init__(self)
        self.units = nn.Sequential(*(nn.Sequential(_sep(c, c), nn.BatchNorm2d(c), nn.ReLU())
                                     for _ in range(3)))

    def forward(self, x):
        return self.units(x) + x


class EntryNoPool(nn.Module):  # 08.entry_block whose branch keeps the map size
    def __init__(self, cin, cout):
        super().__init__()
        self.branch = nn.Sequential(nn.ReLU(), _sep(cin, cout), nn.BatchNorm2d(cout),
                                    nn.ReLU(), _sep(cout, cout), nn.BatchNorm2d(cout))
        self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=2, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return self.branch(x) + self.shortcut(x)


class EntryBareShortcut(EntryNoPool):
    def __init__(self, cin, cout):
        super().__init__(cin, cout)
        self.branch.append(MaxPool2dTFSame(3, 2))
        self.shortcut = nn.Conv2d(cin, cout, 1, stride=2, bias=False)
