"""What the exercise checks of the lessons share, so that every check can fail: a closed form tried
over a grid of inputs wide enough that a formula right only for the default sizes fails, with the
typical mistakes named; and, for a module the learner builds, the layers that are not part of the
figure (an activation where the paper has a ReLU)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn as nn

from ..exercises import Mismatch, attempt


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: what it computes from the same arguments, the nudge that names it (first
    failure) and the exact fix (shown from the second failure on)."""
    formula: Callable
    nudge: str
    fix: str | None = None


NOT_FINITE = (" That is not a number (nan or an infinity): somewhere a sum over an empty slice, or 0 divided "
              "by 0.")


def close(got, want, tol: float) -> bool:
    """``got`` is within ``tol`` of ``want``, and both are finite: the one tolerance comparison of the
    checks, because ``abs(got - want) > tol`` is False for NaN, so a NaN answer would pass."""
    if isinstance(got, (str, bytes)):  # float("0.5") would pass: a number is asked for
        return False
    try:
        got, want = float(got), float(want)
    except (TypeError, ValueError, RuntimeError):
        return False
    return math.isfinite(got) and math.isfinite(want) and abs(got - want) <= tol


def same_value(got, want, rel_tol: float = 1e-9) -> bool:
    """``got`` equals ``want``: exactly for an int, to ``rel_tol`` for a float, element-wise for a
    tuple. Numbers may come as Python, NumPy or 0-d torch values; anything else is not equal."""
    if isinstance(want, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(want) and \
            all(same_value(g, w, rel_tol) for g, w in zip(got, want))
    if isinstance(got, (str, bytes)):  # float("6") would pass: a number is asked for
        return False
    try:
        value = float(got)
    except (TypeError, ValueError, RuntimeError):
        return False
    if not math.isfinite(value):  # float("inf") == inf would pass an infinite answer
        return False
    if isinstance(want, int):
        return value == want
    return math.isclose(value, want, rel_tol=rel_tol, abs_tol=1e-12)


def show(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v) for v in value) + ")"
    return repr(value) if not isinstance(value, int) else str(value)


def _computes(mistake: Mistake, args, got) -> bool:
    try:
        return same_value(got, mistake.formula(*args))
    except (ArithmeticError, ValueError):  # the mistaken formula itself undefined there: not this one
        return False


def closed_form(name: str, fn: Callable, grid: Sequence[tuple], want: Callable,
                mistakes: Sequence[Mistake] = (), nudge: str = "", fix: str | None = None,
                describe: Callable | None = None, rel_tol: float = 1e-9) -> None:
    """Check ``fn(*args) == want(*args)`` for every ``args`` in ``grid``; on a miss raise ``Mismatch``
    naming the first failing call and the mistake the answer makes: the one whose formula matches the
    answer on the whole grid, else at that call, else the general ``nudge``/``fix``. ``describe(*args)``
    words the call when the arguments are not what the learner's function receives; ``rel_tol`` is a
    float's tolerance (1e-6 where a float32 tensor's answer is right too). A crash on a case
    of the grid is a miss at that case, with the general ``nudge``."""
    def said(args):
        return describe(*args) if describe else f"{name}({', '.join(map(repr, args))})"

    results = [(args, attempt(fn, args, said(args), nudge, fix)) for args in grid]
    for args, got in results:
        expected = want(*args)
        if same_value(got, expected, rel_tol):
            continue
        said = said(args)
        call = f"{said} returned {show(got)}, expected {show(expected)}."
        if got is None:
            raise Mismatch(f"{call} Your function returns nothing: did you forget `return`?", fix=fix)
        everywhere = [m for m in mistakes if all(_computes(m, a, g) for a, g in results)]
        here = [m for m in mistakes if _computes(m, args, got)]
        found = (everywhere or here or [None])[0]
        if found is None:
            raise Mismatch(f"{call} {nudge}".rstrip(), fix=fix)
        raise Mismatch(f"{call} {found.nudge}", fix=found.fix if found.fix is not None else fix)


