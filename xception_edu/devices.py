"""Which accelerator is here, said plainly (CUDA first, then Apple's MPS, then the CPU), how to wait for it,
and which number format it computes in."""
from __future__ import annotations

import contextlib
import platform
import sys
from dataclasses import dataclass

import torch


@contextlib.contextmanager
def cpu_threads(n: int | None):
    """Run the block (or, as a decorator, each call of a function) with PyTorch limited to ``n`` CPU threads
    (None: unchanged), then restore the count.

    Tiny tensors run fastest on one thread: on a busy machine, handing work between threads costs more than
    the arithmetic, and widget redraws must feel instant.
    """
    old = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


PRECISIONS = ("fp32", "bf16", "fp16")


def autocast_dtype(precision: str) -> torch.dtype | None:
    """The ``torch.autocast`` dtype of a precision name; None for fp32 (autocast off)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r} is not one of {PRECISIONS}")
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)


def sync(device) -> None:
    """Wait until ``device`` has finished its queued work: GPUs run asynchronously, so a timer must."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def best_device() -> torch.device:
    """The fastest device PyTorch can use on this machine."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _has_mps():
        return torch.device("mps")
    return torch.device("cpu")


def _has_mps() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


def available_devices() -> list[str]:
    """The devices this machine can compute on, by name: cpu, then cuda:0 ... cuda:N-1, then mps."""
    cuda = [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    return ["cpu", *cuda, *(["mps"] if _has_mps() else [])]


def check_device(name: str) -> torch.device:
    """``torch.device(name)`` if this machine has that device, else a ValueError listing the ones it has
    (asked for before any work starts, so a typo does not surface as a traceback deep inside training)."""
    here = f"this machine has {', '.join(available_devices())}"
    try:
        dev = torch.device(name)
    except (RuntimeError, ValueError):
        dev = None
    if dev is None or dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device {name!r} is not cpu, cuda, cuda:N or mps; {here}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r}: CUDA is not available; {here}")
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"device {name!r}: there is no CUDA device {dev.index}; {here}")
    if dev.type == "mps" and not _has_mps():
        raise ValueError(f"device {name!r}: Apple's MPS is not available; {here}")
    return dev


@dataclass(frozen=True)
class Environment:
    python: str
    torch: str
    device: str
    device_name: str
    cpu_threads: int

    @property
    def has_gpu(self) -> bool:
        return self.device != "cpu"

    def report(self) -> str:
        lines = [
            f"Python {self.python}, PyTorch {self.torch}",
            f"Device: {self.device} ({self.device_name}), {self.cpu_threads} CPU threads",
        ]
        if self.has_gpu:
            lines.append("A GPU was found: every notebook runs, "
                         "and notebook 09 can train full-size Xception.")
        else:
            lines.append("No GPU found: every notebook runs on the CPU, in small. Only the full-size "
                         "Xception training (299 px, ImageNet-scale) needs a GPU.")
        return "\n".join(lines)


def environment() -> Environment:
    """Describe the Python, PyTorch and device that the notebooks will use."""
    device = best_device()
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    elif device.type == "mps":
        name = "Apple GPU"
    else:
        name = platform.processor() or platform.machine() or "CPU"
    return Environment(
        python=sys.version.split()[0],
        torch=torch.__version__,
        device=device.type,
        device_name=name,
        cpu_threads=torch.get_num_threads(),
    )
