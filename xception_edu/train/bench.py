"""Training throughput of our Xception next to timm's ``legacy_xception`` (the same architecture)
and torchvision's Inception V3 (the paper's Table 3 comparison), measured fairly:

* one process, every model built up front, the same batch, input size, precision and memory format;
* warm-up steps first (allocator, cuDNN autotuning, ``torch.compile``), then rounds that ALTERNATE
  between the models, so a machine that slows down (thermal, a neighbour) hurts all of them alike;
* the median of the rounds, and ratios computed from figures taken side by side in that one run.

    python -m xception_edu.train.bench                 # CPU: batch 4 at 299 px
    python -m xception_edu.train.bench --device cuda   # GPU: batch 64, bf16, with and without compile
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..counting import alternating_medians
from ..devices import PRECISIONS, autocast_dtype, best_device, check_device, sync
from ..model import presets


@dataclass
class Contender:
    name: str
    build: Callable[[], nn.Module]
    channels_last: bool = True
    compile: bool = False


@dataclass
class Result:
    name: str
    images_per_s: float
    step_ms: float
    peak_mem_gib: float | None  # CUDA only


def _ours() -> nn.Module:
    return presets.model("paper", num_classes=1000)


def _timm_xception() -> Callable[[], nn.Module] | None:
    try:
        import timm
    except ImportError:
        return None
    return lambda: timm.create_model("legacy_xception", pretrained=False, num_classes=1000)


def _inception_v3() -> Callable[[], nn.Module]:
    from torchvision.models import inception_v3

    return lambda: inception_v3(weights=None, aux_logits=False, init_weights=False, num_classes=1000)


def models() -> list[tuple[str, Callable[[], nn.Module]]]:
    """The three models compared, by name: ours, timm's (when timm is installed), Inception V3."""
    timm_x = _timm_xception()
    return [("ours", _ours), *([("timm legacy_xception", timm_x)] if timm_x else []),
            ("torchvision inception_v3", _inception_v3())]


def contenders(device: torch.device, compile_too: bool) -> list[Contender]:
    """CPU: our default path (channels_last) vs timm's default (NCHW) and timm in channels_last.
    GPU: every model in channels_last, and each also compiled when ``compile_too``."""
    timm_x = _timm_xception()
    if device.type == "cpu":
        out = [Contender("ours (channels_last)", _ours, True)]
        if timm_x:
            out += [Contender("timm legacy_xception (NCHW)", timm_x, False),
                    Contender("timm legacy_xception (channels_last)", timm_x, True)]
        out.append(Contender("torchvision inception_v3 (channels_last)", _inception_v3(), True))
        return out
    out = [Contender("ours", _ours, True)]
    if timm_x:
        out.append(Contender("timm legacy_xception", timm_x, True))
    out.append(Contender("torchvision inception_v3", _inception_v3(), True))
    if compile_too:
        out += [Contender(c.name + " +compile", c.build, c.channels_last, True) for c in list(out)]
    return out


def run(contenders: list[Contender], batch: int, size: int, precision: str = "fp32", device=None,
        warmup: int = 2, rounds: int = 5, steps: int = 2, seed: int = 0) -> list[Result]:
    """Train steps (forward, backward, SGD update) for each contender, alternating; median per model."""
    device = torch.device(device) if device else best_device()
    dtype = autocast_dtype(precision)
    torch.manual_seed(seed)
    x = torch.randn(batch, 3, size, size, device=device)
    y = torch.randint(0, 1000, (batch,), device=device)
    setups = []
    for c in contenders:
        fmt = torch.channels_last if c.channels_last else torch.contiguous_format
        model = c.build().to(device, memory_format=fmt).train()
        net = torch.compile(model) if c.compile else model
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
        setups.append((c, net, opt, x.contiguous(memory_format=fmt)))

    def step(net, opt, inp):
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = F.cross_entropy(net(inp), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    peak: dict[str, float | None] = {}
    for c, net, opt, inp in setups:
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        for _ in range(warmup):
            step(net, opt, inp)
        sync(device)
        peak[c.name] = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None

    def steps_of(net, opt, inp):
        return lambda: [step(net, opt, inp) for _ in range(steps)]

    timed = alternating_medians({c.name: steps_of(net, opt, inp) for c, net, opt, inp in setups},
                                repeats=rounds, warmup=0, device=device)
    seconds = {name: t.median / steps for name, t in timed.items()}
    return [Result(c.name, batch / seconds[c.name], 1e3 * seconds[c.name], peak[c.name]) for c in contenders]


def report(results: list[Result], header: str) -> str:
    base = results[0]
    lines = [header, f"{'model':44s} {'images/s':>9s} {'ms/step':>9s} {'peak GiB':>9s} {'vs first':>9s}"]
    for r in results:
        mem = f"{r.peak_mem_gib:.2f}" if r.peak_mem_gib is not None else "n/a"
        lines.append(f"{r.name:44s} {r.images_per_s:9.2f} {r.step_ms:9.1f} {mem:>9s} "
                     f"{base.images_per_s / r.images_per_s:8.2f}x")
    lines.append("(vs first: how many times faster the first row is than this row)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m xception_edu.train.bench",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--device", default=None, help="cuda or cpu (default: the best available)")
    p.add_argument("--batch", type=int, default=None, help="batch size (default: 4 on CPU, 64 on GPU)")
    p.add_argument("--size", type=int, default=299, help="input size in pixels (>= 71)")
    p.add_argument("--precision", choices=PRECISIONS, default=None,
                   help="default: fp32 on CPU, bf16 on GPU")
    p.add_argument("--no-compile", action="store_true", help="GPU: skip the torch.compile variants")
    p.add_argument("--warmup", type=int, default=None,
                   help="warm-up steps per model (default: 2 CPU, 10 GPU)")
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds; the median is reported")
    p.add_argument("--steps", type=int, default=None,
                   help="steps per model per round (default: 1 CPU, 20 GPU)")
    p.add_argument("--only", default=None, help="comma-separated substrings: keep only matching models")
    a = p.parse_args(argv)
    try:
        device = check_device(a.device) if a.device else best_device()
    except ValueError as e:  # "device 'cuda:3': ..." -> "--device 'cuda:3': ..."
        p.error(f"--{e}")
    gpu = device.type == "cuda"
    if a.size < 71:
        p.error(f"--size {a.size} is too small: Xception needs at least 71 px")
    # "is None", not "or": --batch 0 must be refused, not silently replaced by the default.
    for name, v, least in (("batch", a.batch, 1), ("rounds", a.rounds, 1), ("steps", a.steps, 1),
                           ("warmup", a.warmup, 0)):
        if v is not None and v < least:
            p.error(f"--{name} must be at least {least}, got {v}")
    batch = a.batch if a.batch is not None else (64 if gpu else 4)
    precision = a.precision or ("bf16" if gpu else "fp32")
    cs = contenders(device, compile_too=gpu and not a.no_compile)
    if a.only:
        keys = [k.strip() for k in a.only.split(",")]
        cs = [c for c in cs if any(k in c.name for k in keys)]
        if not cs:
            p.error(f"--only {a.only!r} matches no model")
    name = torch.cuda.get_device_name(device) if gpu else f"CPU ({torch.get_num_threads()} threads)"
    res = run(cs, batch, a.size, precision, device,
              warmup=a.warmup if a.warmup is not None else (10 if gpu else 2),
              rounds=a.rounds, steps=a.steps if a.steps is not None else (20 if gpu else 1))
    print(report(res, f"training throughput on {name}, torch {torch.__version__}, batch {batch}, "
                      f"{a.size}x{a.size}, {precision}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
