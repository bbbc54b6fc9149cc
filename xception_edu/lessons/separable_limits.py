"""What a depthwise separable conv (Sec. 1.2) cannot do. Depthwise then pointwise is one regular conv whose
weight is W[o, c] = p[o, c] · d_c: every output channel o mixes the SAME C spatial filters d_c, each
scaled by one number. So for each input channel c, the C' x k² matrix M_c whose row o is W[o, c] has rank
at most 1, and the channels do not share parameters: the best separable approximation of any regular
weight (least squares on the weights) is the best rank-1 approximation of every M_c, its top singular
pair (Eckart-Young), and its squared error is the sum of every M_c's other squared singular values."""

from __future__ import annotations

import torch

from .figures import WEIGHT_CMAP, Described, described

__all__ = ["best_separable", "degrees_of_freedom", "limits_figure", "limits_text", "reachable_dimension",
           "separable_weight"]


def separable_weight(depthwise: torch.Tensor, pointwise: torch.Tensor) -> torch.Tensor:
    """The regular weight (C', C, k, k) of depthwise (C, 1, k, k) then pointwise (C', C, 1, 1)."""
    if depthwise.dim() != 4 or depthwise.shape[1] != 1 or pointwise.dim() != 4 or \
            pointwise.shape[1:] != (depthwise.shape[0], 1, 1):
        raise ValueError(f"depthwise {tuple(depthwise.shape)} and pointwise {tuple(pointwise.shape)}: want "
                         "(C, 1, k, k) and (C', C, 1, 1)")
    return pointwise * depthwise.transpose(0, 1)  # (C', C, 1, 1) * (1, C, k, k): W[o, c] = p[o, c] * d_c


def degrees_of_freedom(cin: int, cout: int, k: int) -> dict[str, int]:
    """Weights of a regular k x k conv, of a separable one, and the dimension of the set of kernels the
    separable one reaches: C fewer than its weights, since (a·d_c, p[:, c]/a) gives the same kernel."""
    return {"regular": k * k * cin * cout, "separable": k * k * cin + cin * cout,
            "reachable": k * k * cin + cin * cout - cin}


