"""Fig. 2 == Fig. 3, made concrete: carry a simplified Inception module's weights into the
reformulated one (one large 1x1 conv, then a grouped kxk conv) so that both compute the same function.

Why it is exact: concatenating the towers' 1x1 outputs is one 1x1 conv whose filters are the towers'
filters stacked; each tower's kxk conv then sees only its own segment of those channels, which is
what ``groups=towers`` does. Element-wise activations commute with the concatenation.
"""
from __future__ import annotations

from collections import OrderedDict

import torch

from ._checks import activation
from .convs import ReformulatedInception, SeparableConv2d, SimplifiedInception


@torch.no_grad()
def reformulate(module: SimplifiedInception) -> ReformulatedInception:
    """Return the Fig. 3 module carrying exactly the weights of ``module`` (a Fig. 2 module)."""
    if not isinstance(module, SimplifiedInception):
        raise TypeError(f"reformulate expects a SimplifiedInception, got {type(module).__name__}")
    first = module.branches[0]
    bias = first[0].bias is not None
    out = ReformulatedInception(module.in_channels, module.out_channels, module.kernel_size, module.towers,
                                mid_activation=module.mid_activation, out_activation=module.out_activation,
                                bias=bias)
    out = out.to(device=first[0].weight.device, dtype=first[0].weight.dtype)
    # Tower i's filters become output channels [i*w, (i+1)*w) of both stages, in tower order,
    # matching the order of torch.cat in SimplifiedInception.forward.
    out.pointwise.weight.copy_(torch.cat([b[0].weight for b in module.branches]))
    out.spatial.weight.copy_(torch.cat([b[2].weight for b in module.branches]))
    if bias:
        out.pointwise.bias.copy_(torch.cat([b[0].bias for b in module.branches]))
        out.spatial.bias.copy_(torch.cat([b[2].bias for b in module.branches]))
    return out.train(module.training)


# --- Sec. 1.2, the first difference between Fig. 4 and a separable conv: the order ------------------------

def pointwise_first_stack(channels: int, blocks: int, kernel_size: int = 3,
                          activation: str = "relu") -> torch.nn.Sequential:
    """``blocks`` extreme-Inception blocks in a row (Fig. 4's order): each is 1x1 conv -> ReLU ->
    depthwise kxk (``SeparableConv2d(order='pointwise_first', mid_activation='relu')``)."""
    return torch.nn.Sequential(*(SeparableConv2d(channels, channels, kernel_size, order="pointwise_first",
                                                 mid_activation=activation) for _ in range(blocks)))


@torch.no_grad()
def regroup_stack(stack: torch.nn.Sequential) -> torch.nn.Sequential:
    """The same function as a stack of pointwise-first blocks, regrouped into depthwise-first
    (separable) blocks: the order of the two steps matters only at the ends of a stack.

    The stack computes ``PW1 σ DW1 · PW2 σ DW2 · ... · PWn σ DWn``. Cut it differently:
    ``[PW1 σ] · [DW1 PW2] σ · [DW2 PW3] σ · ... · [DWn]`` — a leading 1x1 conv (and its ReLU), n-1 usual
    depthwise separable convs each followed by a ReLU, and a trailing depthwise conv. Weights are carried
    over, so both compute the same outputs.
    """
    blocks = list(stack)
    if not blocks or not all(isinstance(b, SeparableConv2d) and b.order == "pointwise_first" for b in blocks):
        raise TypeError("regroup_stack expects a Sequential of SeparableConv2d(order='pointwise_first') blocks")
    first, last = blocks[0], blocks[-1]
    layers: dict[str, torch.nn.Module] = {}
    lead = torch.nn.Conv2d(first.in_channels, first.out_channels, 1, bias=False)
    lead.weight.copy_(first.pointwise.weight)
    layers["lead_pointwise"], layers["lead_act"] = lead, activation(first.mid_activation)
    for i, (a, b) in enumerate(zip(blocks[:-1], blocks[1:]), 1):
        sep = SeparableConv2d(a.out_channels, b.out_channels, a.kernel_size, order="depthwise_first")
        sep.depthwise.weight.copy_(a.depthwise.weight)
        sep.pointwise.weight.copy_(b.pointwise.weight)
        layers[f"separable{i}"], layers[f"act{i}"] = sep, activation(b.mid_activation)
    tail = torch.nn.Conv2d(last.out_channels, last.out_channels, last.kernel_size,
                           padding=last.kernel_size // 2, groups=last.out_channels, bias=False)
    tail.weight.copy_(last.depthwise.weight)
    layers["trailing_depthwise"] = tail
    return torch.nn.Sequential(OrderedDict(layers)).to(first.pointwise.weight.device)
