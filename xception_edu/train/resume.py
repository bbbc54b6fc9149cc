"""What a checkpoint of the trainer holds (``state``), and resuming from one (``restore``): every part of
the file is checked before any is used, so a file that is not the trainer's, holds an inf or a NaN, or
points at an impossible position is one named error, never a traceback or a run that continues from
garbage.
"""
from __future__ import annotations

import dataclasses
import math

import torch

from . import checkpoint
from .checkpoint import CorruptCheckpoint
from .config import _MUST_MATCH

FORMAT, VERSION = "xception-edu trainer checkpoint", 1
PARTS = ("model", "ema", "optimizer", "scheduler", "scaler", "rng", "position", "history", "progress",
         "config", "world_size", "identity")


def settings(cfg) -> dict:
    """The settings a resumed run must share with the checkpoint to continue exactly."""
    return {k: v for k, v in dataclasses.asdict(cfg).items() if k in _MUST_MATCH}


def state(trainer) -> dict:
    """Everything an exact resume needs: weights, average, optimizer, schedule, scaler, RNG states, the
    position inside the epoch, the history and the epoch's sums so far (``progress``, mid-epoch)."""
    t = trainer
    return {
        "format": FORMAT, "version": VERSION,
        "model": t.model.state_dict(),
        "ema": t.ema.state_dict() if t.ema else None,
        "optimizer": t.optimizer.state_dict(),
        "scheduler": t.scheduler.state_dict(),
        "scaler": t.scaler.state_dict(),
        "rng": checkpoint.rng_state(),
        "position": {"epoch": t.epoch, "step_in_epoch": t.step_in_epoch, "global_step": t.global_step},
        "history": t.history,
        "progress": t._progress,
        "config": settings(t.cfg),
        "world_size": t.ctx.world_size,
        "identity": t.identity(),
    }


def restore(trainer, path, steps_per_epoch: int) -> None:
    """Load the checkpoint at ``path`` into ``trainer``, after checking all of it."""
    t = trainer
    s = checkpoint.load(path, map_location=t.ctx.device)
    check_parts(s, path)
    checkpoint.check_resumable(s, t.identity(), settings(t.cfg), t.ctx.world_size, path.parent)
    check_position(s["position"], path, steps_per_epoch)
    parts = [("model", t.model), ("ema", t.ema), ("optimizer", t.optimizer), ("scheduler", t.scheduler),
             ("scaler", t.scaler)]
    for part, target in parts:
        if target is None or s[part] is None:
            continue
        try:
            target.load_state_dict(s[part])
        except (RuntimeError, ValueError, KeyError, TypeError) as e:
            raise _refuse(path, f"its {part} does not fit this run ({' '.join(str(e).split())[:200]})") from e
    checkpoint.set_rng_state(s["rng"])
    pos = s["position"]
    t.epoch, t.step_in_epoch, t.global_step = pos["epoch"], pos["step_in_epoch"], pos["global_step"]
    # a row of a run stopped mid-epoch by max_steps is the uninterrupted run's row no more: dropped
    t.history = [r for r in s["history"] if float(r["epoch"]).is_integer()]
    t._progress = s["progress"]


def _refuse(path, what: str) -> CorruptCheckpoint:
    return CorruptCheckpoint(f"the checkpoint {path} cannot be resumed from: {what}; delete it (or give "
                             "another --checkpoint-dir) to start again")


def check_parts(s, path) -> None:
    """The trainer's own format, every part present and of its kind, every floating-point tensor finite."""
    if not isinstance(s, dict):
        raise _refuse(path, f"it holds a {type(s).__name__}, not the trainer's checkpoint")
    if s.get("format") != FORMAT:
        raise _refuse(path, "it is not in the trainer's format (no format field: made by another program "
                            "or an older version)")
    if s.get("version") != VERSION:
        raise _refuse(path, f"format version {s.get('version')!r}, this trainer reads version {VERSION}")
    missing = [p for p in PARTS if p not in s]
    if missing:
        raise _refuse(path, f"parts missing: {', '.join(missing)}")
    for part in ("model", "optimizer", "scheduler", "scaler", "rng", "position", "config", "identity"):
        if not isinstance(s[part], dict):
            raise _refuse(path, f"{part} is a {type(s[part]).__name__}, not a dict")
    _check_contents(s, path)


def _check_contents(s: dict, path) -> None:
    # the parts whose inside the trainer reads by hand: RNG states, history rows, epoch sums, tensors
    rng = s["rng"]
    if not (isinstance(rng.get("torch"), torch.Tensor) and isinstance(rng.get("numpy"), dict)
            and {"keys", "pos", "has_gauss", "cached_gaussian"} <= rng["numpy"].keys()
            and isinstance(rng.get("python"), (tuple, list)) and len(rng["python"]) == 3):
        raise _refuse(path, "its RNG state is incomplete (torch, numpy and python states are needed)")
    if not (isinstance(s["history"], list) and all(isinstance(r, dict) and _number(r.get("epoch"))
                                                   for r in s["history"])):
        raise _refuse(path, "its history is not a list of rows")
    p = s["progress"]
    if p is not None and not (isinstance(p, dict) and isinstance(p.get("sums"), list) and len(p["sums"]) == 3
                              and all(_number(v) for v in (*p["sums"], p.get("images"), p.get("seconds")))):
        raise _refuse(path, "its epoch sums (progress) are not three numbers, images and seconds")
    bad = _non_finite(s)
    if bad:
        raise _refuse(path, f"it holds inf or NaN ({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''})")


def check_position(pos: dict, path, steps_per_epoch: int) -> None:
    """A position this run can be at: epoch >= 0, a step inside the epoch, and as many steps in all as
    the epochs and the step make."""
    e, s, g = (pos.get(k) for k in ("epoch", "step_in_epoch", "global_step"))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (e, s, g)):
        raise _refuse(path, f"its position {pos!r} is not three integers")
    if e < 0:
        raise _refuse(path, f"epoch {e} is negative")
    if not 0 <= s < steps_per_epoch:
        raise _refuse(path, f"step {s} of an epoch of {steps_per_epoch} steps")
    if g != e * steps_per_epoch + s:
        raise _refuse(path, f"global step {g} is not epoch {e} x {steps_per_epoch} steps + step {s}")


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _non_finite(s: dict) -> list[str]:
    """Names of the floating-point tensors of the weights, their average and the optimizer's state that
    hold an inf or a NaN."""
    found = []

    def walk(name, v):
        if isinstance(v, torch.Tensor):
            if v.is_floating_point() and not bool(torch.isfinite(v).all()):
                found.append(name)
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(f"{name}.{k}", x)
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                walk(f"{name}.{i}", x)

    for part in ("model", "ema", "optimizer"):
        walk(part, s[part])
    return found
