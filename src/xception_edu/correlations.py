"""Measuring the two kinds of correlation the Inception hypothesis is about (notebook 06).

Sec. 1.1 of the paper states the hypothesis behind Inception, and Xception takes it to its extreme:
"cross-channel correlations and spatial correlations are sufficiently decoupled that it is preferable
not to map them jointly". Sec. 1.2 places the operators on a continuum, from a regular convolution (one
kernel maps both jointly) through Inception modules (a few channel segments) to the depthwise separable
convolution (one spatial filter per channel). This module measures, rather than assumes:

    channel_correlation(x)        C x C Pearson matrix of the channels (an image, or feature maps)
    autocorrelation(x, d)         correlation of each channel with itself shifted by 0..d pixels
    photo_regions()               the colour photograph that ships with matplotlib, and regions of it
    kernel_separability(w)        share of a conv kernel's energy a rank-1 channel x space factor keeps
    random_separability(...)      the same for random kernels of the same shape: the chance level
    pointwise_depthwise(conv)     a conv's best rank-1 version, as 1x1 conv -> depthwise conv (Fig. 4)
    separability_report(model)    every regular k x k conv of a model, against chance (and its init)
    collect_maps(model, x)        feature maps of chosen layers (forward hooks)
    correlation_profile(maps)     per layer: cross-channel |r| against chance, spatial reach
    small_net(kind)               regular / Inception-style / separable nets at one parameter budget
    which_learns_what(...)        train them on the synthetic spatial / channel / joint tasks

Every measure works on plain tensors, so the same code runs on a small net trained here or on the
ImageNet weights of a torchvision or timm model (see ``separability_report``).
"""
from __future__ import annotations

import contextlib
import functools
import io
import math
import time
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn

from ._checks import positive_int
from .convs import SeparableConv2d, StandardConv
from .counting import count_params
from .devices import cpu_threads

KINDS = ("regular", "inception", "separable")
KIND_NAMES = {
    "regular": "regular conv (space and channels jointly)",
    "inception": "Inception-style (1x1, then 3x3 on g channel segments)",
    "separable": "depthwise separable (3x3 per channel, then 1x1)",
}
TASKS = ("spatial", "channel", "joint")
CONTROL = "shuffled"     # a control task: the spatial task's images with their labels shuffled
BUDGET = 24_000          # parameters of each small net (the regular one at width 16 has 23,956)
DEFAULT_GROUPS = 4       # channel segments of the Inception-style net: a few, as in Fig. 3


# --- correlations in images and feature maps ---------------------------------------------------------

