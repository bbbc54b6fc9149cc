"""The one prepared GPU check (``bash scripts/gpu-check.sh OUTDIR``): everything a short spell on a GPU
machine should measure, in one process tree, within a time budget, written as a table and as JSON.

1. the machine: GPU, torch, CUDA, cuDNN, timm;
2. training throughput of full Xception at 299 px (forward, backward, SGD step) next to timm's
   ``legacy_xception`` and torchvision's Inception V3, alternating in one process (``bench.run``): bf16,
   NCHW vs channels_last, batch 128 and 256 (a batch that does not fit is reported, not fatal);
3. the real command line, ``python -m xception_edu.train --preset paper``, on random images held on the
   GPU (``--data random --data-on-device``: no loader in what is measured), then the same images served
   by the CPU data path with workers (what the loader costs), then through ``torchrun`` as one NCCL
   process (the path several GPUs take), then notebook 09's GPU mode (``scripts/nb09_gpu_path.py``:
   its cells' package calls, a short run, resumed once), then compiled;
4. ``torch.compile`` in the throughput comparison (ours and timm's), in a subprocess with a time limit,
   so a slow compilation costs its own row and not the whole check.

Rates from the command line are the trainer's own (its history), the median of the epochs after the
first; the first epoch (cuDNN autotuning, compilation) is reported beside it, and a run of one epoch
has no steady rate. Without CUDA every section but ``torch.compile`` runs at smoke sizes on the CPU (about
two minutes), so the tests keep the script working. Each section checks the remaining budget first and
says what it skipped.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from xception_edu.devices import environment
from xception_edu.train import bench

GPU_SIZES = {"size": 299, "batches": (128, 256), "warmup": 10, "rounds": 5, "steps": 10,
             "cli_images": 4096, "cli_batch": 128, "cli_epochs": 6, "cli_workers": 8, "ddp_epochs": 3,
             "compile_batch": 256}
SMOKE_SIZES = {"size": 80, "batches": (2,), "warmup": 1, "rounds": 1, "steps": 1,
               "cli_images": 8, "cli_batch": 4, "cli_epochs": 2, "cli_workers": 1, "ddp_epochs": 2,
               "compile_batch": 2}
NB09 = "notebook 09's GPU path"
REPO = Path(__file__).resolve().parents[1]  # the checkout: tools/ is not installed
NB09_SCRIPT = REPO / "scripts" / "nb09_gpu_path.py"
COMPILED = ("ours", "timm legacy_xception")  # the comparison of the 1.15x goal; Inception V3 eager only


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


def throughput(sizes: dict, device: torch.device, compile_: bool, channels_last: bool, batch: int,
               only: tuple[str, ...] | None = None) -> list:
    """One alternating bench run of the models with the same flags; an OOM is a result."""
    precision = "bf16" if device.type == "cuda" else "fp32"
    chosen = [bench.Contender(name, build, channels_last, compile_) for name, build in bench.models()
              if only is None or name in only]
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


def compiled_throughput(sizes: dict, timeout_s: float) -> list:
    """``throughput`` with torch.compile, in a child process that is stopped at ``timeout_s``."""
    flags = {"batch": sizes["compile_batch"], "precision": "bf16", "channels_last": True, "compile": True}
    who = " and ".join(COMPILED)
    code = ("import json, torch; from tools import gpu_check as g; "
            f"print(json.dumps(g.throughput(g.GPU_SIZES, torch.device('cuda'), True, True, "
            f"{sizes['compile_batch']}, only={COMPILED!r})))")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=max(timeout_s, 1))
    except subprocess.TimeoutExpired:
        return [{**flags, "model": who, "error": f"compile did not finish in {timeout_s:.0f} s"}]
    if done.returncode != 0:
        return [{**flags, "model": who, "error": " ".join(done.stderr.split())[-300:]}]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _train_command(sizes: dict, gpu: bool, checkpoint_dir: Path, on_device: bool, compile_: bool,
                   epochs: int) -> list[str]:
    cmd = ["-m", "xception_edu.train", "--preset", "paper" if gpu else "small", "--data", "random",
           "--epochs", str(epochs), "--batch-size", str(sizes["cli_batch"]),
           "--synthetic-train", str(sizes["cli_images"]), "--synthetic-val", str(2 * sizes["cli_batch"]),
           "--image-size", str(sizes["size"]), "--no-progress", "--checkpoint-dir", str(checkpoint_dir)]
    cmd += ["--data-on-device"] if on_device else ["--workers", str(sizes["cli_workers"])]
    if not gpu:
        cmd += ["--precision", "fp32"]
    return cmd + (["--compile"] if compile_ else [])


def run_command(name: str, argv: list[str], checkpoint_dir: Path, timeout_s: float) -> dict:
    """Run a training command; its rates are the trainer's own (history): the median of the epochs after
    the first, and the first (warm-up: cuDNN autotuning, compilation) on its own."""
    start = time.monotonic()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=max(timeout_s, 1))
        rc, tail = done.returncode, (done.stdout + done.stderr)[-1500:]
    except subprocess.TimeoutExpired as e:
        rc, tail = "timeout", str(e)[-300:]
    row = {"run": name, "returncode": rc, "wall_s": round(time.monotonic() - start, 1)}
    history = checkpoint_dir / "history.json"
    if rc == 0 and history.is_file():
        rates = [r["images_per_s"] for r in json.loads(history.read_text())]
        row.update(first_epoch_images_per_s=round(rates[0], 1), epochs=len(rates))
        if len(rates) > 1:  # one epoch is all warm-up: no steady rate to report
            row["images_per_s"] = round(statistics.median(rates[1:]), 1)
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
              "images/s: the median of the epochs after the first; the first epoch (autotuning, compilation) "
              "on its own.", "",
              "| run | exit | wall s | images/s | first epoch images/s |", "|---|---|---|---|---|"]
    for r in report["commands"]:
        lines.append(f"| {r['run']} | {r['returncode']} | {r['wall_s']} | {r.get('images_per_s', '—')} | "
                     f"{r.get('first_epoch_images_per_s', '—')} |")
    lines += ["", *[f"- skipped: {s}" for s in report["skipped"]]]
    return "\n".join(lines) + "\n"


def run_commands(sizes: dict, gpu: bool, left, report: dict) -> None:
    """The training command line, torchrun, notebook 09's GPU path and compile, each within the seconds
    ``left()`` still gives; their rows (or what was skipped) go into ``report``."""
    # the training commands (and the compile child, which imports tools/) import this checkout
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    runs = [("train, data on the device", True, False, False),
            (f"train, CPU loader with {sizes['cli_workers']} worker(s)", False, False, False),
            ("torchrun, 1 process, data on the device", True, False, True),
            (NB09, False, False, False),
            ("train, data on the device, compile", True, True, False)]
    if not gpu:  # compiling on a CPU takes minutes: the smoke run checks the rest
        runs = runs[:-1]
        report["skipped"].append("torch.compile (CPU smoke run)")
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, on_device, compile_, ddp) in enumerate(runs):
            if left() < (120 if compile_ and gpu else 20):
                report["skipped"].append(name)
                continue
            ckpt = Path(tmp) / str(i)
            cmd = _train_command(sizes, gpu, ckpt, on_device, compile_,
                                 sizes["ddp_epochs"] if ddp else sizes["cli_epochs"])
            if name == NB09:  # the notebook's own calls, as a script (no Jupyter on the GPU machine)
                smoke = [] if gpu else ["--preset", "small", "--image-size", str(sizes["size"]), "--device",
                                        "cpu", "--precision", "fp32", "--workers", "0", "--synthetic-train",
                                        "64", "--synthetic-val", "32", "--batch-size", "16"]
                cmd = [str(NB09_SCRIPT), str(ckpt), "--no-progress", *smoke]
            if ddp:  # torchrun [options] -m xception_edu.train ...
                cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=1", "--standalone",
                       *cmd]
            else:
                cmd = [sys.executable, *cmd]
            # a compilation that runs long must leave time for the compiled throughput after it
            report["commands"].append(run_command(name, cmd, ckpt, left() / 2 if compile_ else left() - 10))
            print(f"{name}: {report['commands'][-1]['returncode']}, {left():.0f} s left", flush=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.gpu_check OUTDIR [--budget SECONDS]``"""
    p = argparse.ArgumentParser(prog="python -m tools.gpu_check", description=main.__doc__)
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
    for batch in sizes["batches"]:
        for cl in (False, True):
            if left() < 0.55 * a.budget:  # keep room for the command-line runs and compile
                report["skipped"].append(f"throughput batch {batch}, channels_last={cl}")
                continue
            report["throughput"] += throughput(sizes, device, False, cl, batch)
            print(f"throughput batch {batch} channels_last={cl}: {left():.0f} s left", flush=True)
    run_commands(sizes, gpu, left, report)
    if gpu:
        if left() > 60:
            report["throughput"] += compiled_throughput(sizes, left() - 10)
        else:
            report["skipped"].append("throughput with torch.compile")
    report["seconds"] = round(time.monotonic() - start, 1)
    (a.outdir / "gpu-check.json").write_text(json.dumps(report, indent=1) + "\n")
    (a.outdir / "gpu-check.md").write_text(to_markdown(report))
    print(to_markdown(report))
    failed = [r["run"] for r in report["commands"] if r["returncode"] != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
