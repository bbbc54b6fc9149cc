"""The command line as a user runs it: real subprocesses for SIGKILL + resume and for 2-process DDP."""
import datetime
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from PIL import Image

from xception_edu.model import MIN_SIZE
from xception_edu.train import checkpoint, cli, distributed
from xception_edu.train.engine import Trainer

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
                "--no-channels-last", "--workers", "--seed", "--checkpoint-dir", "--resume", "--overwrite",
                "--ddp-timeout", "--debug"):
        assert opt in out, opt


PAPER_WIDTH = "(1.0: the paper's channel counts)"


@pytest.mark.parametrize("args,msg", [
    (["--data", "folder"], "--data folder needs --data-dir"),
    (["--data", "synthetic", "--download"], "generated offline"),
    (["--no-ema", "--ema-decay", "0.9"], "contradict each other"),
    (["--image-size", "64"], f"--image-size 64 is too small: Xception needs at least {MIN_SIZE} px"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["--dropout", "nan"], "dropout must be a finite number in [0, 1) (the paper: 0.5), got nan"),
    (["--dropout", "1"], "dropout must be a finite number in [0, 1) (the paper: 0.5), got 1.0"),
    (["--width", "inf"], f"width must be a finite number in (0, inf) {PAPER_WIDTH}, got inf"),
    (["--width", "0"], f"width must be a finite number in (0, inf) {PAPER_WIDTH}, got 0.0"),
    (["--middle-repeats=-1"], "middle_repeats must be an integer >= 0 (the paper: 8), got -1"),
    (["--ddp-timeout", "0"], "--ddp-timeout must be positive, got 0.0"),
    (["--synthetic-train", "0"], "--synthetic-train must be a positive number of images, got 0"),
    (["--synthetic-val=-3"], "--synthetic-val must be a positive number of images, got -3"),
    (["--save-every-rank"], "--save-every-rank writes rank<N>.pt into --checkpoint-dir: give one"),
])
def test_bad_options_get_a_clear_error(args, msg, capsys):
    # The model's options get XceptionConfig's message (as from Python); TrainConfig's are in
    # test_train_config.py.
    with pytest.raises(SystemExit) as e:
        cli.main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


