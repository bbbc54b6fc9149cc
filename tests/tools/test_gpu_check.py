"""The prepared GPU check runs end to end: here at CPU smoke sizes, through the same shell script; and its
table holds what it measured, nothing else: crafted measurements in, the same numbers out, the steady rate
without the warm-up epoch."""
import json
import pathlib
import statistics
import subprocess
import sys

import pytest
import torch

from tools import gpu_check
from xception_edu.train import bench

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gpu-check.sh"


def test_the_script_measures_every_section_and_writes_the_table_and_the_json(tmp_path):
    out = tmp_path / "out"
    # one thread, as in the other training subprocess tests: in a bare environment (no OMP_WAIT_POLICY) idle
    # OpenMP threads spin on the cores the other test worker needs
    env = {"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "HOME": str(tmp_path), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(["bash", str(SCRIPT), str(out)], capture_output=True, text=True, timeout=600,
                          env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads((out / "gpu-check.json").read_text())
    assert report["machine"]["torch"] and report["seconds"] > 0
    models = {"ours", "torchvision inception_v3"}
    if report["machine"]["timm"]:
        models.add("timm legacy_xception")
    for channels_last in (False, True):  # the same models, the same flags, side by side
        rows = [r for r in report["throughput"] if r["channels_last"] is channels_last]
        assert {r["model"] for r in rows} == models
        assert all(r["images_per_s"] > 0 and r["step_ms"] > 0 for r in rows)
    runs = {r["run"]: r for r in report["commands"]}
    assert set(runs) == {"train, data on the device", "train, CPU loader with 1 worker(s)",
                         "torchrun, 1 process, data on the device",
                         "notebook 09's GPU path"}  # no compile on the CPU smoke run
    assert all(r["returncode"] == 0 and r["images_per_s"] > 0 and r["first_epoch_images_per_s"] > 0
               for r in runs.values()), runs
    assert [r["epochs"] for r in runs.values()] == [2, 2, 2, 3]  # every epoch asked for (09: 2, resumed +1)
    table = (out / "gpu-check.md").read_text()
    assert "| ours | 2 | fp32 | channels_last | False |" in table and "torchrun, 1 process" in table
    assert "the median of the epochs after the first" in table
    assert "skipped: torch.compile (CPU smoke run)" in table


def test_the_script_says_how_to_call_it():
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True)
    assert done.returncode == 2 and "usage: bash scripts/gpu-check.sh OUTDIR" in done.stderr


def test_a_batch_that_does_not_fit_is_a_row_not_a_crash():
    report = {"date": "2026-12-01", "seconds": 1.0, "skipped": ["x"], "commands": [],
              "machine": {"gpu": "H200", "torch": "2.11", "cuda": "12.8", "cudnn": 91000, "timm": None},
              "throughput": [{"model": "all", "batch": 512, "precision": "bf16", "channels_last": True,
                              "compile": False, "error": "out of memory: CUDA out of memory"}]}
    table = gpu_check.to_markdown(report)
    assert "| all | 512 | bf16 | channels_last | False | out of memory: CUDA out of memory | | |" in table
    assert "H200; torch 2.11, CUDA 12.8" in table and "- skipped: x" in table


