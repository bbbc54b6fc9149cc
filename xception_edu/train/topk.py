"""Top-k accuracy as the paper's Table 1 reports it (single crop, top-1 and top-5): the one rule the
trainer's evaluation and ``python -m xception_edu.train.evaluate`` share."""
from __future__ import annotations

import torch

TOP_K = (1, 5)


def topk_correct(logits: torch.Tensor, targets: torch.Tensor, ks=TOP_K) -> torch.Tensor:
    """Per sample, whether its class is among the k highest logits, for each k: a (len(ks), N) bool
    tensor. A k at or above the number of classes counts every sample right."""
    top = logits.topk(min(max(ks), logits.shape[1]), dim=1).indices  # (N, max k), best first
    hit = top == targets[:, None]
    return torch.stack([hit[:, :k].any(dim=1) for k in ks])