def _as_nchw(x, name: str = "x") -> torch.Tensor:
    """(H, W), (C, H, W) or (N, C, H, W) -> float64 (N, C, H, W)."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a tensor or array of shape (H, W), (C, H, W) or (N, C, H, W), "
                        f"got {type(x).__name__}")
    if x.ndim == 2:
        x = x[None, None]
    elif x.ndim == 3:
        x = x[None]
    elif x.ndim != 4:
        raise ValueError(f"{name} must have shape (H, W), (C, H, W) or (N, C, H, W), got {tuple(x.shape)}")
    if x.numel() == 0:
        raise ValueError(f"{name} is empty: shape {tuple(x.shape)}")
    return x.detach().to(torch.float64)


def channel_correlation(x) -> torch.Tensor:
    """The C x C matrix of Pearson correlations between the channels of ``x``, over all pixels (and all
    images of a batch): how strongly what one channel shows predicts what another shows at the SAME
    place. These are the "cross-channel correlations" of Sec. 1.1.

    ``x``: (C, H, W) for one image or (N, C, H, W) for a batch of images or feature maps; (H, W) is one
    channel. Returns float64 (C, C), 1 on the diagonal. A constant channel (a "dead" ReLU unit) has no
    correlation: its row and column are NaN.
    """
    x = _as_nchw(x)
    return _correlations(_unit_rows(x.transpose(0, 1).reshape(x.shape[1], -1)))


def _unit_rows(flat: torch.Tensor) -> torch.Tensor:
    """Rows (..., C, P) centred and scaled to unit length; a constant row becomes NaN."""
    flat = flat - flat.mean(dim=-1, keepdim=True)
    norm = flat.square().sum(-1, keepdim=True).sqrt()
    return flat / torch.where(norm > 0, norm, torch.full_like(norm, float("nan")))


def _correlations(unit: torch.Tensor, other: torch.Tensor | None = None) -> torch.Tensor:
    """Pearson matrices (..., C, C) of unit rows (with ``other``: between the rows of both)."""
    if other is not None:
        return (unit @ other.transpose(-1, -2)).clamp(-1, 1)
    r = (unit @ unit.transpose(-1, -2)).clamp(-1, 1)
    eye = torch.eye(r.shape[-1], dtype=torch.bool)
    return torch.where(eye & ~r.isnan(), torch.ones_like(r), r)  # exactly 1 on a live channel's diagonal


def mean_abs_offdiagonal(matrix) -> float:
    """Mean |r| over the off-diagonal entries of a correlation matrix, ignoring NaN (dead channels):
    one number for "how correlated are the channels of this layer". 0 for a single channel."""
    m = torch.as_tensor(matrix, dtype=torch.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"a correlation matrix is square (C, C), got shape {tuple(m.shape)}")
    off = m[~torch.eye(len(m), dtype=torch.bool)].abs()
    off = off[~off.isnan()]
    return float(off.mean()) if off.numel() else 0.0


AXES = ("both", "horizontal", "vertical")


def autocorrelation(x, max_distance: int, axis: str = "both") -> torch.Tensor:
    """Spatial autocorrelation of each channel against pixel distance: the Pearson correlation between
    the channel and a copy of itself shifted by d = 0, 1, ..., ``max_distance`` pixels, over every pair
    of pixels d apart (and every image of a batch). These are the "spatial correlations" of Sec. 1.1.

    ``axis``: 'horizontal' (shifts along the width), 'vertical' (along the height) or 'both' (the pairs
    of both directions pooled). Returns float64 (C, max_distance + 1); column 0 is 1 (NaN for a constant
    channel). No wrap-around: at distance d only the pixel pairs inside the image count.
    """
    x = _as_nchw(x)
    if axis not in AXES:
        raise ValueError(f"axis={axis!r} is not one of {AXES}")
    if isinstance(max_distance, bool) or not isinstance(max_distance, int) or max_distance < 0:
        raise ValueError(f"max_distance must be a non-negative integer, got {max_distance!r}")
    n, c, h, w = x.shape
    limit = {"horizontal": w, "vertical": h, "both": min(h, w)}[axis]
    if max_distance >= limit:
        raise ValueError(f"max_distance={max_distance} needs maps larger than {max_distance} pixels along "
                         f"the {axis} axis; these are {h}x{w}: use max_distance <= {limit - 1}")
    x = x - x.mean(dim=(0, 2, 3), keepdim=True)  # centred once: the sums below lose no precision
    out = torch.empty(c, max_distance + 1, dtype=torch.float64)
    dims = (0, 2, 3)
    for d in range(max_distance + 1):
        pairs = []
        if axis in ("horizontal", "both"):
            pairs.append((x[..., :, : w - d], x[..., :, d:]))
        if axis in ("vertical", "both"):
            pairs.append((x[..., : h - d, :], x[..., d:, :]))
        # Pearson over all pairs of both directions, from running sums (no copies of the shifted maps).
        n = sum(a[0, 0].numel() * a.shape[0] for a, _ in pairs)
        sa = sum(a.sum(dims) for a, _ in pairs)
        sb = sum(b.sum(dims) for _, b in pairs)
        cov = sum((a * b).sum(dims) for a, b in pairs) - sa * sb / n
        var_a = sum(a.square().sum(dims) for a, _ in pairs) - sa * sa / n
        var_b = sum(b.square().sum(dims) for _, b in pairs) - sb * sb / n
        den = (var_a * var_b).sqrt()
        r = torch.where(den > 0, cov / torch.where(den > 0, den, torch.ones_like(den)), torch.nan)
        out[:, d] = r.clamp(-1, 1)
    return out


def correlation_length(curve, stride: float = 1.0, level: float = 0.5) -> float:
    """The distance at which an autocorrelation curve (column d = distance d) first falls to ``level``,
    linearly interpolated, in units of ``stride`` input pixels per map pixel. ``inf`` when it never does
    within the curve: the correlation reaches further than the curve was measured."""
    c = torch.as_tensor(curve, dtype=torch.float64).flatten()
    if c.numel() < 2:
        raise ValueError(f"an autocorrelation curve needs at least 2 distances, got {c.numel()}")
    for d in range(1, len(c)):
        if c[d] <= level:
            a, b = float(c[d - 1]), float(c[d])
            return stride * (d - 1 + (a - level) / (a - b))
    return math.inf


# --- photographs ------------------------------------------------------------------------------------------

# (top, bottom, left, right) of regions of matplotlib's sample photograph (600 x 512), chosen by eye.
PHOTO_REGIONS = {
    "whole photo": (0, 600, 0, 512),
    "face": (150, 330, 170, 350),
    "flag": (0, 250, 0, 150),
    "blue background": (0, 150, 420, 512),
    "uniform": (380, 500, 300, 450),
}


def photo_regions() -> "OrderedDict[str, torch.Tensor]":
    """Matplotlib's sample photograph of Grace Hopper (it ships with matplotlib: no download; it is the
    only colour photograph installed here) and regions of it, each (3, H, W) float in [0, 1], full
    resolution. Colour photographs are what ImageNet models, and the paper, learn from."""
    import matplotlib.cbook as cbook
    import matplotlib.pyplot as plt

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        img = torch.from_numpy(np.array(plt.imread(f, format="jpg"))).permute(2, 0, 1).float() / 255.0
    return OrderedDict((name, img[:, t:b, l:r].contiguous()) for name, (t, b, l, r) in PHOTO_REGIONS.items())


# --- kernel separability ----------------------------------------------------------------------------------

def _weight(weight) -> torch.Tensor:
    if isinstance(weight, nn.Conv2d):
        weight = weight.weight
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"expected an nn.Conv2d or its weight tensor, got {type(weight).__name__}")
    if weight.ndim != 4:
        raise ValueError(f"a conv weight has shape (C_out, C_in / groups, k, k), got {tuple(weight.shape)}")
    if weight.numel() == 0:
        raise ValueError(f"the weight is empty: shape {tuple(weight.shape)}")
    return weight.detach().to(torch.float64)


def filter_separability(weight) -> torch.Tensor:
    """For each output filter of a conv (``weight`` of shape (C_out, C_in, k, k), or the ``nn.Conv2d``):
    the share of its energy (sum of squared weights) kept by the best rank-1 factorisation
    ``filter[c, i, j] = channel[c] * spatial[i, j]``, i.e. sigma_1^2 / sum sigma^2 of the filter reshaped
    to a (C_in, k*k) matrix (Eckart-Young). 1 means the filter IS one spatial pattern applied to one fixed
    mix of channels: exactly what a 1x1 conv followed by a depthwise conv computes (Fig. 4, see
    ``pointwise_depthwise``). The lowest possible value is 1 / min(C_in, k*k). A 1x1 kernel is always 1.
    Returns float64 (C_out,); NaN for an all-zero filter."""
    w = _weight(weight)
    s2 = torch.linalg.svdvals(w.reshape(w.shape[0], w.shape[1], -1)).square()
    total = s2.sum(1)
    return torch.where(total > 0, s2[:, 0] / total, torch.full_like(total, float("nan")))


def kernel_separability(weight) -> float:
    """One number per layer: the share of the layer's kernel energy kept when every filter is replaced by
    its best rank-1 (channel x space) factorisation, sum_f sigma_1(f)^2 / sum_f ||filter_f||^2, so
    filters with more energy count more (``filter_separability`` gives them one by one). 1.0 for a
    kernel that a 1x1-then-depthwise pair computes exactly; compare with ``random_separability``.
    This measures Sec. 1.1's hypothesis on a trained regular conv: if cross-channel and spatial
    correlations were fully decoupled, its kernels would need no more than rank 1."""
    w = _weight(weight)
    s2 = torch.linalg.svdvals(w.reshape(w.shape[0], w.shape[1], -1)).square()
    total = float(s2.sum())
    if total == 0:
        raise ValueError("every filter of this kernel is zero: its separability is undefined")
    return float(s2[:, 0].sum()) / total


def random_separability(in_channels: int, kernel_size: int, out_channels: int = 256, seed: int = 0) -> float:
    """The chance level: ``kernel_separability`` of a kernel of i.i.d. Gaussian weights of shape
    (out_channels, in_channels, k, k) (what PyTorch's default initialisation draws, up to scale and
    shape of the distribution). Deterministic in ``seed``. For large C_in and k*k it approaches
    ``random_separability_limit``."""
    positive_int("in_channels", in_channels)
    positive_int("kernel_size", kernel_size)
    positive_int("out_channels", out_channels)
    g = torch.Generator().manual_seed(seed)
    return kernel_separability(torch.randn(out_channels, in_channels, kernel_size, kernel_size, generator=g,
                                           dtype=torch.float64))


def random_separability_limit(in_channels: int, kernel_size: int) -> float:
    """The large-matrix limit of ``random_separability`` (Marchenko-Pastur): for a p x q Gaussian matrix
    (p <= q), sigma_1^2 / sum sigma^2 -> (1 + sqrt(p / q))^2 / p. Good when both C_in and k*k are large;
    for a small matrix it is only approximate, so there use ``random_separability``."""
    positive_int("in_channels", in_channels)
    positive_int("kernel_size", kernel_size)
    p, q = sorted((in_channels, kernel_size * kernel_size))
    return (1 + math.sqrt(p / q)) ** 2 / p


def rank1_factors(weight) -> tuple[torch.Tensor, torch.Tensor]:
    """The best rank-1 factors of each filter: ``channel`` (C_out, C_in) and ``spatial`` (C_out, k, k)
    with ``channel[o][:, None, None] * spatial[o]`` the closest rank-1 filter to ``weight[o]`` (in the
    sum of squares). The sign is fixed so that the spatial factor's largest-magnitude tap is positive."""
    w = _weight(weight)
    cout, cin, kh, kw = w.shape
    u, s, vh = torch.linalg.svd(w.reshape(cout, cin, kh * kw), full_matrices=False)
    channel, spatial = u[:, :, 0] * s[:, :1], vh[:, 0, :]
    sign = torch.sign(spatial.gather(1, spatial.abs().argmax(1, keepdim=True)))
    sign[sign == 0] = 1
    return channel * sign, (spatial * sign).reshape(cout, kh, kw)


