"""One run per folder, and no run that erases another by a slip.

A checkpoint folder (or an experiments results folder) is held by one process at a time: a lock file
held with ``fcntl.flock`` for the run's life. The operating system drops the lock when the process dies,
however it dies, so a killed run never leaves its folder locked; a second command meets the lock and
names the process that holds it. A folder that already holds a finished or stopped run's ``last.pt`` is
continued with ``--resume`` or replaced only with an explicit ``--overwrite``.
"""
from __future__ import annotations

import os
import pathlib

from .checkpoint import LATEST, clean_orphans

try:
    import fcntl
except ImportError:  # Windows has no flock: there the folder is not locked
    fcntl = None

LOCK = ".run.lock"


class FolderInUse(RuntimeError):
    """Another process holds the folder's lock."""


class FolderLock:
    """``fcntl.flock`` on ``folder/.run.lock``, taken at once or refused (``FolderInUse``)."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.path = self.folder / LOCK
        self._file = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> FolderLock:
        if self.held or fcntl is None:
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            f = open(self.path, "a+")  # noqa: SIM115 (held open for the run's life, closed in release)
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.seek(0)
                pid = f.read().strip() or "unknown"
                f.close()
                raise FolderInUse(f"another run (pid {pid}) is using {self.folder}; wait for it to end, "
                                  "or give another folder") from None
            # The holder before us may have removed the file after we opened it: lock the file on disk.
            try:
                same = os.path.samestat(os.fstat(f.fileno()), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            f.close()
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        self._file = f
        return self

    def release(self) -> None:
        """Remove the lock file, then unlock: a process waiting on the old file sees it is gone."""
        if self._file is None:
            return
        self.path.unlink(missing_ok=True)
        self._file.close()
        self._file = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def claim(folder, resume: bool, overwrite: bool, main: bool = True) -> FolderLock | None:
    """Hold ``folder`` for a run: lock it (on the ``main`` process only: one lock per folder, not per
    rank), refuse to start over another run (``check_fresh``), then, holding the lock, delete the
    temporary files of writes a kill interrupted: no other process can be writing them."""
    lock = FolderLock(folder).acquire() if main else None
    try:
        check_fresh(folder, resume, overwrite)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    if lock is not None:
        clean_orphans(folder)
    return lock


def check_fresh(folder, resume: bool, overwrite: bool) -> None:
    """Refuse to start a new run over the checkpoint of another unless told which way on."""
    path = pathlib.Path(folder) / LATEST
    if path.exists() and not resume and not overwrite:
        raise ValueError(f"{path} already holds a run: continue it with --resume (resume=True), or give "
                         "another --checkpoint-dir; --overwrite (overwrite=True) replaces it")
