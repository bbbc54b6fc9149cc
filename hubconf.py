"""One-line loads through ``torch.hub``: the Xception of Fig. 5 and the course's presets.

    model = torch.hub.load("path/to/xception-edu", "xception", source="local")   # Fig. 5, random init
    model = torch.hub.load("path/to/xception-edu", "xception", source="local", pretrained=True)
    model = torch.hub.load("path/to/xception-edu", "xception_small", source="local", num_classes=10)

Pretrained weights (timm's ``legacy_xception``, the author's Keras weights) come from a local file or the
caches only, never a download (``xception_edu/model/pretrained.py``); when none is found the error says
how to get them.
"""
from xception_edu.model import presets as _presets
from xception_edu.model import pretrained as _pretrained

dependencies = ["torch", "torchvision"]


def xception(pretrained: bool = False, weights=None, **overrides):
    """Xception of Fig. 5 as published (22,855,952 parameters with 1000 classes; 299 px inputs).

    pretrained  True: the ImageNet weights, from ``weights`` (a file or the folder holding it) or the local
                caches, in eval mode, computing what timm's model computes (``Xception.from_timm``).
    overrides   ``XceptionConfig`` fields, e.g. ``num_classes=10``, ``middle_repeats=4``.
    """
    if pretrained or weights is not None:
        return _pretrained.load(weights, **overrides)
    return _presets.model("paper", **overrides)


def xception_small(**overrides):
    """The course's CPU-sized Xception (width 0.25, 2 middle blocks, for 80 px inputs); random init."""
    return _presets.model("small", **overrides)
