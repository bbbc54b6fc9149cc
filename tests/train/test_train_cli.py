"""The command line as a user runs it: real subprocesses for SIGKILL + resume and for 2-process DDP."""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from xception_edu.train import checkpoint, cli

# A tiny run: narrow small preset at the smallest input, a few synthetic images.
TINY = ["--preset", "small", "--width", "0.25", "--middle-repeats", "1", "--image-size", "71",
        "--synthetic-train", "96", "--synthetic-val", "32", "--batch-size", "8", "--no-progress",
        "--workers", "0", "--seed", "1", "--device", "cpu"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}


def run(args, **kw):
    return subprocess.run([sys.executable, "-m", "xception_edu.train", *args], env=ENV, capture_output=True,
                          text=True, timeout=300, **kw)


def final_weights(folder):
    return checkpoint.load(folder / checkpoint.LATEST)["model"]


def test_help_documents_every_option():
    out = run(["--help"]).stdout
    for opt in ("--data", "--data-dir", "--preset", "--no-residual", "--mid-activation", "--width",
                "--middle-repeats", "--epochs", "--steps", "--batch-size", "--lr", "--precision", "--compile",
                "--no-channels-last", "--workers", "--seed", "--checkpoint-dir", "--resume"):
        assert opt in out, opt


@pytest.mark.parametrize("args,msg", [
    (["--data", "folder"], "--data folder needs --data-dir"),
    (["--data", "synthetic", "--download"], "generated offline"),
    (["--no-ema", "--ema-decay", "0.9"], "contradict each other"),
    (["--resume"], "--resume needs --checkpoint-dir"),
    (["--image-size", "64"], "--image-size 64 is too small: Xception needs at least 71 px"),
    (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    (["--precision", "fp8"], "invalid choice: 'fp8'"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_bad_options_get_a_clear_error(args, msg, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(args)
    assert e.value.code == 2
    assert msg in capsys.readouterr().err


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    steps = ["--epochs", "2", "--checkpoint-every", "1"]  # 12 steps per epoch, 24 in all
    whole = tmp_path / "whole"
    assert run([*TINY, *steps, "--checkpoint-dir", str(whole)]).returncode == 0

    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "xception_edu.train", *TINY, *steps,
                             "--checkpoint-dir", str(killed), "--resume"], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline:  # wait until it is mid-run, then kill it without warning
        if ((killed / checkpoint.LATEST).exists()
                and checkpoint.load(killed / checkpoint.LATEST)["position"]["global_step"] >= 15):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    stopped_at = checkpoint.load(killed / checkpoint.LATEST)["position"]["global_step"]
    assert 15 <= stopped_at < 24, "the kill must land mid-run"

    resumed = run([*TINY, *steps, "--checkpoint-dir", str(killed), "--resume"])
    assert resumed.returncode == 0, resumed.stderr
    assert f"step {stopped_at}" in resumed.stdout
    a, b = final_weights(whole), final_weights(killed)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_two_process_ddp_ends_with_identical_weights(tmp_path):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "xception_edu.train", *TINY, "--steps", "4", "--checkpoint-dir", str(tmp_path / "ddp"),
           "--save-every-rank"]
    out = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    w0 = torch.load(tmp_path / "ddp" / "rank0.pt", weights_only=True)
    w1 = torch.load(tmp_path / "ddp" / "rank1.pt", weights_only=True)
    assert all(torch.equal(w0[k], w1[k]) for k in w0)
    # Only rank 0 writes the shared files.
    assert sorted(p.name for p in (tmp_path / "ddp").iterdir()) == ["history.csv", "history.json", "last.pt",
                                                                    "rank0.pt", "rank1.pt"]
    assert out.stdout.count("done:") == 1
