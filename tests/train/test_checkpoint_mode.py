"""A checkpoint and its history get the mode any new file gets (0666 less the umask), not the temporary
file's 0600: a course's shared folder (umask 002 or 027) lets the group read them."""
import os
import stat

import pytest
import torch

from xception_edu.train import checkpoint


@pytest.fixture(params=[0o002, 0o027, 0o077])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_written_files_follow_the_umask(umask, tmp_path):
    saved = checkpoint.save_atomic({"x": torch.ones(2)}, tmp_path / checkpoint.LATEST)
    text = checkpoint.write_text_atomic(tmp_path / "history.json", "[]")
    with open(tmp_path / "plain", "w"):  # what the operating system gives any new file
        pass
    want = stat.S_IMODE(os.stat(tmp_path / "plain").st_mode)
    assert want == 0o666 & ~umask
    for path in (saved, text):
        assert stat.S_IMODE(os.stat(path).st_mode) == want, oct(os.stat(path).st_mode)
