"""One run per checkpoint folder: a finished run is never overwritten by a slip, and a second command on a
busy folder is refused by name (real processes: the lock is the operating system's, held per process)."""
import os
import subprocess
import sys
import time

import pytest
import torch
from helpers import cfg, tiny_data, tiny_model

from xception_edu.train import TrainConfig, checkpoint, cli, engine, guard

pytestmark = pytest.mark.filterwarnings("ignore:Training on the CPU")

TINY = ["--preset", "small", "--width", "0.25", "--middle-repeats", "1", "--image-size", "71",
        "--synthetic-train", "96", "--synthetic-val", "32", "--batch-size", "8", "--no-progress",
        "--workers", "0", "--seed", "1", "--device", "cpu"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}


def command(*args):
    return [sys.executable, "-m", "xception_edu.train", *TINY, *args]


def test_a_second_run_without_resume_is_refused_and_the_first_kept(tmp_path):
    engine.fit(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=1))
    before = (tmp_path / checkpoint.LATEST).read_bytes()
    with pytest.raises(ValueError, match=(f"{tmp_path / checkpoint.LATEST} already holds a run: continue it "
                                          r"with --resume .*another --checkpoint-dir")):
        engine.fit(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=2))
    assert (tmp_path / checkpoint.LATEST).read_bytes() == before
    # told so, it replaces the run: a fresh one of 2 epochs, not the old one continued
    again = engine.fit(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=2, overwrite=True))
    assert [r["epoch"] for r in again.history] == [1, 2]
    assert checkpoint.load(tmp_path / checkpoint.LATEST)["position"]["global_step"] == 12


@pytest.mark.parametrize("kw,msg", [
    (dict(overwrite=1), "overwrite must be True or False, got 1"),
    (dict(checkpoint_dir="x", resume=True, overwrite=True), "contradict each other"),
])
def test_overwrite_is_checked(kw, msg):
    with pytest.raises(ValueError, match=msg):
        TrainConfig(**kw)


def test_the_command_line_refuses_before_building_anything(tmp_path):
    engine.fit(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=1))
    # --data folder on a missing folder: had the data been built first, that would be the error
    out = subprocess.run([sys.executable, "-m", "xception_edu.train", "--data", "folder", "--data-dir",
                          str(tmp_path / "missing"), "--checkpoint-dir", str(tmp_path), "--device", "cpu"],
                         env=ENV, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1] == (
        f"error: {tmp_path / checkpoint.LATEST} already holds a run: continue it with --resume "
        "(resume=True), or give another --checkpoint-dir; --overwrite (overwrite=True) replaces it")


def test_the_command_line_holds_its_folder_while_it_builds_the_data(tmp_path, monkeypatch):
    # Released between its first check and the trainer, a second command could pass that check and
    # train in the folder meanwhile: the lock is held from the check to the end of the run.
    build, tries = cli.build, []

    def build_and_try(*args):
        with pytest.raises(guard.FolderInUse, match=f"pid {os.getpid()}"):
            guard.FolderLock(tmp_path).acquire()  # what a second command meets now
        tries.append(1)
        return build(*args)

    monkeypatch.setattr(cli, "build", build_and_try)
    args = [*TINY, "--synthetic-train", "16", "--steps", "1", "--checkpoint-dir", str(tmp_path)]
    assert cli.main(args) == 0
    assert tries == [1] and not (tmp_path / guard.LOCK).exists()  # released at the end
    guard.FolderLock(tmp_path).acquire().release()