def pointwise_depthwise(conv: nn.Conv2d) -> nn.Sequential:
    """A regular conv's best rank-1 version, built as Fig. 4's two steps without the ReLU between them:
    a 1x1 conv C_in -> C_out (the channel factors) then a depthwise k x k conv (one spatial factor per
    output channel; same stride, padding and dilation; the conv's bias). It computes exactly what
    ``conv`` computes when ``kernel_separability(conv) == 1``, and otherwise what the conv would compute
    with each filter replaced by its rank-1 part. Cost: C_in*C_out + k*k*C_out instead of k*k*C_in*C_out."""
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"expected an nn.Conv2d, got {type(conv).__name__}")
    if conv.groups != 1:
        raise ValueError(f"pointwise_depthwise needs a regular conv (groups=1), got groups={conv.groups}")
    channel, spatial = rank1_factors(conv)
    cout, cin = channel.shape
    pw = nn.Conv2d(cin, cout, 1, bias=False)
    dw = nn.Conv2d(cout, cout, conv.kernel_size, stride=conv.stride, padding=conv.padding,
                   dilation=conv.dilation, groups=cout, bias=conv.bias is not None, padding_mode=conv.padding_mode)
    dtype = conv.weight.dtype
    with torch.no_grad():
        pw.weight.copy_(channel.to(dtype)[:, :, None, None])
        dw.weight.copy_(spatial.to(dtype)[:, None])
        if conv.bias is not None:
            dw.bias.copy_(conv.bias)
    return nn.Sequential(OrderedDict(pointwise=pw, depthwise=dw)).to(conv.weight.device)


