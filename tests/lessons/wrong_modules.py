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


def fig2(mid=nn.ReLU, out=nn.ReLU, bias=False, width=None, padding=1, front=None, spatial_bias=None,
         norm=None):
    """A learner's build_simplified with one thing changed (``spatial_bias``: the 3x3's alone; ``norm``: a
    layer after the 3x3)."""
    def build(cin, cout, towers):
        w = cout // towers if width is None else width(cout, towers)
        return Towers(nn.Sequential(*([front()] if front else []), nn.Conv2d(cin, w, 1, bias=bias), mid(),
                                    nn.Conv2d(w, w, 3, padding=padding,
                                              bias=bias if spatial_bias is None else spatial_bias),
                                    *([norm(w)] if norm else []), out())
                      for _ in range(towers))
    return build


class SpatialFirstTower(nn.Module):
    """Fig. 2's tower with its 3x3 conv defined before its 1x1 conv, called 1x1 first: a right answer."""

    def __init__(self, cin, w):
        super().__init__()
        self.spatial = nn.Conv2d(w, w, 3, padding=1, bias=False)
        self.pointwise = nn.Conv2d(cin, w, 1, bias=False)

    def forward(self, x):
        return torch.relu(self.spatial(torch.relu(self.pointwise(x))))


def fig4(first=nn.ReLU, second=nn.ReLU, groups=None, bias=False, padding=1, spatial_bias=None):
    """A learner's build_extreme with one thing changed (``spatial_bias``: the 3x3's alone)."""
    def build(cin, c):
        return nn.Sequential(nn.Conv2d(cin, c, 1, bias=bias), first(),
                             nn.Conv2d(c, c, 3, padding=padding, groups=c if groups is None else groups(c),
                                       bias=bias if spatial_bias is None else spatial_bias), second())
    return build


def fig4_spatial_first(cin, c):
    """build_extreme in a depthwise separable conv's order: the 3x3 (one filter per channel) first."""
    return nn.Sequential(nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False), nn.ReLU(),
                         nn.Conv2d(cin, c, 1, bias=False), nn.ReLU())



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


class SeparableWithBN(SeparableFig4Order):  # 08.separable_conv2d with a BN between its two steps
    def __init__(self, cin, cout, k=3):
        nn.Module.__init__(self)
        self.op = nn.Sequential(nn.Conv2d(cin, cin, k, padding=k // 2, groups=cin, bias=False),
                                nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 1, bias=False))


class SeparableFunctional(nn.Module):  # 08.separable_conv2d written with F.conv2d: a right answer
    def __init__(self, cin, cout, k=3):
        super().__init__()
        self.depthwise = nn.Parameter(torch.randn(cin, 1, k, k))
        self.pointwise = nn.Parameter(torch.randn(cout, cin, 1, 1))

    def forward(self, x):
        k = self.depthwise.shape[-1]
        h = torch.nn.functional.conv2d(x, self.depthwise, padding=k // 2, groups=x.shape[1])
        return torch.nn.functional.conv2d(h, self.pointwise)


class MiddleRebound(nn.Module):  # 08.middle_block whose first ReLU's output takes the name x
    def __init__(self, c):
        super().__init__()
        self.relu = nn.ReLU()
        self.seps = nn.ModuleList(_sep(c, c) for _ in range(3))
        self.bns = nn.ModuleList(nn.BatchNorm2d(c) for _ in range(3))

    def forward(self, x):
        x = self.relu(x)
        h = self.bns[0](self.seps[0](x))
        for sep, bn in zip(self.seps[1:], self.bns[1:]):
            h = bn(sep(self.relu(h)))
        return h + x


class EntryRebound(EntryNoPool):  # 08.entry_block whose first ReLU's output takes the name x
    def __init__(self, cin, cout):
        super().__init__(cin, cout)
        self.branch.append(MaxPool2dTFSame(3, 2))

    def forward(self, x):
        x = self.branch[0](x)
        return self.branch[1:](x) + self.shortcut(x)


# --- modules that crash while the check builds or runs them: a miss naming the call -----------------------

def fig2_spatial_reads_input(cin, cout, towers):
    """build_simplified whose 3x3 convs read the module's cin channels, not their tower's: the forward
    crashes (built fine, run on an input it fails)."""
    w = cout // towers
    return Towers(nn.Sequential(nn.Conv2d(cin, w, 1, bias=False), nn.ReLU(),
                                nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.ReLU())
                  for _ in range(towers))


def fig4_spatial_reads_input(cin, c):
    """build_extreme whose 3x3 conv reads the input's cin channels: cannot even be built when c does not
    divide cin (groups=c)."""
    return nn.Sequential(nn.Conv2d(cin, c, 1, bias=False), nn.ReLU(),
                         nn.Conv2d(cin, c, 3, padding=1, groups=c, bias=False), nn.ReLU())


def fig4_depthwise_on_input(cin, c):
    """build_extreme whose depthwise conv is one filter per INPUT channel: the forward crashes."""
    return nn.Sequential(nn.Conv2d(cin, c, 1, bias=False), nn.ReLU(),
                         nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False), nn.ReLU())


class SeparableOneWidth(nn.Module):  # 08.separable_conv2d built as cls(channels, kernel_size)
    def __init__(self, channels, kernel_size=3):
        super().__init__()
        self.op = _sep(channels, channels, kernel_size)

    def forward(self, x):
        return self.op(x)


class SeparablePointwiseOnOut(SeparableOneWidth):  # the 1x1 conv reads out_channels: the forward crashes
    def __init__(self, cin, cout, k=3):
        nn.Module.__init__(self)
        self.op = nn.Sequential(nn.Conv2d(cin, cin, k, padding=k // 2, groups=cin, bias=False),
                                nn.Conv2d(cout, cout, 1, bias=False))


class MiddleInOut(MiddleNoShortcut):  # 08.middle_block built as cls(in_channels, out_channels)
    def __init__(self, cin, cout):
        super().__init__(cout)

    def forward(self, x):
        return self.units(x) + x


class EntryBnOnInput(EntryNoPool):  # 08.entry_block whose first BN has the input's channels: crashes
    def __init__(self, cin, cout):
        super().__init__(cin, cout)
        self.branch[2] = nn.BatchNorm2d(cin)
        self.branch.append(MaxPool2dTFSame(3, 2))
