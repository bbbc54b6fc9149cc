"""Where Xception's parameters and multiply-adds are, flow by flow (Fig. 5), and the shapes on the way.

    flow_counts(model, 299)    rows stem, entry, middle, exit, classifier, total: params, MACs per image, output
    flow_table(model, 299)     the same as a printable table
    feature_maps(model, 299)   the shape after every stem conv and every block
    flow_summary(model, 299)   torchinfo's summary, one row per flow (``depth=2``: per block)

MACs follow ``counting``'s convention (conv and linear weights, once per output position), measured by
running the model once on zeros, so they hold for any configuration and input size.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
import torch.nn as nn

from .counting import count_params


@dataclass(frozen=True)
class FlowRow:
    """One part of the network: its trainable parameters, multiply-adds per image and output shape (C, H, W)."""

    name: str
    params: int
    macs: int
    output: tuple[int, ...]


def _size(image_size) -> tuple[int, int]:
    return (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)


def _run(model: nn.Module, image_size, hooks: dict[nn.Module, callable]) -> None:
    """One eval-mode forward on a zero image with forward hooks; the model's mode is restored."""
    h, w = _size(image_size)
    param = next(model.parameters())
    handles = [m.register_forward_hook(fn) for m, fn in hooks.items()]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(1, model.in_channels, h, w, device=param.device, dtype=param.dtype))
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()


def flow_counts(model: nn.Module, image_size=299) -> list[FlowRow]:
    """Parameters, multiply-adds per image and output shape of each flow of an ``Xception``, then the total.

    Fig. 5's "entry flow" is ``stem`` + ``entry`` (1,106,760 parameters in the paper's model).
    """
    macs = {name: 0 for name in model.flows}
    outputs: dict[str, tuple[int, ...]] = {}
    hooks = {}
    for name, flow in model.flows.items():
        def count(m, inputs, out, name=name):
            bias = 1 if m.bias is not None else 0
            macs[name] += (m.weight[0].numel() + bias) * out[0].numel()

        def shape(m, inputs, out, name=name):
            outputs[name] = tuple(out.shape[1:])

        hooks[flow] = shape
        for m in flow.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                hooks[m] = count
    _run(model, image_size, hooks)
    rows = [FlowRow(name, count_params(flow), macs[name], outputs.get(name, ())) for name, flow in model.flows.items()]
    rows.append(FlowRow("total", sum(r.params for r in rows), sum(r.macs for r in rows), rows[-1].output))
    return rows


def flow_table(model: nn.Module, image_size=299) -> str:
    """``flow_counts`` as a table to print."""
    h, w = _size(image_size)
    lines = [f"Xception at {h}x{w}: parameters and multiply-adds per image",
             f"{'part':12s} {'parameters':>12s} {'mult-adds':>10s}  output"]
    for r in flow_counts(model, image_size):
        out = "x".join(map(str, r.output))
        lines.append(f"{r.name:12s} {r.params:12,d} {r.macs / 1e9:9.3f}G  {out}")
    return "\n".join(lines)


def feature_maps(model: nn.Module, image_size=299) -> OrderedDict[str, tuple[int, ...]]:
    """Output shape (C, H, W) after each stem conv, each block, and the exit flow's last conv (Fig. 5)."""
    taps = OrderedDict()
    taps["stem.conv1"] = model.stem.conv1
    taps["stem"] = model.stem
    for flow_name in ("entry_flow", "middle_flow", "exit_flow"):
        for block_name, block in getattr(model, flow_name).named_children():
            taps[f"{flow_name}.{block_name}"] = block
    shapes: OrderedDict[str, tuple[int, ...]] = OrderedDict()

    def hook_for(name):
        def hook(m, inputs, out):
            shapes[name] = tuple(out.shape[1:])
        return hook

    _run(model, image_size, {m: hook_for(name) for name, m in taps.items()})
    return OrderedDict((name, shapes[name]) for name in taps)


def flow_summary(model: nn.Module, image_size=299, batch_size: int = 1, depth: int = 1, **kwargs):
    """torchinfo's summary of an ``Xception``: ``depth=1`` one row per flow, 2 per block, 3 per layer.

    torchinfo's "Mult-Adds" add BN's 2 per channel to the conv/linear ones (8.36 G at 299 px in all).
    """
    from torchinfo import summary

    h, w = _size(image_size)
    kwargs.setdefault("col_names", ("output_size", "num_params", "mult_adds"))
    kwargs.setdefault("row_settings", ("var_names",))
    kwargs.setdefault("verbose", 0)
    return summary(model, input_size=(batch_size, model.in_channels, h, w), depth=depth, **kwargs)
