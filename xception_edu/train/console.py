"""What a run prints, and how. Printing must not stop a run: a reader that went away (``... | head -1``, a
closed terminal) or a console that cannot show a character of a path (an ASCII console, a non-ASCII
checkpoint folder) costs the printing, never the training (a checkpoint folder's ``history.json`` keeps
the numbers the lines showed). And an error is one line, saying which process of a torchrun it comes from.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import sys

from .distributed import launched


class Tolerant(io.TextIOBase):
    """A text stream in front of ``stream``: each write is flushed at once; a character the stream cannot
    encode is written escaped (``\\xe9``); once the stream is gone (a closed pipe or file) the rest is
    dropped, with one warning on stderr."""

    def __init__(self, stream):
        self.stream = stream

    @property
    def encoding(self):
        return getattr(self.stream, "encoding", None)

    def isatty(self) -> bool:
        return self.stream is not None and self.stream.isatty()

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:  # for a library that writes to the descriptor itself
        if self.stream is None:
            raise io.UnsupportedOperation("the output was closed")
        return self.stream.fileno()

    def write(self, text: str) -> int:
        if self.stream is None:
            return len(text)
        try:
            try:
                self.stream.write(text)
            except UnicodeEncodeError:
                encoding = self.encoding or "ascii"
                self.stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
            self.stream.flush()
        except (OSError, ValueError):  # BrokenPipeError, or "I/O operation on closed file"
            self._gone()
        return len(text)

    def flush(self) -> None:
        if self.stream is not None:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self._gone()

    def _gone(self) -> None:
        # What could not be written stays in the stream's buffer: point its file at /dev/null, so that
        # the interpreter's last flush at exit does not fail again.
        with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self.stream.fileno())
            os.close(null)
        self.stream = None
        print("warning: the output was closed; the run goes on without printing", file=sys.stderr)


@contextlib.contextmanager
def tolerant_stdout():
    """Within, ``sys.stdout`` is ``Tolerant`` (a closed stdout, ``None``, stays as it is: print skips it)."""
    previous = sys.stdout
    if previous is not None and not isinstance(previous, Tolerant):
        sys.stdout = Tolerant(previous)
    try:
        yield
    finally:
        sys.stdout = previous


def one_line(e: BaseException) -> str:
    """An exception's message on one line (PyTorch's often span several), or its type if it has none. An
    error in a loader worker arrives with the worker's whole traceback: only its own message is kept."""
    text = str(e)
    worker = re.match(r"Caught (\w+) in DataLoader worker process \d+\.\nOriginal Traceback", text)
    if worker:  # the traceback ends with "module.Type: message"; the message may span lines
        starts = [m.end() for m in re.finditer(rf"^(?:[\w.]+\.)?{worker[1]}: ", text, re.MULTILINE)]
        text = text[starts[-1]:] if starts else text
    return " ".join(text.split()) or type(e).__name__


def rank_prefix() -> str:
    """Under torchrun, which process speaks ("rank 1: "), since every rank prints its own error."""
    rank, world, _ = launched()
    return f"rank {rank}: " if world > 1 else ""
