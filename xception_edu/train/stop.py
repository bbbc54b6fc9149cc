"""Ctrl-C (SIGINT) and SIGTERM (a job scheduler's stop) end a run cleanly: the signal is only noted, the
trainer finishes the step it is in, saves a checkpoint there (when it has a folder), and raises ``Stopped``;
the command line prints one line and exits 128 + the signal's number (130, 143), as a shell expects.
"""
from __future__ import annotations

import contextlib
import signal

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: int | None = None


class Stopped(Exception):
    """The run stopped at a step boundary on a signal; ``exit_code`` is 128 + the signal's number."""

    def __init__(self, signum: int, step: int, saved: bool):
        self.signum, self.step, self.exit_code = signum, step, 128 + signum
        super().__init__(f"stopped at step {step}; resume with --resume" if saved else
                         f"stopped at step {step}; nothing saved (no --checkpoint-dir)")


def received() -> int | None:
    """The first SIGINT or SIGTERM received inside ``on_signals``, or None."""
    return _received


def _note(signum, frame) -> None:
    global _received
    if _received is None:  # a second signal (torchrun forwards one after Ctrl-C) changes nothing
        _received = signum


@contextlib.contextmanager
def on_signals():
    """Within, SIGINT and SIGTERM are noted (``received``) instead of ending the process at once."""
    global _received
    _received = None
    previous = {s: signal.signal(s, _note) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _received = None


def ignore_in_worker(worker_id: int | None = None) -> None:
    """A loader worker ignores Ctrl-C (the terminal sends it to the whole process group): the main process
    decides when to stop, and needs its workers until the step it is in has its batch. (A forked worker
    inherits the note-only handler anyway; a spawned one, as on macOS, would die of KeyboardInterrupt.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
