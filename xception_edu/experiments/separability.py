"""How separable are a conv's kernels (Sec. 1.1-1.2)? The share of a kernel's energy that one channel mix
times one spatial pattern keeps, which is exactly what a 1x1 conv followed by a depthwise conv computes
(Fig. 4); against the chance level of random kernels, and for what training added to them.

    kernel_separability(w)        share of a conv kernel's energy a rank-1 channel x space factor keeps
    random_separability(...)      the same for random kernels of the same shape: the chance level
    pointwise_depthwise(conv)     a conv's best rank-1 version, as 1x1 conv -> depthwise conv (Fig. 4)
    separability_report(model)    every regular k x k conv of a model, against chance (and its init)
"""
from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn as nn

from .._validate import positive_int


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
                   dilation=conv.dilation, groups=cout, bias=conv.bias is not None,
                   padding_mode=conv.padding_mode)
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
                    raise ValueError(f"initial has no {key!r}: "
                                     "pass the state dict of this same model before training")
                w0 = initial[key].detach().to(torch.float64).cpu()
                delta = m.weight.detach().to(torch.float64).cpu() - w0
                moved = float(delta.norm() / w0.norm())
                update = kernel_separability(delta) if delta.abs().sum() > 0 else float("nan")
            rows.append(LayerSeparability(name, (cout, cin, kh, kw), kernel_separability(m), rand, moved,
                                          update))
    if not rows:
        raise ValueError(f"{type(model).__name__} has no regular k x k conv (groups=1, k > 1) to analyse")
    return rows
