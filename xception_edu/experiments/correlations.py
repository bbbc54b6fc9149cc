"""Measuring the two kinds of correlation the Inception hypothesis is about (Sec. 1.1, notebook 06).

Sec. 1.1 states the hypothesis behind Inception, and Xception takes it to its extreme: "cross-channel
correlations and spatial correlations are sufficiently decoupled that it is preferable not to map them
jointly". This module measures the two kinds, rather than assuming them:

    channel_correlation(x)        C x C Pearson matrix of the channels (an image, or feature maps)
    autocorrelation(x, d)         correlation of each channel with itself shifted by 0..d pixels
    collect_maps(model, x)        feature maps of chosen layers (forward hooks)
    correlation_profile(maps)     per layer: cross-channel |r| against chance, spatial reach

Every measure works on plain tensors, so the same code runs on a small net trained here or on the
ImageNet weights of a torchvision or timm model.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

from .._validate import non_negative_int


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
    non_negative_int("max_distance", max_distance)
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



# --- feature maps -----------------------------------------------------------------------------------------

def collect_maps(model: nn.Module, x: torch.Tensor, layers=None) -> OrderedDict[str, torch.Tensor]:
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


def correlation_profile(maps, input_size: int | None = None,
                        max_distance: int = 6) -> list[LayerCorrelations]:
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