@dataclass(frozen=True)
class LayerSeparability:
    """One regular conv of a model: its name and shape, its kernel separability and the chance level;
    given the weights before training, also how far training moved them (||W - W0|| / ||W0||) and the
    separability of what training added (W - W0)."""

    name: str
    shape: tuple[int, int, int, int]
    separability: float
    random: float
    moved: float | None = None
    update: float | None = None


def separability_report(model: nn.Module, initial=None, seed: int = 0) -> list[LayerSeparability]:
    """``kernel_separability`` of every regular k x k conv of ``model`` (groups=1, k > 1: a 1x1 kernel is
    rank 1 by construction, a depthwise kernel has one channel), next to the chance level for its shape.

    ``initial``: the model's state dict (or a copy of the model) before training. A short training run
    leaves much of the random initialisation in the weights, and that part is as separable as chance; the
    update W - W0 is what the data taught. Works on any PyTorch model: a small net trained here,
    torchvision's VGG or ResNet, timm's ``legacy_xception`` (whose only regular k x k convs are the two
    stem convs: everything else is already separable, Fig. 5)."""
    if isinstance(initial, nn.Module):
        initial = initial.state_dict()
    rows = []
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d) and m.groups == 1 and m.kernel_size[0] * m.kernel_size[1] > 1:
            cout, cin, kh, kw = m.weight.shape
            rand = random_separability(cin, kh, out_channels=cout, seed=seed) if kh == kw else float("nan")
            moved = update = None
            if initial is not None:
                key = f"{name}.weight"
                if key not in initial:
                    raise ValueError(f"initial has no {key!r}: pass the state dict of this same model before training")
                w0 = initial[key].detach().to(torch.float64).cpu()
                delta = m.weight.detach().to(torch.float64).cpu() - w0
                moved = float(delta.norm() / w0.norm())
                update = kernel_separability(delta) if delta.abs().sum() > 0 else float("nan")
            rows.append(LayerSeparability(name, (cout, cin, kh, kw), kernel_separability(m), rand, moved, update))
    if not rows:
        raise ValueError(f"{type(model).__name__} has no regular k x k conv (groups=1, k > 1) to analyse")
    return rows


