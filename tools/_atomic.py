"""Replace a file all at once: the new text goes to a temporary file in the same folder, is flushed to
disk (``fsync``), then takes the old file's name (``os.replace``, atomic on POSIX and Windows). A full disk,
a crash or Ctrl-C midway leaves the old file whole, never half of the new one, and no temporary behind."""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def _new_file_mode() -> int:
    mask = os.umask(0)  # the only way to read the umask is to set it
    os.umask(mask)
    return 0o666 & ~mask


def write_text(path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically, keeping the permissions of the file it replaces."""
    path = Path(os.path.realpath(path))  # through a symlink, replace its target, not the link
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else _new_file_mode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding) as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)  # mkstemp makes it 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
