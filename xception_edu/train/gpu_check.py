"""The one prepared GPU check (``bash scripts/gpu-check.sh OUTDIR``): everything a short spell on a GPU
machine should measure, in one process tree, within a time budget, written as a table and as JSON.

1. the machine: GPU, torch, CUDA, cuDNN, timm;
2. training throughput of full Xception at 299 px (forward, backward, SGD step) next to timm's
   ``legacy_xception`` and torchvision's Inception V3, alternating in one process (``bench.run``): bf16,
   NCHW vs channels_last, batch 128 and 256 (a batch that does not fit is reported, not fatal), then
   ``torch.compile`` on the channels_last runs;
3. the real command line, ``python -m xception_edu.train --preset paper``, for a few hundred steps, eager
   and compiled, on the CPU data path with workers (what the loader costs shows against section 2);
4. the same command through ``torchrun`` as one NCCL process (the path several GPUs take).

Without CUDA every section but ``torch.compile`` runs at smoke sizes on the CPU (about two minutes), so
the tests keep the script working. Each section checks the remaining budget first and says what it skipped.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from ..devices import environment
from . import bench

GPU_SIZES = {"size": 299, "batches": (128, 256), "warmup": 10, "rounds": 5, "steps": 10,
             "cli_steps": 300, "cli_batch": 128, "ddp_steps": 100}
SMOKE_SIZES = {"size": 80, "batches": (2,), "warmup": 1, "rounds": 1, "steps": 1,
               "cli_steps": 3, "cli_batch": 4, "ddp_steps": 2}


def machine() -> dict:
    env = environment()
    info = {"python": env.python, "torch": env.torch, "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version(),
            "gpu": env.device_name if env.device == "cuda" else None, "cpu_threads": env.cpu_threads}
    try:
        import timm
        info["timm"] = timm.__version__
    except ImportError:
        info["timm"] = None
    return info


def throughput(sizes: dict, device: torch.device, compile_: bool, channels_last: bool, batch: int) -> list:
    """One alternating bench run of the three models with the same flags; an OOM is a result."""
    precision = "bf16" if device.type == "cuda" else "fp32"
    chosen = [bench.Contender(name, build, channels_last, compile_) for name, build in bench.models()]
    flags = {"batch": batch, "precision": precision, "channels_last": channels_last, "compile": compile_}
    try:
        results = bench.run(chosen, batch, sizes["size"], precision, device, warmup=sizes["warmup"],
                            rounds=sizes["rounds"], steps=sizes["steps"])
    except torch.cuda.OutOfMemoryError as e:
        return [{**flags, "model": "all", "error": f"out of memory: {str(e).splitlines()[0][:200]}"}]
    finally:
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return [{**flags, "model": r.name, "images_per_s": round(r.images_per_s, 1),
             "step_ms": round(r.step_ms, 2), "peak_gib": r.peak_mem_gib and round(r.peak_mem_gib, 2)}
            for r in results]


def _train_command(sizes: dict, gpu: bool, checkpoint_dir: Path, compile_: bool) -> list[str]:
    cmd = ["-m", "xception_edu.train", "--preset", "paper" if gpu else "small", "--data", "synthetic",
           "--steps", str(sizes["cli_steps"]), "--batch-size", str(sizes["cli_batch"]), "--epochs", "1",
           "--synthetic-train", str(sizes["cli_steps"] * sizes["cli_batch"]), "--synthetic-val", "64",
           "--image-size", str(sizes["size"]), "--no-progress", "--checkpoint-dir", str(checkpoint_dir)]
    if not gpu:
        cmd += ["--precision", "fp32", "--workers", "0"]
    return cmd + (["--compile"] if compile_ else [])


def run_command(name: str, argv: list[str], checkpoint_dir: Path, timeout_s: float) -> dict:
    """Run a training command; its throughput is the last history row's (the trainer's own timing)."""
    start = time.monotonic()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=max(timeout_s, 1))
        rc, tail = done.returncode, (done.stdout + done.stderr)[-1500:]
    except subprocess.TimeoutExpired as e:
        rc, tail = "timeout", str(e)[-300:]
    row = {"run": name, "returncode": rc, "wall_s": round(time.monotonic() - start, 1)}
    history = checkpoint_dir / "history.json"
    if rc == 0 and history.is_file():
        last = json.loads(history.read_text())[-1]
        row.update(images_per_s=round(last["images_per_s"], 1), steps=last["step"])
    else:
        row["output_tail"] = tail
    return row


def to_markdown(report: dict) -> str:
    m = report["machine"]
    lines = [f"# GPU check, {report['date']}", "",
             f"{m['gpu'] or 'no GPU (CPU smoke sizes)'}; torch {m['torch']}, CUDA {m['cuda']}, "
             f"cuDNN {m['cudnn']}, timm {m['timm']}; {report['seconds']:.0f} s in all.", "",
             "## Training throughput (forward, backward, SGD step), alternating in one process", "",
             "| model | batch | precision | memory format | compile | images/s | ms/step | peak GiB |",
             "|---|---|---|---|---|---|---|---|"]
    for r in report["throughput"]:
        fmt = "channels_last" if r["channels_last"] else "NCHW"
        if "error" in r:
            lines.append(f"| {r['model']} | {r['batch']} | {r['precision']} | {fmt} | {r['compile']} | "
                         f"{r['error']} | | |")
        else:
            lines.append(f"| {r['model']} | {r['batch']} | {r['precision']} | {fmt} | {r['compile']} | "
                         f"{r['images_per_s']:,.1f} | {r['step_ms']:.1f} | {r['peak_gib'] or 'n/a'} |")
    lines += ["", "## The command line, and torchrun (one process)", "",
              "| run | exit | wall s | images/s |", "|---|---|---|---|"]
    for r in report["commands"]:
        lines.append(f"| {r['run']} | {r['returncode']} | {r['wall_s']} | {r.get('images_per_s', '—')} |")
    lines += ["", *[f"- skipped: {s}" for s in report["skipped"]]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m xception_edu.train.gpu_check OUTDIR [--budget SECONDS]``"""
    p = argparse.ArgumentParser(prog="python -m xception_edu.train.gpu_check", description=main.__doc__)
    p.add_argument("outdir", type=Path)
    p.add_argument("--budget", type=float, default=480, help="seconds for everything (default: 8 minutes)")
    a = p.parse_args(argv)
    if a.budget <= 0:
        p.error(f"--budget must be positive, got {a.budget}")
    a.outdir.mkdir(parents=True, exist_ok=True)
    start, gpu = time.monotonic(), torch.cuda.is_available()
    device, sizes = torch.device("cuda" if gpu else "cpu"), GPU_SIZES if gpu else SMOKE_SIZES
    left = lambda: a.budget - (time.monotonic() - start)  # noqa: E731
    report = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "throughput": [], "commands": [],
              "skipped": []}
    plan = [(False, cl, b) for b in sizes["batches"] for cl in (False, True)]
    if gpu:  # compiling three full-size models on a CPU takes minutes: the smoke run checks the rest
        plan += [(True, True, b) for b in sizes["batches"]]
    else:
        report["skipped"].append("torch.compile (CPU smoke run)")
    for compile_, cl, batch in plan:
        if left() < (0.6 if compile_ else 0.45) * a.budget:  # keep room for the command-line runs
            report["skipped"].append(f"throughput batch {batch}, channels_last={cl}, compile={compile_}")
            continue
        report["throughput"] += throughput(sizes, device, compile_, cl, batch)
        print(f"throughput batch {batch} channels_last={cl} compile={compile_}: {left():.0f} s left",
              flush=True)
    # the training commands import this checkout, whether or not it is installed
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                            os.environ.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("train (eager)", False, False), ("train (compile)", True, False),
                ("torchrun, 1 process", False, True)]
        for name, compile_, ddp in runs if gpu else [r for r in runs if not r[1]]:
            if left() < 20:
                report["skipped"].append(name)
                continue
            ckpt = Path(tmp) / name.split()[0] / str(len(report["commands"]))
            cmd = _train_command(sizes, gpu, ckpt, compile_)
            if ddp:
                cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=1", "--standalone",
                       *cmd]  # torchrun [options] -m xception_edu.train ...
                cmd[cmd.index("--steps") + 1] = str(sizes["ddp_steps"])
            else:
                cmd = [sys.executable, *cmd]
            report["commands"].append(run_command(name, cmd, ckpt, left() - 10))
            print(f"{name}: {report['commands'][-1]['returncode']}, {left():.0f} s left", flush=True)
    report["seconds"] = round(time.monotonic() - start, 1)
    (a.outdir / "gpu-check.json").write_text(json.dumps(report, indent=1) + "\n")
    (a.outdir / "gpu-check.md").write_text(to_markdown(report))
    print(to_markdown(report))
    failed = [r["run"] for r in report["commands"] if r["returncode"] != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
