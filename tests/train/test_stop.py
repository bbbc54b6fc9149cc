"""Ctrl-C and SIGTERM: the run saves at the next step boundary, says so in one line and exits 130 / 143
(real processes: a signal is delivered to a process, and the exit code is the process's)."""
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from xception_edu.train import checkpoint

TINY = ["--preset", "small", "--width", "0.25", "--middle-repeats", "1", "--image-size", "71",
        "--synthetic-train", "96", "--synthetic-val", "32", "--batch-size", "8", "--no-progress",
        "--workers", "0", "--seed", "1", "--device", "cpu", "--epochs", "2"]  # 12 steps per epoch

HOOK = """
# Loaded at start-up (sitecustomize): after its 3rd step the run says it is ready and waits for the
# test's signal, so the signal lands inside that step, mid-epoch, whatever the machine's speed.
import os, pathlib, time
from xception_edu.train import engine, stop
step, calls = engine.Trainer._step, []

def waiting(self, x, y):
    out = step(self, x, y)
    calls.append(1)
    if len(calls) == 3:
        pathlib.Path(os.environ["READY"]).touch()
        t = time.time()
        while stop.received() is None and time.time() < t + 120:
            time.sleep(0.01)
    return out

engine.Trainer._step = waiting
"""


def env_with_hook(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(HOOK)
    path = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore",
            "READY": str(tmp_path / "ready"), "PYTHONPATH": path}


def stopped_run(tmp_path, signum, *args, group=False):
    """Start a run, send ``signum`` once it has trained 3 steps (to its whole process group, loader workers
    included, as a terminal's Ctrl-C, if ``group``); its (exit code, stdout, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "xception_edu.train", *TINY, *args],
                            env=env_with_hook(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=group)
    deadline = time.time() + 120
    while not (tmp_path / "ready").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    if group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_saves_at_the_step_boundary_and_resume_continues_exactly(tmp_path, signum, code):
    # Real processes (the signal, the exit code); SIGINT also resumes and trains an unbroken run to compare.
    run = tmp_path / "run"
    rc, out, err = stopped_run(tmp_path, signum, "--checkpoint-dir", str(run))
    assert rc == code, err[-2000:]
    assert err.strip().splitlines() == ["stopped at step 3; resume with --resume"]
    assert checkpoint.load(run / checkpoint.LATEST)["position"] == {"epoch": 0, "step_in_epoch": 3,
                                                                     "global_step": 3}
    if signum != signal.SIGINT:
        return
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    resumed = subprocess.run([sys.executable, "-m", "xception_edu.train", *TINY, "--checkpoint-dir", str(run),
                              "--resume"], env=env, capture_output=True, text=True, timeout=240)
    assert resumed.returncode == 0 and "epoch 0, step 3." in resumed.stdout, resumed.stderr[-2000:]
    whole = subprocess.run([sys.executable, "-m", "xception_edu.train", *TINY, "--checkpoint-dir",
                            str(tmp_path / "whole")], env=env, capture_output=True, text=True, timeout=240)
    assert whole.returncode == 0
    a = checkpoint.load(run / checkpoint.LATEST)
    b = checkpoint.load(tmp_path / "whole" / checkpoint.LATEST)
    assert a["position"]["global_step"] == b["position"]["global_step"] == 24
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in b["model"])


def test_ctrl_c_reaches_the_loader_workers_too_and_the_run_still_saves(tmp_path):
    run = tmp_path / "run"
    rc, out, err = stopped_run(tmp_path, signal.SIGINT, "--workers", "2", "--checkpoint-dir", str(run),
                               group=True)
    assert rc == 130, err[-2000:]
    assert err.strip().splitlines() == ["stopped at step 3; resume with --resume"]
    assert checkpoint.load(run / checkpoint.LATEST)["position"]["global_step"] == 3


def test_without_a_folder_one_line_and_the_exit_code(tmp_path):
    rc, out, err = stopped_run(tmp_path, signal.SIGTERM)
    assert rc == 143
    assert err.strip().splitlines() == ["stopped at step 3; nothing saved (no --checkpoint-dir)"]


# torchrun starts each rank in a session of its own: a terminal's Ctrl-C, like a scheduler's SIGTERM,
# reaches torchrun, which sends SIGTERM to the ranks.
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_under_torchrun_the_ranks_stop_at_one_step_and_say_so_once(tmp_path, signum):
    # Real processes: torchrun forwards the signal to each rank; they must agree on the step to stop at.
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "xception_edu.train", *TINY, "--checkpoint-dir", str(run)]
    proc = subprocess.Popen(cmd, env=env_with_hook(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 120
    while not (tmp_path / "ready").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    # 6 steps per rank per epoch; the ranks decide together at the next step they sync at (log_every 5)
    assert [line for line in err.splitlines() if "stopped at" in line] == [
        "stopped at step 5; resume with --resume"], err[-3000:]
    assert checkpoint.load(run / checkpoint.LATEST)["position"]["global_step"] == 5
