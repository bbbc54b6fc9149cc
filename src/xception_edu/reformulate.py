"""Fig. 2 == Fig. 3, made concrete: carry a simplified Inception module's weights into the
reformulated one (one large 1x1 conv, then a grouped kxk conv) so that both compute the same function.

Why it is exact: concatenating the towers' 1x1 outputs is one 1x1 conv whose filters are the towers'
filters stacked; each tower's kxk conv then sees only its own segment of those channels, which is
what ``groups=towers`` does. Element-wise activations commute with the concatenation.
"""
from __future__ import annotations

import torch

from .convs import ReformulatedInception, SimplifiedInception


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