def test_a_budget_must_be_positive(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        gpu_check.main([str(tmp_path), "--budget", "0"])
    assert e.value.code == 2 and "--budget must be positive, got 0.0" in capsys.readouterr().err


# --- crafted measurements in, the same numbers out ----------------------------------------------------

# A stand-in for a training command: writes the history it is given into its checkpoint folder, then exits.
FAKE_RUN = ("import pathlib, sys; p = pathlib.Path(sys.argv[1]); p.mkdir(parents=True, exist_ok=True); "
            "(p / 'history.json').write_text(sys.argv[2]); sys.exit(int(sys.argv[3]))")


def _run(tmp_path, rates, rc=0):
    ckpt = tmp_path / "ckpt"
    history = json.dumps([{"epoch": i + 1, "images_per_s": r} for i, r in enumerate(rates)])
    command = [sys.executable, "-c", FAKE_RUN, str(ckpt), history, str(rc)]
    return gpu_check.run_command("run", command, ckpt, 60)


# a slow first epoch (cuDNN autotuning) and a fast one (a warm cache): counting either moves the median
@pytest.mark.parametrize("rates", [[3.0, 100.0, 300.0, 200.0], [900.0, 100.0, 300.0, 200.0],
                                   [50.0, 120.0, 80.0, 100.0, 90.0, 110.0]])
def test_the_steady_rate_is_the_median_of_the_epochs_after_the_first(rates, tmp_path):
    row = _run(tmp_path, rates)
    assert row["returncode"] == 0 and row["epochs"] == len(rates)
    assert row["images_per_s"] == round(statistics.median(rates[1:]), 1)
    assert row["first_epoch_images_per_s"] == rates[0]


def test_a_run_that_failed_or_warmed_up_only_reports_no_rate(tmp_path):
    failed = _run(tmp_path, [10.0, 20.0, 30.0], rc=1)  # a history left behind, then a crash
    assert failed["returncode"] == 1 and "images_per_s" not in failed and "epochs" not in failed
    one = _run(tmp_path, [10.0])  # one epoch: all of it warm-up
    assert "images_per_s" not in one and one["first_epoch_images_per_s"] == 10.0
    commands = [{**failed, "run": "crashed"}, {**one, "run": "one"}]
    table = gpu_check.to_markdown({**_report(), "commands": commands})
    assert _cells(table, "crashed")[1:2] + _cells(table, "crashed")[3:] == ["1", "—", "—"]
    assert _cells(table, "one")[1:2] + _cells(table, "one")[3:] == ["0", "—", "10.0"]


def test_throughput_rows_are_the_benchs_own_results(monkeypatch):
    asked = []

    def run(contenders, batch, size, precision, device, **kw):
        asked.append(([c.name for c in contenders], batch, size, precision, kw))
        return [bench.Result(c.name, 100.0 + i + 0.04, 9.876 + i, None) for i, c in enumerate(contenders)]

    monkeypatch.setattr(bench, "run", run)
    s = gpu_check.SMOKE_SIZES
    rows = gpu_check.throughput(s, torch.device("cpu"), False, True, 2)
    names = [n for n, _ in bench.models()]
    counts = dict(warmup=s["warmup"], rounds=s["rounds"], steps=s["steps"])
    assert asked == [(names, 2, s["size"], "fp32", counts)]
    assert rows == [{"batch": 2, "precision": "fp32", "channels_last": True, "compile": False, "model": n,
                     "images_per_s": round(100.04 + i, 1), "step_ms": round(9.876 + i, 2), "peak_gib": None}
                    for i, n in enumerate(names)]


def _report():
    return {"date": "2026-12-01", "seconds": 12.0, "skipped": [], "commands": [], "throughput": [],
            "machine": {"gpu": None, "torch": "2.11", "cuda": None, "cudnn": None, "timm": None}}


def _cells(table, first):
    line = next(x for x in table.splitlines() if x.startswith(f"| {first} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def test_the_table_prints_the_measurements_and_nothing_else():
    report = {**_report(), "throughput": [
        {"model": "ours", "batch": 2, "precision": "fp32", "channels_last": False, "compile": False,
         "images_per_s": 1234.5, "step_ms": 6.78, "peak_gib": None},
        {"model": "torchvision inception_v3", "batch": 2, "precision": "fp32", "channels_last": True,
         "compile": False, "images_per_s": 43.2, "step_ms": 46.25, "peak_gib": 1.5}],
        "commands": [{"run": "train, data on the device", "returncode": 0, "wall_s": 7.5,
                      "images_per_s": 321.4, "first_epoch_images_per_s": 12.3, "epochs": 2}]}
    table = gpu_check.to_markdown(report)
    assert "no GPU (CPU smoke sizes)" in table and "12 s in all" in table
    assert _cells(table, "ours") == ["ours", "2", "fp32", "NCHW", "False", "1,234.5", "6.8", "n/a"]
    assert _cells(table, "torchvision inception_v3")[1:] == ["2", "fp32", "channels_last", "False", "43.2",
                                                             "46.2", "1.5"]
    assert _cells(table, "train, data on the device")[1:] == ["0", "7.5", "321.4", "12.3"]
    rows = [x for x in table.splitlines() if x.startswith("| ") and not x.startswith(("| model", "| run"))]
    assert len(rows) == 3  # one per measurement


def test_main_writes_and_prints_only_what_its_sections_measured(tmp_path, monkeypatch, capsys):
    measured = []

    def throughput(sizes, device, compile_, channels_last, batch):
        row = {"model": "ours", "batch": batch, "precision": "fp32", "channels_last": channels_last,
               "compile": compile_, "images_per_s": 10.0 + len(measured), "step_ms": 1.0, "peak_gib": None}
        measured.append(row)
        return [row]

    def run_commands(sizes, gpu, left, report):
        report["commands"].append({"run": "train", "returncode": 0, "wall_s": 1.0, "images_per_s": 77.7,
                                   "first_epoch_images_per_s": 7.7, "epochs": 2})

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(gpu_check, "throughput", throughput)
    monkeypatch.setattr(gpu_check, "run_commands", run_commands)
    assert gpu_check.main([str(tmp_path), "--budget", "1000"]) == 0
    report = json.loads((tmp_path / "gpu-check.json").read_text())
    assert report["throughput"] == measured and len(measured) == 2 * len(gpu_check.SMOKE_SIZES["batches"])
    assert report["commands"][0]["images_per_s"] == 77.7
    table = (tmp_path / "gpu-check.md").read_text()
    assert table == gpu_check.to_markdown(report) and table in capsys.readouterr().out