def test_the_lock_names_its_holder_and_goes_with_it(tmp_path):
    code = (f"import sys; from xception_edu.train import guard; lock = guard.FolderLock({str(tmp_path)!r})"
            ".acquire(); print('held', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        named = f"another run \\(pid {holder.pid}\\) is using {tmp_path}"
        with pytest.raises(guard.FolderInUse, match=named):
            guard.FolderLock(tmp_path).acquire()
        orphan = tmp_path / ".last.pt.abc.tmp"  # maybe the holder's write in progress: not ours to delete
        orphan.write_bytes(b"half")
        with pytest.raises(guard.FolderInUse):
            engine.Trainer(tiny_model(), tiny_data(), None, cfg(tmp_path, resume=True))
        assert orphan.exists()
    finally:
        holder.kill()  # dies without releasing: the operating system drops its lock
        holder.wait()
    with guard.FolderLock(tmp_path) as lock:
        assert lock.held and (tmp_path / guard.LOCK).read_text() == f"{os.getpid()}\n"
    assert not (tmp_path / guard.LOCK).exists()


def test_a_trainer_holds_its_folder_until_fit_ends(tmp_path):
    trainer = engine.Trainer(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=1))
    with pytest.raises(guard.FolderInUse, match=f"pid {os.getpid()}"):
        guard.FolderLock(tmp_path).acquire()
    trainer.fit()
    guard.FolderLock(tmp_path).acquire().release()  # free again
    resumed = engine.fit(tiny_model(), tiny_data(), None, cfg(tmp_path, epochs=2, resume=True))
    assert resumed.global_step == 12


GATE = """
# Loaded at start-up (sitecustomize) by the first run of the test: after its 2nd step it waits until the
# test has tried its second commands, so they meet a run that is certainly still training.
import os, pathlib, time
from xception_edu.train import engine
step, calls = engine.Trainer._step, []

def gated(self, x, y):
    calls.append(1)
    gate = pathlib.Path(os.environ["GATE"])
    while len(calls) == 3 and not gate.exists():
        time.sleep(0.05)
    return step(self, x, y)

engine.Trainer._step = gated
"""


def test_two_commands_on_one_folder_the_second_is_refused_and_the_first_finishes(tmp_path):
    # Real processes: the lock is held per process by the operating system.
    (tmp_path / "sitecustomize.py").write_text(GATE)
    gate, run = tmp_path / "gate", tmp_path / "run"
    env = {**ENV, "GATE": str(gate), "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path),
                                                                                 ENV.get("PYTHONPATH")]))}
    first = subprocess.Popen(command("--steps", "6", "--checkpoint-every", "2", "--checkpoint-dir", str(run)),
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not (run / checkpoint.LATEST).exists() and time.time() < deadline:  # its step-2 checkpoint
            time.sleep(0.05)
        for extra in ([], ["--resume"], ["--overwrite"]):
            second = subprocess.run(command("--steps", "4", "--checkpoint-dir", str(run), *extra), env=ENV,
                                    capture_output=True, text=True, timeout=120)
            assert second.returncode == 1
            assert second.stderr.strip().splitlines()[-1] == (
                f"error: another run (pid {first.pid}) is using {run}; "
                "wait for it to end, or give another folder")
    finally:
        gate.touch()
    out, err = first.communicate(timeout=240)
    assert first.returncode == 0, err[-2000:]
    assert "done: 6 steps" in out
    assert checkpoint.load(run / checkpoint.LATEST)["position"]["global_step"] == 6
    assert sorted(p.name for p in run.iterdir()) == ["history.csv", "history.json", "last.pt"]


def test_orphans_are_cleaned_only_holding_the_lock(tmp_path):
    orphan = tmp_path / ".last.pt.abc123.tmp"  # what a kill during save_atomic leaves behind
    orphan.write_bytes(b"half a checkpoint")
    lock = guard.claim(tmp_path, resume=False, overwrite=False)
    assert lock.held and not orphan.exists()
    lock.release()
    orphan.write_bytes(b"half a checkpoint")
    assert guard.claim(tmp_path, resume=False, overwrite=False, main=False) is None and orphan.exists()
    torch.save({}, tmp_path / checkpoint.LATEST)
    with pytest.raises(ValueError, match="already holds a run"):
        guard.claim(tmp_path, resume=False, overwrite=False)
    assert orphan.exists() and not (tmp_path / guard.LOCK).exists()  # refused: nothing touched
