"""How notebook 08's build exercises check a learner's ``nn.Module`` class by behaviour against the
package's own module: build the class as the task states (a crash is a miss naming the call), run it once
with hooks (``Trace``: the layers its forward calls, in order, and which feeds which), then copy its seeded
random weights and BN statistics into the reference, matched by shape in call order, and compare outputs on
random inputs of both signs: eval mode, train mode (batch statistics), eval again (the running statistics
that step updated). Where they differ, what the usual mistakes compute with the same weights names the
mistake. What the exercises ask, and their mistakes: ``build_blocks``.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn as nn

from ..exercises import Mismatch, attempt
from .checking import BUILD_CRASH, FORWARD_CRASH, mistake_made, same_output

__all__ = ["Trace", "build", "call_text", "check_layers", "compare", "crashed", "named_mistake",
           "signed_input"]


def signed_input(channels: int, size: tuple[int, int], seed: int) -> torch.Tensor:
    """4 standard-normal maps: half the values negative, so a missing or extra ReLU shows."""
    return torch.randn(4, channels, *size, generator=torch.Generator().manual_seed(seed))


def build(answer, args: tuple, signature: str, fix: str) -> nn.Module:
    """The learner's class built as the task states (``signature``); a crash is a miss naming the call."""
    if isinstance(answer, nn.Module) or not callable(answer):
        raise Mismatch(f"pass your class itself, e.g. lesson.check(..., MyBlock), not a "
                       f"{type(answer).__name__}: the check builds it with channel numbers of its own.",
                       fix="hand over the class, not an instance: lesson.check(..., MyBlock), "
                           "not MyBlock(...).")
    module = attempt(answer, args, call_text(answer, args), f"The check builds your class as {signature}. "
                     f"{BUILD_CRASH}", fix)
    if not isinstance(module, nn.Module):
        raise Mismatch(f"your class called with {args} gave a {type(module).__name__}, not an nn.Module.")
    return module


class Trace:
    """One forward pass (eval mode, no grad) of a module: the leaf layers it calls in order (``calls``),
    the layer that produced each one's input (``fed_by``), and the output or the error."""

    def __init__(self, module: nn.Module, x: torch.Tensor):
        self.calls, self.fed_by, produced, keep = [], {}, {}, []
        self.leaves = leaves = [m for m in module.modules()
                                if not list(m.children()) and not isinstance(m, nn.Identity)]

        def before(m, inputs):
            self.calls.append(m)
            self.fed_by.setdefault(m, produced.get(id(inputs[0])) if inputs else None)

        def after(m, inputs, output):
            produced[id(output)] = m
            keep.append(output)  # alive until the pass ends, so no other tensor takes its id

        hooks = [*(m.register_forward_pre_hook(before) for m in leaves),
                 *(m.register_forward_hook(after) for m in leaves)]
        self.out = self.error = None
        training = module.training  # the learner's module is left in the mode it came in
        try:
            with torch.no_grad():
                self.out = module.eval()(x.clone())  # a clone: an in-place first ReLU must not change x
        except NotImplementedError:
            raise  # the stub: "Not done yet"
        except Exception as e:  # explained below if it is a known mistake, else shown as it is
            self.error = e
        finally:
            module.train(training)
            for h in hooks:
                h.remove()
        called = list(dict.fromkeys(self.calls))
        self.layers = called + [m for m in leaves if m not in called and _tensors([m])]
        self.convs = [m for m in called if isinstance(m, nn.Conv2d)]
        self.bns = [m for m in called if isinstance(m, nn.BatchNorm2d)]
        self.unused_bns = [m for m in leaves if isinstance(m, nn.BatchNorm2d) and m not in called]


def convs_in_call_order(module: nn.Module, x: torch.Tensor) -> list[nn.Conv2d]:
    """The ``nn.Conv2d`` layers that ``module``'s forward calls on ``x``, in the order it calls them (the
    computation, not the order in which ``__init__`` happened to define them); a forward that fails raises."""
    trace = Trace(module, x)
    if trace.error is not None:
        raise trace.error
    return trace.convs


def _tensors(layers) -> list[tuple[str, torch.Tensor]]:
    return [(n, t) for m in layers for n, t in (*m.named_parameters(recurse=False),
                                                *m.named_buffers(recurse=False))
            if n != "num_batches_tracked"]


