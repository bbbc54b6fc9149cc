"""Checkpoints that survive a crash: written to a temporary file in the same folder, flushed to
disk, then renamed over the old one (a rename is atomic on POSIX), so a kill at any moment leaves
either the previous checkpoint or the new one, never half of one. Loaded with ``weights_only=True``:
a checkpoint is data, and loading it must not run code.
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import pickle
import random
import tempfile
import zipfile

import numpy as np
import torch

LATEST = "last.pt"


class CorruptCheckpoint(ValueError):
    """A checkpoint file that cannot be read back: empty, truncated, or not a checkpoint at all."""


def _write_atomic(path, write) -> pathlib.Path:
    """Call ``write(file)`` on a temporary file next to ``path``, fsync it, then rename it over ``path``;
    the file gets the mode any new file gets (0666 less the umask)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide the file from a shared folder's group
        os.replace(tmp, path)
    except BaseException as e:
        pathlib.Path(tmp).unlink(missing_ok=True)
        if isinstance(e, (OSError, RuntimeError)):  # torch.save reports a full disk as a RuntimeError
            raise OSError(f"could not write {path}: {e} (is the disk full, or the folder read-only?); "
                          "the previous file is kept") from e
        raise
    _fsync_dir(path.parent)
    return path


def _umask() -> int:
    """The process's umask (read by setting it, then putting it back: there is no other way to read it)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _fsync_dir(folder: pathlib.Path) -> None:
    """Make the rename itself durable: a crash right after it must not bring the old file back."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms (Windows) cannot open a folder; the rename is still atomic
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_orphans(folder) -> list[pathlib.Path]:
    """Delete the temporary files that killed writes left in ``folder`` (``.<name>.*.tmp``); returns them.
    Call it only holding the folder's lock (``guard.claim`` does): no other process is writing there."""
    folder = pathlib.Path(folder)
    orphans = sorted(folder.glob(".*.tmp")) if folder.is_dir() else []
    for p in orphans:
        p.unlink(missing_ok=True)
    return orphans


def save_atomic(obj, path) -> pathlib.Path:
    """``torch.save`` to ``path`` so that a reader never sees a partial file."""
    return _write_atomic(path, lambda f: torch.save(obj, f))


def write_text_atomic(path, text: str) -> pathlib.Path:
    return _write_atomic(path, lambda f: f.write(text.encode()))


def load(path, map_location="cpu") -> dict:
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}; train first, or point --checkpoint-dir at "
                                f"the folder that holds {LATEST}")
    if path.stat().st_size == 0:
        raise CorruptCheckpoint(f"the checkpoint {path} is empty (0 bytes): it was not written by this "
                                "trainer, or its disk filled up; delete it to start again")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, EOFError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as e:
        raise CorruptCheckpoint(f"the checkpoint {path} is corrupt or truncated ({type(e).__name__}: "
                                f"{str(e).split('. ')[0]}); delete it to start again, "
                                "or put back a copy") from e


# RNG states are kept as tensors and plain Python values, which weights_only loading accepts.

def rng_state() -> dict:
    np_state = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {"keys": torch.from_numpy(np_state[1].astype(np.int64)), "pos": int(np_state[2]),
                  "has_gauss": int(np_state[3]), "cached_gaussian": float(np_state[4])},
        "python": random.getstate(),  # (version, tuple of ints, float | None): plain data
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def differences(saved: dict, now: dict) -> dict:
    """``{'model.width': (0.25, 0.5), ...}``: the entries of two identities that differ (nested one level).
    An empty ``saved`` (a checkpoint from before identities were recorded) differs in nothing."""
    out = {}
    for part in saved:
        a, b = saved.get(part, {}), now.get(part, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                out[f"{part}.{key}"] = (a.get(key), b.get(key))
    return out


def check_resumable(state: dict, identity: dict, settings: dict, world_size: int, folder) -> None:
    """Refuse, with a ValueError naming each difference, to resume from ``state`` (the checkpoint in
    ``folder``) another model or other data (``identity``), or with other settings that change the
    trajectory or another number of processes: the run could not continue exactly."""
    changed = differences(state.get("identity") or {}, identity)
    if changed:
        raise ValueError(f"cannot resume: the checkpoint in {folder} was made for another "
                         f"{' and '.join(sorted({k.split('.')[0] for k in changed}))}: "
                         + "; ".join(f"{k} was {a!r}, now {b!r}" for k, (a, b) in changed.items())
                         + "; use the same model and data, or a new --checkpoint-dir")
    saved = state["config"]
    diff = {k: (saved.get(k), settings[k]) for k in settings if saved.get(k) != settings[k]}
    if diff or state["world_size"] != world_size:
        raise ValueError(f"cannot resume exactly: the checkpoint in {folder} was made with different "
                         f"settings {diff or ''} (world size {state['world_size']} vs {world_size}); "
                         "use the same options, or a new --checkpoint-dir")


def identity(model: torch.nn.Module, dataset) -> dict:
    """What a run trains and on what, as plain data: the model's configuration (its ``config``, a dict or
    a dataclass, else its parameter shapes) and the training set's (type, length, classes, and where it
    came from)."""
    config = getattr(model, "config", None) or {
        "shapes": {k: list(v.shape) for k, v in model.state_dict().items()}}
    if dataclasses.is_dataclass(config):
        config = dataclasses.asdict(config)
    data = {"type": type(dataset).__name__, "length": len(dataset),
            "classes": len(getattr(dataset, "classes", ()) or ()), **getattr(dataset, "identity", {})}
    return {"model": {"class": type(model).__name__, **config}, "data": data}


def non_finite(state: dict, **more: dict) -> list[str]:
    """Names of the floating-point tensors of ``state`` (and of each state in ``more``, its names prefixed
    ``name.``) that hold an inf or a NaN: a checkpoint of them could not be resumed from."""
    tensors = [(k, v) for k, v in state.items() if v.is_floating_point()]
    tensors += [(f"{p}.{k}", v) for p, s in more.items() for k, v in s.items() if v.is_floating_point()]
    if bool(torch.stack([torch.isfinite(v).all() for _, v in tensors]).all()):  # one device sync
        return []
    return [name for name, v in tensors if not bool(torch.isfinite(v).all())]
