"""What a run prints: a closed output or a console that cannot show a path does not stop it (real
processes: the output is the process's), an error in a loader worker (a real worker process) is one line
naming the file, and under torchrun an error says which rank it comes from."""
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from xception_edu.train import checkpoint, cli, console

TINY = ["--preset", "small", "--width", "0.25", "--middle-repeats", "1", "--image-size", "71",
        "--synthetic-train", "16", "--synthetic-val", "8", "--batch-size", "8", "--no-progress",
        "--workers", "0", "--device", "cpu", "--epochs", "1"]
# An ASCII console (PYTHONIOENCODING, as a C locale without UTF-8 gives).
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore", "PYTHONIOENCODING": "ascii"}


def train(args, **kw):
    return subprocess.Popen([sys.executable, "-m", "xception_edu.train", *TINY, *args], env=ENV,
                            stderr=subprocess.PIPE, text=True, **kw)


def test_an_ascii_console_or_a_closed_output_does_not_stop_training(tmp_path):
    # A non-ASCII checkpoint folder on an ASCII console: the path is printed escaped, the run goes on.
    folder = tmp_path / "café"
    with open(tmp_path / "out.txt", "w") as out:
        p = train(["--checkpoint-dir", str(folder), "--resume"], stdout=out)
        err = p.communicate(timeout=300)[1]
    assert p.returncode == 0, err[-2000:]
    printed = (tmp_path / "out.txt").read_text()
    assert f"No checkpoint at {tmp_path}/caf\\xe9/last.pt yet" in printed and "done: 2 steps" in printed
    # The reader went away before the first line (as `| head -1` does after its first): one warning on
    # stderr, the run trains to its end and keeps its checkpoint and history.
    folder = tmp_path / "closed"
    p = train(["--checkpoint-dir", str(folder)], stdout=subprocess.PIPE)
    p.stdout.close()
    err = p.communicate(timeout=300)[1]
    assert p.returncode == 0, err[-2000:]
    assert err.count("warning: the output was closed; the run goes on without printing") == 1
    assert "error" not in err
    assert checkpoint.load(folder / checkpoint.LATEST)["position"]["global_step"] == 2
    assert [row["step"] for row in json.loads((folder / "history.json").read_text())] == [2]


def test_a_console_that_cannot_encode_gets_the_text_escaped():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    console.Tolerant(stream).write("caf\u00e9 \u2713\n")
    assert raw.getvalue() == b"caf\\xe9 \\u2713\n"


@pytest.fixture
def bad_folder(tmp_path):
    """An ImageNet-layout folder whose training set holds a file that is not an image."""
    rng = np.random.default_rng(0)
    for split, n in (("train", 8), ("val", 2)):
        for name in ("cat", "dog"):
            (tmp_path / split / name).mkdir(parents=True)
            for i in range(n):
                Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(
                    tmp_path / split / name / f"{i}.jpg")
    bad = tmp_path / "train" / "cat" / "bad.jpg"
    bad.write_bytes(b"not an image")
    return tmp_path, bad


@pytest.mark.filterwarnings("ignore:Training on the CPU")
@pytest.mark.parametrize("workers", ["0", "2"])
def test_an_unreadable_image_is_one_line_naming_it_with_or_without_workers(bad_folder, workers, capsys):
    root, bad = bad_folder
    args = [*TINY, "--data", "folder", "--data-dir", str(root), "--workers", workers,
            "--batch-size", "17"]  # all 17 training images in one batch: it holds the bad file
    assert cli.main(args) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot read image {bad}: cannot identify image")
    assert lines[0].endswith("Delete or replace the file.")


@pytest.mark.parametrize("env,prefix", [({"WORLD_SIZE": "2", "RANK": "1"}, "rank 1: "),
                                        ({"WORLD_SIZE": "1", "RANK": "0"}, ""), ({}, "")])
def test_an_error_under_torchrun_names_its_rank(env, prefix, monkeypatch):
    for k in ("WORLD_SIZE", "RANK"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert console.rank_prefix() == prefix