# --- feature maps -----------------------------------------------------------------------------------------

def collect_maps(model: nn.Module, x: torch.Tensor, layers=None) -> "OrderedDict[str, torch.Tensor]":
    """Run ``model`` on ``x`` once (eval mode, no gradients; the mode is restored) and return the outputs
    of the named submodules ``layers`` (names from ``model.named_modules()``), in that order, captured
    with forward hooks. ``layers=None``: the model's ``map_layers`` if it has them (``SmallNet`` does)."""
    names = dict(model.named_modules())
    if layers is None:
        layers = getattr(model, "map_layers", None)
        if layers is None:
            raise ValueError(f"{type(model).__name__} names no map_layers: pass layers=[...] from "
                             f"model.named_modules(), e.g. {[n for n in names if n][:6]}")
    layers = [layers] if isinstance(layers, str) else list(layers)
    for name in layers:
        if name not in names or name == "":
            raise ValueError(f"{name!r} is not a submodule of {type(model).__name__}; some of its names: "
                             f"{[n for n in names if n][:12]}")
    out: OrderedDict[str, torch.Tensor] = OrderedDict()
    handles = []
    for name in layers:
        def hook(_m, _inputs, output, name=name):
            out[name] = output.detach().clone()
        handles.append(names[name].register_forward_hook(hook))
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return OrderedDict((name, out[name]) for name in layers)


