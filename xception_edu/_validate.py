"""Argument checks shared by every module: bad input gets a ValueError that names the value and says
what would be valid, before any tensor is built."""
from __future__ import annotations

import torch.nn as nn

ACTIVATIONS = (None, "none", "relu", "elu")
"""What may sit between the two steps of a separable conv (Fig. 10): nothing, ReLU or ELU."""


def divisors(n: int) -> list[int]:
    """All positive divisors of ``n``, ascending: the group counts a grouped conv over n channels accepts."""
    positive_int("n", n)
    return [d for d in range(1, n + 1) if n % d == 0]


def positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def size_pair(name: str, value) -> tuple[int, int]:
    """A map size ``(height, width)`` of positive ints: a 0 or negative side would give plausible-looking
    but meaningless counts (a negative number of multiply-adds), so it is refused."""
    ok = isinstance(value, (tuple, list)) and len(value) == 2
    if not ok or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value):
        raise ValueError(f"{name} must be a (height, width) pair of positive integers, got {value!r}")
    return tuple(value)


def non_negative_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return value


def choice(name: str, value, choices):
    """``value`` if it is one of ``choices``, else a ValueError that lists them."""
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not one of {tuple(choices)}")
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
            common = sorted(set.intersection(*(set(divisors(n)) for _, n in channels)))
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
