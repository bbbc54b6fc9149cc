"""Notebook 05's miniature of Fig. 10 (Sec. 4) read as the paired design it is: within one seed every
variant gets the same data, initial weights and batches, so the variants are compared seed by seed (a
difference per seed against a reference variant), not by their pooled seed ranges."""

from __future__ import annotations

import torch

__all__ = ["end_losses", "paired_differences", "paired_table", "sign_p", "still_falling"]


def end_losses(runs: dict, last: int = 10) -> dict:
    """Each variant's loss at the end of training, per seed: the mean of its last ``last`` steps."""
    return {name: losses[:, -last:].double().mean(1) for name, losses in runs.items()}


def paired_differences(runs: dict, reference=None, last: int = 10) -> dict:
    """variant -> (seeds,) end loss minus the ``reference`` variant's end loss IN THE SAME SEED, for every
    variant but the reference (negative: the variant ends lower in that seed)."""
    if reference not in runs:
        raise ValueError(f"reference={reference!r} is not one of the variants {list(runs)}")
    end = end_losses(runs, last)
    return {name: e - end[reference] for name, e in end.items() if name != reference}


def sign_p(n: int) -> float:
    """One-sided p-value of the sign test when all ``n`` paired differences share the predicted sign: the
    chance of that under 'no difference' (each sign a fair coin), 1/2**n; the smallest it can be."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n={n!r}: the number of paired differences must be a positive int")
    return 0.5 ** n


def still_falling(losses: torch.Tensor, window: int = 10) -> torch.Tensor:
    """Per seed of a (seeds, steps) tensor: is the mean loss of the last ``window`` steps below that of
    the ``window`` steps before (training had not levelled off)?"""
    if losses.shape[1] < 2 * window:
        raise ValueError(f"{losses.shape[1]} steps: need at least 2 * window = {2 * window}")
    return losses[:, -window:].double().mean(1) < losses[:, -2 * window:-window].double().mean(1)


def paired_table(runs: dict, reference=None, names=None, last: int = 10) -> str:
    """Text: per variant, its end loss minus the reference's in each seed, and how many seeds agree."""
    names = names or {}
    diffs = paired_differences(runs, reference, last)
    ref = names.get(reference, str(reference))
    lines = [f"end loss (mean of the last {last} steps) minus {ref}'s, in the same seed:"]
    for name, d in diffs.items():
        seeds = ", ".join(f"{v:+.2f}" for v in d.tolist())
        lines.append(f"  {names.get(name, str(name)):8s} {seeds}   lower in {int((d < 0).sum())} of {len(d)} "
                     "seeds")
    return "\n".join(lines)