@dataclass(frozen=True)
class LayerCorrelations:
    """Correlation summary of one layer's maps (see ``correlation_profile``)."""

    layer: str
    channels: int
    size: int
    stride: float            # input pixels per map pixel
    cross_channel: float     # mean |r| between different channels of one image (``mean_abs_offdiagonal``)
    chance: float            # the same between channels of two DIFFERENT images: what chance alone gives
    dead: int                # channels that are constant on these images
    half_distance: float     # input pixels at which the spatial autocorrelation falls to 0.5


def correlation_profile(maps, input_size: int | None = None, max_distance: int = 6) -> list[LayerCorrelations]:
    """For each entry of ``maps`` (name -> (N, C, H, W), e.g. from ``collect_maps``, with the input
    itself as a first entry if you like): the mean cross-channel |correlation| (within each image, then
    averaged over the images: different images may have different colour statistics) and the distance,
    in input pixels, over which the channels' spatial autocorrelation (averaged over channels) stays
    above 0.5. ``chance``: the mean |r| between the channels of image i and those of image i + 1, which
    are unrelated: on a small, smooth map even unrelated channels correlate by chance (a 4x4 map has only
    16 pixels), so read ``cross_channel`` against it. ``dead``: channels constant over all the images.
    ``input_size`` converts map pixels to input pixels (default: the first map's size)."""
    maps = OrderedDict(maps)
    if not maps:
        raise ValueError("maps is empty: pass {layer name: (N, C, H, W) tensor}")
    first = next(iter(maps.values()))
    input_size = input_size or first.shape[-1]
    rows = []
    for name, m in maps.items():
        m = _as_nchw(m, name)
        size = m.shape[-1]
        stride = input_size / size
        n, c = m.shape[:2]
        dead = int(channel_correlation(m).diagonal().isnan().sum())
        unit = _unit_rows(m.reshape(n, c, -1))                       # one correlation matrix per image
        per_image = _correlations(unit)[:, ~torch.eye(c, dtype=torch.bool)].abs()
        cross = float(per_image.nanmean()) if c > 1 else 0.0
        chance = float(_correlations(unit, unit.roll(1, dims=0)).abs().nanmean()) if n > 1 else float("nan")
        curve = autocorrelation(m, min(max_distance, size - 1))
        mean_curve = curve.nanmean(0) if dead < m.shape[1] else curve[0]
        rows.append(LayerCorrelations(name, m.shape[1], size, stride, cross, chance, dead,
                                      correlation_length(mean_curve, stride)))
    return rows


# --- small networks at one parameter budget --------------------------------------------------------------

def _inception_op(cin: int, cout: int, groups: int, stride: int) -> nn.Sequential:
    """Fig. 3's reformulated Inception module with a stride: a 1x1 conv, ReLU, then a 3x3 conv on
    ``groups`` non-overlapping channel segments (``SpectrumConv`` with a stride)."""
    return nn.Sequential(OrderedDict(
        pointwise=nn.Conv2d(cin, cout, 1, bias=False), relu=nn.ReLU(),
        spatial=nn.Conv2d(cout, cout, 3, stride=stride, padding=1, groups=groups, bias=False)))


def _op(kind: str, cin: int, cout: int, groups: int, stride: int) -> nn.Module:
    if kind == "regular":
        return StandardConv(cin, cout, 3, stride=stride)
    if kind == "inception":
        return _inception_op(cin, cout, groups, stride)
    return SeparableConv2d(cin, cout, 3, stride=stride)


def _check_kind(kind) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not one of {KINDS}")