@pytest.mark.parametrize("device,msg", [
    ("gpu", "device 'gpu' is not cpu, cuda, cuda:N or mps; this machine has cpu"),
    ("cuda", "device 'cuda': CUDA is not available; this machine has cpu"),
    ("cuda:99", "device 'cuda:99': "),  # no CUDA here, or no 100th GPU
])
def test_device_refused_lists_the_devices(device, msg, monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(SystemExit) as e:
        cli.main(["--device", device])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert msg in err and "this machine has cpu" in err and "Traceback" not in err


def test_checkpoint_dir_that_is_a_file_is_refused_before_training(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    for folder, msg in ((taken, f"--checkpoint-dir {taken} is a file, not a folder"),
                        (taken / "run", f"{taken / 'run'} cannot be created: {taken} is a file")):
        with pytest.raises(SystemExit) as e:
            cli.main([*TINY, "--checkpoint-dir", str(folder)])
        assert e.value.code == 2 and msg in capsys.readouterr().err
    (tmp_path / "odd" / checkpoint.LATEST).mkdir(parents=True)
    with pytest.raises(SystemExit) as e:
        cli.main([*TINY, "--checkpoint-dir", str(tmp_path / "odd")])
    err = capsys.readouterr().err
    assert e.value.code == 2 and f"{tmp_path / 'odd' / checkpoint.LATEST} is not a file" in err


def _refused_as_read_only(folder, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([*TINY, "--checkpoint-dir", str(folder / "run")])
    assert e.value.code == 2
    assert f"--checkpoint-dir {folder / 'run'}: {folder} is not writable" in capsys.readouterr().err


def test_read_only_checkpoint_parent_is_refused_before_training(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as root: a read-only folder is writable anyway")
        _refused_as_read_only(ro, capsys)
    finally:
        ro.chmod(0o755)


def test_unwritable_checkpoint_parent_is_refused_even_as_root(tmp_path, monkeypatch, capsys):
    # As root the chmod test above skips; the same check, with os.access saying what it says to a user.
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: str(path) != str(tmp_path) and real(path, mode))
    _refused_as_read_only(tmp_path, capsys)


def test_missing_data_folder_is_one_line_and_exit_code_1(tmp_path):
    out = run(["--data", "folder", "--data-dir", str(tmp_path / "nowhere"), "--device", "cpu"])
    assert out.returncode == 1
    assert out.stderr.splitlines() == [f"error: no folder {tmp_path / 'nowhere' / 'train'}: expected the "
                                       f"ImageNet layout {tmp_path / 'nowhere'}/train/<class>/*.jpg and "
                                       f"{tmp_path / 'nowhere'}/val/<class>/*.jpg (one sub-folder per class, "
                                       "the same classes in both)"]


def test_debug_shows_the_exception_itself(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder"):
        cli.main(["--data", "folder", "--data-dir", str(tmp_path), "--device", "cpu", "--debug"])


def test_one_class_image_folder_is_refused(tmp_path, capsys):
    for split in ("train", "val"):
        (tmp_path / split / "cat").mkdir(parents=True)
        Image.new("RGB", (8, 8)).save(tmp_path / split / "cat" / "a.png")
    assert cli.main(["--data", "folder", "--data-dir", str(tmp_path), "--device", "cpu"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"error: {tmp_path / 'train'} has one class sub-folder ('cat'); "
                             "a classifier needs at least two")


def test_ddp_timeout_option_reaches_the_process_group_setup(tmp_path, monkeypatch):
    monkeypatch.setenv(distributed.TIMEOUT_ENV, "1")  # restored after the test
    cli.main(["--ddp-timeout", "5", "--data", "folder", "--data-dir", str(tmp_path), "--device", "cpu"])
    assert os.environ[distributed.TIMEOUT_ENV] == "5.0"
    assert distributed.timeout() == datetime.timedelta(seconds=5)


def test_ddp_setup_passes_a_timeout_that_the_environment_overrides(monkeypatch):
    seen = []
    monkeypatch.setattr(torch.distributed, "init_process_group", lambda **kw: seen.append(kw))
    for name, value in (("WORLD_SIZE", "2"), ("RANK", "0"), ("LOCAL_RANK", "0")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(distributed.TIMEOUT_ENV, raising=False)
    ctx = distributed.setup(device="cpu")
    assert ctx.world_size == 2 and seen == [dict(backend="gloo", timeout=datetime.timedelta(seconds=600))]
    monkeypatch.setenv(distributed.TIMEOUT_ENV, "42")
    distributed.setup(device="cpu")
    assert seen[-1]["timeout"] == datetime.timedelta(seconds=42)
    distributed.setup(device="cpu", timeout_s=7)  # an explicit argument beats the environment
    assert seen[-1]["timeout"] == datetime.timedelta(seconds=7)
    for bad, msg in (("soon", "XE_DDP_TIMEOUT='soon' is not a number of seconds"),
                     ("0", r"XE_DDP_TIMEOUT \(the DDP timeout\) must be a positive, finite number")):
        monkeypatch.setenv(distributed.TIMEOUT_ENV, bad)
        with pytest.raises(ValueError, match=msg):
            distributed.setup(device="cpu")


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
    r0 = torch.load(tmp_path / "ddp" / "rank0.pt", weights_only=True)
    r1 = torch.load(tmp_path / "ddp" / "rank1.pt", weights_only=True)
    for part in ("model", "ema"):  # the weights, and the average that evaluation uses, BN statistics included
        w0, w1 = r0[part], r1[part]
        assert all(torch.equal(w0[k], w1[k]) for k in w0), part
    bn = [k for k in r0["ema"] if k.endswith("running_var")]
    assert bn and any(not torch.equal(r0["ema"][k], r0["model"][k]) for k in bn)  # its own statistics
    # The average's BN statistics are the MEAN over the ranks, not their sum: the first BN's running mean
    # (whose input does not depend on how the images are batched) must equal the one a single process
    # re-estimates on all the same images, with the same averaged weights.
    a = cli.parser().parse_args([*TINY, "--steps", "4"])
    one = Trainer(*cli.build(a), cli.config(a))
    one.ema.module.load_state_dict(r0["ema"])
    one.refresh_ema_bn()
    first = next(k for k in r0["ema"] if k.endswith("running_mean"))
    torch.testing.assert_close(one.ema.module.state_dict()[first], r0["ema"][first], rtol=1e-4, atol=1e-5)
    # Only rank 0 writes the shared files.
    assert sorted(p.name for p in (tmp_path / "ddp").iterdir()) == ["history.csv", "history.json", "last.pt",
                                                                    "rank0.pt", "rank1.pt"]
    assert out.stdout.count("done:") == 1


STALL = """
# Loaded at start-up (sitecustomize) by both DDP processes of the test: rank 1 stops responding at its
# 2nd step, as a process stuck on a bad disk or a hung data worker would; torchrun's SIGTERM, once rank 0
# has given up, ends it at once (the trainer's own handler would wait for a step boundary that never comes,
# and torchrun would wait 30 s before its SIGKILL).
import os, signal, time
if os.environ.get("RANK") == "1":
    from xception_edu.train import engine
    step, calls = engine.Trainer._step, []

    def stalled(self, x, y):
        calls.append(1)
        if len(calls) == 2:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            time.sleep(600)
        return step(self, x, y)

    engine.Trainer._step = stalled
"""


def test_a_stalled_ddp_rank_ends_the_run_with_a_message_instead_of_a_hang(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(STALL)
    env = {**ENV, "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), ENV.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "xception_edu.train", *TINY, "--steps", "6", "--ddp-timeout", "5"]
    # No clock in the assertion: a hang is the subprocess timeout (240 s), well before rank 1 wakes (600 s).
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert out.returncode != 0
    assert "rank 0: error:" in out.stderr, out.stderr[-3000:]  # rank 0's line (torchrun reports the exit)


def test_resume_from_a_truncated_checkpoint_names_it_in_one_line(tmp_path):
    ckpt = tmp_path / "run"
    assert run([*TINY, "--steps", "2", "--checkpoint-dir", str(ckpt)]).returncode == 0
    last = ckpt / checkpoint.LATEST
    last.write_bytes(last.read_bytes()[:1000])  # what a disk that filled up mid-copy leaves
    out = run([*TINY, "--steps", "4", "--checkpoint-dir", str(ckpt), "--resume"])
    assert out.returncode == 1
    lines = [line for line in out.stderr.splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1 and lines[0].startswith(f"error: the checkpoint {last} is corrupt or truncated")


def test_a_diverging_run_exits_3_and_names_no_checkpoint_it_did_not_write(tmp_path):
    out = run([*TINY, "--steps", "6", "--lr", "1e6"])
    assert out.returncode == 3, out.stderr[-2000:]
    assert "training diverged. No checkpoint was written" in out.stderr
    # its advice names this command's options (--lr, --precision, ...), each one it has
    line = next(line for line in out.stderr.splitlines() if line.startswith("error:"))
    options = set(re.findall(r"--[a-z-]+", line))
    assert "--lr" in options and options <= set(cli.parser()._option_string_actions), options
