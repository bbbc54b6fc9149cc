"""Argument checks shared by every module: bad input gets a ValueError that names the value and says
what would be valid, before any tensor is built."""
from __future__ import annotations

import math

import torch.nn as nn

ACTIVATIONS = (None, "none", "relu", "elu")
"""What may sit between the two steps of a separable conv (Fig. 10): nothing, ReLU or ELU."""


def divisors(n: int) -> list[int]:
    """All positive divisors of ``n``, ascending: the group counts a grouped conv over n channels accepts."""
    positive_int("n", n)
    return [d for d in range(1, n + 1) if n % d == 0]


def common_divisors(*ns: int) -> list[int]:
    """The positive integers that divide every one of ``ns``, ascending: the group counts a grouped conv
    touching all these channel counts accepts."""
    if not ns:
        raise ValueError("common_divisors needs at least one channel count")
    return [d for d in divisors(min(ns)) if all(positive_int("n", n) % d == 0 for n in ns)]


def is_int(value) -> bool:
    """An int that is not a bool (True == 1 would otherwise pass for a count)."""
    return isinstance(value, int) and not isinstance(value, bool)


def positive_int(name: str, value, note: str = "") -> int:
    """``note``, if given, follows the rule in the message, e.g. " (the paper: 8)"."""
    if not is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer{note}, got {value!r}")
    return value


def finite_number(name: str, value, low: float = -math.inf, high: float = math.inf, *,
                  open_low: bool = False, open_high: bool = False, note: str = "") -> float:
    """A real number (not a bool, NaN or infinity) from ``low`` to ``high``, each end included unless
    ``open_low`` / ``open_high``."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < low or value > high or (open_low and value == low) or (open_high and value == high):
        interval = f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
        raise ValueError(f"{name} must be a finite number in {interval}{note}, got {value!r}")
    return value


def boolean(name: str, value, note: str = "") -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False{note}, got {value!r}")
    return value


def size_pair(name: str, value) -> tuple[int, int]:
    """A map size ``(height, width)`` of positive ints: a 0 or negative side would give plausible-looking
    but meaningless counts (a negative number of multiply-adds), so it is refused."""
    ok = isinstance(value, (tuple, list)) and len(value) == 2
    if not ok or any(not is_int(v) or v < 1 for v in value):
        raise ValueError(f"{name} must be a (height, width) pair of positive integers, got {value!r}")
    return tuple(value)


def non_negative_int(name: str, value, note: str = "") -> int:
    if not is_int(value) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0{note}, got {value!r}")
    return value


def choice(name: str, value, choices, note: str = ""):
    """``value`` if it is one of ``choices``, else a ValueError that lists them (``note`` after the list)."""
    # True == 1: a bool is one of the choices only if it is there itself
    found = any(c is value for c in choices) if isinstance(value, bool) else value in choices
    if not found:
        raise ValueError(f"{name}={value!r} is not one of {tuple(choices)}{note}")
    return value


def odd_kernel(kernel_size) -> int:
    """'same' padding (k // 2 on each side) keeps the size only for an odd kernel."""
    positive_int("kernel_size", kernel_size)
    if kernel_size % 2 == 0:
        raise ValueError(
            f"kernel_size={kernel_size} is even, so 'same' padding cannot keep the spatial size; "
            f"use an odd size such as {kernel_size - 1} or {kernel_size + 1}"
        )
    return kernel_size


def groups_divide(groups, *channels: tuple[str, int]) -> int:
    """A grouped conv needs ``groups`` to divide every channel count it touches."""
    for name, c in channels:
        positive_int(name, c)
    positive_int("groups", groups)
    for name, c in channels:
        if c % groups:
            common = common_divisors(*(n for _, n in channels))
            names = " and ".join(f"{n}={v}" for n, v in channels)
            raise ValueError(
                f"groups={groups} does not divide {name}={c}; valid group counts for {names} "
                f"are the common divisors {common}"
            )
    return groups


def activation(name: str | None) -> nn.Module:
    """The module for one of ``ACTIVATIONS`` (Fig. 10): None and 'none' are the identity."""
    if name is None or name == "none":
        return nn.Identity()
    if name == "relu":
        return nn.ReLU()
    if name == "elu":
        return nn.ELU()
    raise ValueError(f"activation {name!r} is not one of {ACTIVATIONS}")


def in_out(in_channels, out_channels) -> None:
    """Every operator of the family takes (in_channels, out_channels, ...): both positive integers."""
    positive_int("in_channels", in_channels)
    positive_int("out_channels", out_channels)