class SmallNet(nn.Module):
    """Three stages of one operator ``kind`` (Sec. 1.2's continuum: 'regular', 'inception' with
    ``groups`` channel segments, or 'separable'), each op -> BN -> ReLU, widths (w, 2w, 4w); the first op
    has stride 2 and max-pools follow the first two stages (32 px -> 16 -> 8 -> 4), then global average
    pooling and a linear classifier. The same operator everywhere, the first layer included, so that the
    network cannot map channels and space jointly where ``kind`` says it should not."""

    def __init__(self, kind: str, width: int, groups: int = DEFAULT_GROUPS, classes: int = 4):
        super().__init__()
        _check_kind(kind)
        positive_int("width", width)
        positive_int("classes", classes)
        widths = (width, 2 * width, 4 * width)
        if kind == "inception":
            positive_int("groups", groups)
            if width % groups:
                raise ValueError(f"width={width} is not a multiple of groups={groups}: the Inception-style op "
                                 f"splits every stage's channels {widths} into {groups} segments")
        self.kind, self.width, self.groups = kind, width, groups if kind == "inception" else None
        layers, cin = OrderedDict(), 3
        for i, c in enumerate(widths, 1):
            layers[f"stage{i}"] = nn.Sequential(OrderedDict(
                op=_op(kind, cin, c, groups, 2 if i == 1 else 1), bn=nn.BatchNorm2d(c), relu=nn.ReLU()))
            if i < 3:
                layers[f"pool{i}"] = nn.MaxPool2d(2)
            cin = c
        self.features = nn.Sequential(layers)
        self.head = nn.Linear(cin, classes)
        self.map_layers = [f"features.stage{i}" for i in (1, 2, 3)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


def small_net(kind: str, budget: int = BUDGET, groups: int = DEFAULT_GROUPS, classes: int = 4) -> SmallNet:
    """A ``SmallNet`` of this ``kind`` whose width is chosen so that its parameter count is as close to
    ``budget`` as the width allows (a multiple of ``groups`` for 'inception'): separable convs are
    cheaper per channel (k*k*C_in + C_in*C_out vs k*k*C_in*C_out, Sec. 1.2), so they get more channels
    for the same parameters. At the default budget all three are within 10% of it."""
    _check_kind(kind)
    positive_int("budget", budget)
    step = groups if kind == "inception" else 1
    best, best_gap, w = None, math.inf, step
    while True:
        with torch.device("meta"):  # shapes only: no memory, no initialisation
            n = count_params(SmallNet(kind, w, groups, classes))
        if abs(n - budget) < best_gap:
            best, best_gap = w, abs(n - budget)
        if n > budget:
            break
        w += step
    return SmallNet(kind, best, groups, classes)


# --- the experiment: which operator learns which kind of correlation ------------------------------------

@dataclass
class Experiment:
    """The result of ``which_learns_what``: one row per (kind, task, seed) and the trained models."""

    rows: list[dict]
    models: dict = field(repr=False)
    initial: dict = field(repr=False, default_factory=dict)   # (kind, task, seed) -> state dict before training
    settings: dict = field(default_factory=dict)

    def accuracy(self, kind: str, task: str) -> list[float]:
        """Validation accuracies of ``kind`` on ``task``, one per seed."""
        return [r["val_acc"] for r in self.rows if r["kind"] == kind and r["task"] == task]

    def table(self) -> str:
        """Validation accuracy (mean over seeds, and each seed) of each kind on each task, as text."""
        tasks = list(dict.fromkeys(r["task"] for r in self.rows))
        kinds = list(dict.fromkeys(r["kind"] for r in self.rows))
        head = f"{'network':<12}{'params':>8}  " + "".join(f"{t:>22}" for t in tasks)
        lines = [head, "-" * len(head)]
        for k in kinds:
            params = next(r["params"] for r in self.rows if r["kind"] == k)
            cells = []
            for t in tasks:
                accs = self.accuracy(k, t)
                each = "/".join(f"{a:.2f}" for a in accs)
                cells.append(f"{np.mean(accs):.2f} ({each})" if len(accs) > 1 else f"{accs[0]:.2f}")
            lines.append(f"{k:<12}{params:>8,}  " + "".join(f"{c:>22}" for c in cells))
        chance = 1 / 4
        lines.append(f"(validation accuracy; chance = {chance:.2f}"
                     + ("; mean (seed by seed)" if len(self.settings.get("seeds", ())) > 1 else "") + ")")
        return "\n".join(lines)


def which_learns_what(tasks=TASKS, kinds=KINDS, seeds=(0,), n_train: int = 1024, n_val: int = 512,
                      image_size: int = 32, epochs: int = 4, budget: int = BUDGET, groups: int = DEFAULT_GROUPS,
                      batch_size: int = 64, lr: float | None = None, threads: int | None = 1,
                      verbose: bool = False) -> Experiment:
    """Train a regular, an Inception-style and a depthwise separable ``small_net`` (one parameter budget)
    on the synthetic tasks where the label is carried by spatial correlations only, by cross-channel
    correlations only, or by both jointly (``data.synthetic``), with the package's trainer (``engine.fit``,
    the 'cpu' recipe, no weight averaging); evaluate each on a held-out split. Same data and seed for
    every kind. The paper's hypothesis (Sec. 1.1) predicts no penalty for mapping the two kinds
    separately; the joint task is where a penalty would show. The task ``'shuffled'`` (``CONTROL``) is
    the spatial task with its labels shuffled (in training and validation): nothing general to learn,
    a control for what training does to the weights by itself.

    ``lr``: the learning rate (None: the 'cpu' recipe's). ``threads``: torch threads while training
    (restored after); tensors this small train fastest on one thread, above all on a busy 2-core machine
    (measured here: 3-8x faster than two threads while other processes ran). ``verbose``: show the
    trainer's per-epoch lines."""
    from . import engine

    tasks, kinds, seeds = tuple(tasks), tuple(kinds), tuple(seeds)
    for t in tasks:
        if t not in TASKS + (CONTROL,):
            raise ValueError(f"task {t!r} is not one of {TASKS + (CONTROL,)}")
    for k in kinds:
        _check_kind(k)
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed, e.g. seeds=(0,)")
    if n_train < batch_size:
        raise ValueError(f"n_train={n_train} is smaller than one batch of {batch_size}")
    rows, models, initial = [], {}, {}
    with cpu_threads(threads or None):
        for seed in seeds:
            for task in tasks:
                source = "spatial" if task == CONTROL else task
                train = _rendered(n_train, image_size, source, seed, "train")
                val = _rendered(n_val, image_size, source, seed, "val")
                if task == CONTROL:
                    train, val = _shuffled(train, seed), _shuffled(val, seed + 1)
                for kind in kinds:
                    torch.manual_seed(seed)
                    model = small_net(kind, budget, groups, classes=len(train.classes))
                    initial[(kind, task, seed)] = {k: v.clone() for k, v in model.state_dict().items()}
                    cfg = engine.recipe("cpu", epochs=epochs, batch_size=batch_size, progress=False,
                                        ema_decay=None, seed=seed, **({"lr": lr} if lr else {}))
                    t0 = time.perf_counter()
                    sink = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
                    with warnings.catch_warnings(), sink:
                        warnings.simplefilter("ignore")  # the trainer's "training on the CPU" note
                        trainer = engine.fit(model, train, None, cfg)
                    _, acc = trainer.evaluate(val)
                    model.eval()
                    rows.append(dict(kind=kind, task=task, seed=seed, params=count_params(model),
                                     width=model.width, val_acc=acc,
                                     train_acc=trainer.history[-1]["train_acc"],
                                     seconds=time.perf_counter() - t0))
                    models[(kind, task, seed)] = model
    settings = dict(tasks=tasks, kinds=kinds, seeds=seeds, n_train=n_train, n_val=n_val, image_size=image_size,
                    epochs=epochs, budget=budget, groups=groups, batch_size=batch_size, lr=lr)
    return Experiment(rows, models, initial, settings)


@functools.lru_cache(maxsize=16)
def _rendered(n: int, image_size: int, task: str, seed: int, split: str):
    """A synthetic split rendered into memory once per session (a few MB; rendering is the slow part).
    The trainer only reads it."""
    from .data.synthetic_data import synthetic

    return synthetic(n, image_size, task=task, seed=seed, split=split, materialize=True)


def _shuffled(ds, seed: int):
    """The same images with their labels permuted (``TensorImages``)."""
    from .data.synthetic_data import TensorImages

    perm = torch.randperm(len(ds), generator=torch.Generator().manual_seed(10_007 + seed))
    return TensorImages(ds.images, ds.targets_tensor[perm], ds.classes)