def reachable_dimension(cin: int, cout: int, k: int, seed: int = 0) -> int:
    """The rank of the map (d, p) -> W at random weights: the dimension of the separable kernels near them,
    measured (the Jacobian's rank), to compare with ``degrees_of_freedom``."""
    g = torch.Generator().manual_seed(seed)
    d = torch.randn(cin, 1, k, k, generator=g, dtype=torch.float64)
    p = torch.randn(cout, cin, 1, 1, generator=g, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(separable_weight, (d, p))
    rows = cout * cin * k * k
    return int(torch.linalg.matrix_rank(torch.cat([j.reshape(rows, -1) for j in jac], dim=1)))


def best_separable(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The depthwise (C, 1, k, k) and pointwise (C', C, 1, 1) weights whose product is nearest to a regular
    ``weight`` (C', C, k, k) in the sum of squared weight differences, and the relative error
    ||W - W_sep|| / ||W||: input channel c's top singular pair of M_c (its row o is W[o, c] flattened)."""
    if weight.dim() != 4 or weight.shape[-1] != weight.shape[-2]:
        raise ValueError(f"weight of shape {tuple(weight.shape)}: want (C', C, k, k)")
    cout, cin, k, _ = weight.shape
    m = weight.double().transpose(0, 1).reshape(cin, cout, k * k)        # M_c for every input channel c
    u, s, vh = torch.linalg.svd(m, full_matrices=False)
    depthwise = (s[:, :1, None] * vh[:, :1]).reshape(cin, 1, k, k)    # d_c = sigma_1 v_1
    pointwise = u[:, :, 0].T.reshape(cout, cin, 1, 1)                  # p[:, c] = u_1
    total = float(weight.double().norm())
    error = float(s[:, 1:].square().sum().sqrt()) / total if total else 0.0
    return depthwise.to(weight.dtype), pointwise.to(weight.dtype), error


def _channel_spectra(weight: torch.Tensor) -> torch.Tensor:
    """Singular values of each M_c, (C, min(C', k²)): the first is what a separable conv keeps."""
    cout, cin, k, _ = weight.shape
    return torch.linalg.svdvals(weight.double().transpose(0, 1).reshape(cin, cout, k * k))


def limits_text(weight: torch.Tensor, channel_names=("R", "G", "B")) -> str:
    """The figure's text alternative, computed from ``weight``: per input channel, how many different
    spatial patterns the output channels use (the rank of M_c) and the share of its squared weight a
    separable conv keeps; then the relative error of the best separable approximation."""
    s = _channel_spectra(weight)
    _, _, error = best_separable(weight)
    lines = [f"A regular conv from {weight.shape[1]} to {weight.shape[0]} channels, {weight.shape[-1]}x"
             f"{weight.shape[-1]}, and its best separable approximation."]
    for c, sv in enumerate(s):
        name = channel_names[c] if c < len(channel_names) else f"channel {c}"
        rank = int((sv > 1e-9 * max(float(sv[0]), 1e-300)).sum()) if float(sv[0]) > 0 else 0
        kept = float(sv[0] ** 2 / sv.square().sum()) if rank else 1.0
        if not rank:
            lines.append(f"Input channel {name}: no output channel uses it (all its weights are zero).")
            continue
        lines.append(f"Input channel {name}: the output channels use {rank} independent spatial "
                     f"pattern{'s' if rank != 1 else ''} in it; a separable conv keeps one, {kept:.0%} of "
                     "its squared weight.")
    lines.append(f"Relative error of the best separable approximation: {error:.0%}.")
    return "\n".join(lines)


def _mosaic(weight: torch.Tensor) -> torch.Tensor:
    """(C' x C) k x k kernels laid out in a grid with a one-pixel NaN gap: rows outputs, columns inputs."""
    cout, cin, k, _ = weight.shape
    grid = torch.full((cout * (k + 1) - 1, cin * (k + 1) - 1), float("nan"))
    for o in range(cout):
        for c in range(cin):
            grid[o * (k + 1):o * (k + 1) + k, c * (k + 1):c * (k + 1) + k] = weight[o, c]
    return grid


def limits_figure(weight: torch.Tensor, channel_names=("R", "G", "B")) -> Described:
    """Left, the regular weight (row o: output channel o's kernel; column c: its slice for input channel c);
    middle, the best separable approximation (in each column, every row is one filter d_c scaled); right,
    each input channel's singular values, the kept one hatched. Colour is the weight value; the ranks and
    the error are in the titles and in ``limits_text``."""
    import matplotlib.pyplot as plt

    d, p, error = best_separable(weight)
    approx = separable_weight(d, p)
    cout, cin, k, _ = weight.shape
    names = [channel_names[c] if c < len(channel_names) else str(c) for c in range(cin)]
    lim = float(weight.abs().max())
    fig, axes = plt.subplots(1, 3, figsize=(11, 4.2), dpi=80, layout="constrained",
                             gridspec_kw={"width_ratios": [1, 1, 1.3]})
    for ax, w, title in ((axes[0], weight, "regular conv: any kernel"),
                         (axes[1], approx, f"best separable: error {error:.0%}")):
        im = ax.imshow(_mosaic(w.detach()).numpy(), cmap=WEIGHT_CMAP, vmin=-lim, vmax=lim)
        ax.set_title(title, fontsize=11)
        ax.set_xticks([c * (k + 1) + k // 2 for c in range(cin)], [f"in {n}" for n in names], fontsize=10)
        ax.set_yticks([o * (k + 1) + k // 2 for o in range(cout)], [f"out {o}" for o in range(cout)],
                      fontsize=10)
        ax.tick_params(length=0)
    fig.colorbar(im, ax=axes[1], fraction=0.05, label="weight").ax.tick_params(labelsize=10)
    s = _channel_spectra(weight)
    width = 0.8 / s.shape[1]
    for i in range(s.shape[1]):
        axes[2].bar([c + (i - (s.shape[1] - 1) / 2) * width for c in range(cin)], s[:, i].numpy(),
                    width, color="white", edgecolor="black", hatch="//" if i == 0 else None,
                    label="kept (1st)" if i == 0 else ("lost (2nd, 3rd, ...)" if i == 1 else None))
    axes[2].set_xticks(range(cin), [f"in {n}" for n in names], fontsize=10)
    axes[2].set_ylabel("singular value of M_c", fontsize=10)
    axes[2].set_title("patterns per input channel", fontsize=11)
    axes[2].tick_params(labelsize=10)
    axes[2].legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2)
    return described(fig, limits_text(weight, channel_names).replace("\n", " "))