def call_text(answer, args: tuple) -> str:
    return f"{getattr(answer, '__name__', 'your class')}({', '.join(map(str, args))})"


def crashed(trace: Trace, call: str, x: torch.Tensor, fix: str) -> Mismatch:
    """The miss of a forward that raised on the check's input: the call, the error, what to look at."""
    e = trace.error
    return Mismatch(f"{call} run on an input of shape {tuple(x.shape)}: your forward raised "
                    f"{type(e).__name__}: {e}. {FORWARD_CRASH}", fix=fix)


@torch.no_grad()
def _randomise(layers, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    for name, t in _tensors(layers):
        if t.dim() > 1:  # a kernel, scaled to keep the outputs near unit size
            t.copy_(torch.randn(t.shape, generator=g) / t[0].numel() ** 0.5)
        elif name in ("weight", "running_var"):  # BN's scale and variance: positive, and not 1
            t.copy_(torch.rand(t.shape, generator=g) + 0.5)
        else:  # biases, BN shifts and means: either sign
            t.copy_(0.3 * torch.randn(t.shape, generator=g))


@torch.no_grad()
def _transplant(learner_layers, reference_layers) -> None:
    """Each reference tensor, in call order, takes the first unused learner tensor of its shape."""
    source = [t for _, t in _tensors(learner_layers)]
    free = list(range(len(source)))
    for _, t in _tensors(reference_layers):
        i = next((i for i in free if source[i].shape == t.shape), None)
        if i is not None:
            free.remove(i)
            t.copy_(source[i])


@torch.no_grad()
def _run(module: nn.Module, x: torch.Tensor, train: bool) -> torch.Tensor:
    return module.train(train)(x.clone())


def named_mistake(got: torch.Tensor, trace: Trace, candidates: dict) -> tuple | None:
    """The mistake whose output ``got`` is, among ``candidates`` ({hint: what it computes}), if any."""
    return mistake_made(got, candidates) if candidates else None


def compare(learner, trace: Trace, ref, x, what: str, wrong=None, pairs=(), seed: int = 0,
            explain: Callable = named_mistake) -> None:
    """Raise Mismatch unless learner and reference compute the same with the same weights (see the module
    docstring); ``wrong(ref, x)``: {hint: what that mistake computes} for a first failure in eval mode;
    ``explain(got, trace, candidates)``: the hint for a difference (no candidates outside eval mode)."""
    ref_trace = Trace(ref, x)
    _randomise(ref_trace.layers, seed + 1)  # a reference tensor with no counterpart stays different
    _randomise(trace.layers, seed)
    for a, b in pairs:
        _transplant([a], [b])
    mine, theirs = {a for a, _ in pairs}, {b for _, b in pairs}
    _transplant([m for m in trace.layers if m not in mine], [m for m in ref_trace.layers if m not in theirs])
    for mode, train in (("eval mode", False), ("train mode (batch statistics)", True),
                        ("eval mode after a training step (running statistics)", False)):
        got, want = _run(learner, x, train), _run(ref, x, train)
        if same_output(got, want):
            continue
        candidates = {}
        if mode == "eval mode" and wrong is not None:
            with torch.no_grad():
                candidates = wrong(ref.eval(), x)
        hint = explain(got, trace, candidates)
        if hint:
            raise Mismatch(*hint)
        diff = f"largest difference {(got - want).abs().max().item():.3g}" if got.shape == want.shape \
            else f"shape {tuple(got.shape)} instead of {tuple(want.shape)}"
        raise Mismatch(f"with your weights copied into the package's {type(ref).__name__}, the outputs "
                       f"differ in {mode} ({diff}).", fix=f"compare your forward with {what}, layer by layer")


def check_layers(trace: Trace, allowed: tuple, what: str) -> None:
    extra = sorted({type(m).__name__ for m in trace.calls if not isinstance(m, allowed)})
    if extra:
        names = ", ".join(a.__name__ for a in allowed)
        raise Mismatch(f"your forward calls {', '.join(extra)}: {what} has none.",
                       fix=f"remove the {', '.join(extra)}: use only {names}.")
