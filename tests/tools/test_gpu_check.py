"""The prepared GPU check runs end to end: here at CPU smoke sizes, through the same shell script."""
import json
import pathlib
import subprocess
import sys

import pytest

from tools import gpu_check

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gpu-check.sh"


def test_the_script_measures_every_section_and_writes_the_table_and_the_json(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(["bash", str(SCRIPT), str(out)], capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "HOME": str(tmp_path)})
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
    assert [r["epochs"] for r in runs.values()] == [2, 2, 1, 3]  # every epoch asked for (09: 2, resumed +1)
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
