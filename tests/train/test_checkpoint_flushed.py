"""A checkpoint reaches the disk before it takes the old one's name: ``save_atomic`` fsyncs the temporary
file, whole, before ``os.replace`` renames it into place, then fsyncs the folder (the rename itself)."""
import os
import stat

import pytest
import torch

from xception_edu.train import checkpoint


@pytest.mark.parametrize("write", ["save_atomic", "write_text_atomic"])
def test_the_temporary_file_is_flushed_to_disk_before_the_rename(write, tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        st = os.fstat(fd)
        events.append(("fsync", st.st_ino, st.st_size, stat.S_ISDIR(st.st_mode)))
        return real_fsync(fd)

    def replace(src, dst):
        st = os.stat(src)
        events.append(("replace", st.st_ino, st.st_size, str(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "run" / checkpoint.LATEST
    target.parent.mkdir()
    target.write_bytes(b"the previous checkpoint")
    if write == "save_atomic":
        checkpoint.save_atomic({"w": torch.arange(1000.0)}, target)
    else:
        checkpoint.write_text_atomic(target, "x" * 1000)  # less than a file buffer: unflushed, it stays there

    [rename] = [i for i, e in enumerate(events) if e[0] == "replace"]
    _, inode, size, dst = events[rename]
    assert dst == str(target) and size == target.stat().st_size > 0
    # the very file renamed was fsynced before the rename, with every byte already written to it
    assert ("fsync", inode, size, False) in events[:rename], events
    # and the folder after it, so that a crash right after the rename cannot bring the old file back
    folder = target.parent.stat().st_ino
    assert ("fsync", folder) in [e[:2] for e in events[rename + 1:] if e[3] is True], events