def separating(candidates: Sequence[tuple], want: Callable, mistakes: Sequence[Mistake],
               grid: Sequence[tuple] = ()) -> list[tuple]:
    """``grid`` and, from ``candidates``, for each mistake the first case where its formula differs from
    ``want``, then for each two mistakes still alike there the first case where they differ: a grid
    chosen by the mistakes (a slip that matters only at a multiple of 16 is tried at one), on which the
    hint names the mistake made."""
    chosen = list(grid)

    def first(differ):
        return next((a for a in candidates if differ(a)), None)

    for m in mistakes:
        if not any(not _computes(m, a, want(*a)) for a in chosen):
            args = first(lambda a, m=m: not _computes(m, a, want(*a)))
            if args is None:
                raise ValueError(f"no candidate separates the mistake {m.nudge[:40]!r} from the answer")
            chosen.append(args)
    for i, m in enumerate(mistakes):
        for other in mistakes[i + 1:]:
            if m.nudge != other.nudge and all(_computes(m, a, other.formula(*a)) for a in chosen):
                args = first(lambda a, m=m, o=other: not _computes(m, a, o.formula(*a)))
                if args is not None:
                    chosen.append(args)
    return chosen


BUILD_CRASH = "Every size the task allows must build: run that call yourself and read the error."
FORWARD_CRASH = ("Each layer must fit what it receives: a conv's in_channels (a BN's num_features) must be "
                 "the channels of its input.")
"""The nudges for a learner's module that crashes while the check builds it or runs it (``attempt``)."""

OUTPUT_RTOL, OUTPUT_ATOL = 1e-4, 1e-5
"""How far a learner's module may be from the package's, weights shared: float32 sums taken in another
order (a functional forward, another concatenation) differ by rounding, a wrong layer by far more."""


@torch.no_grad()
def same_output(got, want: torch.Tensor) -> bool:
    """``got`` is the output ``want``: the learner's module, with the reference's weights, computes the same
    function. Same shape, every element within ``OUTPUT_ATOL + OUTPUT_RTOL * |want|``, and finite (the
    one module comparison of the build checks, refusing NaN through ``close``)."""
    if not isinstance(got, torch.Tensor) or got.shape != want.shape:
        return False
    if got.numel() == 0:
        return True
    got, want = got.double(), want.double()
    excess = ((got - want).abs() / (OUTPUT_ATOL + OUTPUT_RTOL * want.abs())).max()
    return close(excess, 0.0, 1.0)


def mistake_made(got, candidates: dict[str, torch.Tensor]) -> str | None:
    """The first hint of ``candidates`` ({hint: what that mistake computes}) whose output ``got`` is."""
    return next((hint for hint, out in candidates.items() if same_output(got, out)), None)


NOT_AN_ACTIVATION = (nn.Conv2d, nn.ReLU, nn.Identity, nn.Sequential, nn.ModuleList)


NORMALIZATION = (nn.modules.batchnorm._NormBase, nn.GroupNorm, nn.LayerNorm)


def extra_layers_hint(module: nn.Module, figure: str) -> str | None:
    """What the learner's module has that ``figure`` (``"Fig. 2"``) lacks, in words: a normalization
    layer is named as one (it is not a non-linearity), another activation as a stand-in for the ReLU."""
    others = foreign_layers(module)
    norms = sorted({type(m).__name__ for m in module.modules() if isinstance(m, NORMALIZATION)})
    acts = [o for o in others if o not in norms]
    if acts:
        return f"your module uses {', '.join(acts)}; {figure} follows each conv with a ReLU"
    if norms:
        return (f"your module normalizes with {', '.join(norms)}: {figure} has no normalization layer (the "
                "BN after each conv comes with Xception, Fig. 5)")
    return None


def foreign_layers(module: nn.Module) -> list[str]:
    """The kinds of leaf layer in ``module`` that are neither a conv nor a ReLU (e.g. Sigmoid, Tanh, BN):
    what a build exercise names when the learner's module computes something else than the figure."""
    return sorted({type(m).__name__ for m in module.modules()
                   if not isinstance(m, NOT_AN_ACTIVATION) and not list(m.children())})
