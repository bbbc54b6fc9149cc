"""The one colour photograph the suite uses: matplotlib's sample picture of Grace Hopper (it ships with
matplotlib, so nothing is downloaded), whole, as a small square, or cut into regions."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F

# (top, bottom, left, right) of regions of matplotlib's sample photograph (600 x 512), chosen by eye.
PHOTO_REGIONS = {
    "whole photo": (0, 600, 0, 512),
    "face": (150, 330, 170, 350),
    "flag": (0, 250, 0, 150),
    "blue background": (0, 150, 420, 512),
    "uniform": (380, 500, 300, 450),
}


def grace_hopper() -> torch.Tensor:
    """The full photograph, (3, 600, 512) float in [0, 1]."""
    import matplotlib.cbook as cbook
    import matplotlib.pyplot as plt

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return torch.from_numpy(np.array(plt.imread(f, format="jpg"))).permute(2, 0, 1).float() / 255.0


def load_photo(size: int = 96) -> torch.Tensor:
    """The photograph as a ``(3, size, size)`` float tensor in [0, 1]: cropped to a square a little above
    the centre (it keeps the face), then resized with antialiasing."""
    x = grace_hopper()
    h, w = x.shape[1:]
    side = min(h, w)
    top = (h - side) // 4
    x = x[:, top:top + side, (w - side) // 2:(w - side) // 2 + side]
    return F.interpolate(x[None], size=(size, size), mode="bilinear", antialias=True,
                         align_corners=False)[0].clamp(0, 1)


def photo_regions() -> OrderedDict[str, torch.Tensor]:
    """The photograph and regions of it (``PHOTO_REGIONS``), each (3, H, W) float in [0, 1], full
    resolution. Colour photographs are what ImageNet models, and the paper, learn from."""
    img = grace_hopper()
    return OrderedDict((name, img[:, top:bottom, left:right].contiguous())
                       for name, (top, bottom, left, right) in PHOTO_REGIONS.items())
