"""How the trainer scores a model: loss, top-1 and top-5 accuracy (Table 1 reports both), evaluated with
the weight average when there is one, as the paper evaluates (Polyak averaging, Sec. 4.2). The average
gets BN statistics of its own before it is scored (``refresh_ema_bn``). Counts are summed on the device
(``sums``) and read once, summed over ranks.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.optim.swa_utils import update_bn
from torch.utils.data import Dataset

from ..devices import autocast_dtype
from . import batches, distributed
from .device_data import on_device
from .topk import topk_correct


def sums(*values, device: torch.device) -> torch.Tensor:
    """Sums (loss x n, correct, ..., n) as one float64 tensor on ``device``: added there, read once."""
    return torch.stack([torch.as_tensor(v, dtype=torch.float64, device=device) for v in values])


@torch.no_grad()
def refresh_ema_bn(trainer) -> None:
    """Re-estimate the weight average's BN statistics on a fixed set of training batches
    (``swa_utils.update_bn``), averaged over ranks. The RNG is forked so training is unaffected."""
    t = trainer
    if t.ema is None or t._ema_bn_fresh:
        return
    n = min(t.cfg.ema_bn_batches * t.cfg.batch_size, len(t.train_set))
    g = torch.Generator().manual_seed(t.cfg.seed + 12345)
    idx = torch.randperm(len(t.train_set), generator=g)[:n].tolist()
    idx = idx[t.ctx.rank :: t.ctx.world_size] or idx[:1]
    loader = batches.loader(t.train_set, t.cfg, t.ctx.device, indices=idx)
    dev, fmt = t.ctx.device, t.memory_format
    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        update_bn((x.to(dev, memory_format=fmt) for x, _ in loader), t.ema.module)
    distributed.average_bn_statistics(t.ema.module, t.ctx)
    t._ema_bn_fresh = True


@torch.no_grad()
def scores(trainer, dataset: Dataset | None = None, use_ema: bool = True) -> dict:
    """Loss, top-1 and top-5 accuracy on ``dataset`` (default: the validation set), with the weight
    average when there is one. Top-5 is None with 5 classes or fewer (every answer would count). Sharded
    over ranks, then summed."""
    t = trainer
    dataset = t.val_set if dataset is None else dataset
    if use_ema and t.ema is not None:
        refresh_ema_bn(t)
        model = t.ema.module
    else:
        model = t.model
    was_training = model.training
    model.eval()
    ctx = t.ctx
    idx = list(range(ctx.rank, len(dataset), ctx.world_size))
    if t.cfg.data_on_device and dataset is not t.val_set:
        dataset = on_device(dataset, ctx.device)
    loader = batches.loader(dataset, t.cfg, ctx.device, indices=idx)
    dtype = autocast_dtype(t.precision)
    total, classes = sums(0.0, 0.0, 0.0, 0.0, device=ctx.device), 0
    for x, y in loader:
        x = x.to(ctx.device, memory_format=t.memory_format)
        y = y.to(ctx.device)
        with torch.autocast(ctx.device.type, dtype=dtype, enabled=dtype is not None):
            logits = model(x)
        top1, top5 = topk_correct(logits, y).sum(dim=1)
        total += sums(F.cross_entropy(logits.float(), y, reduction="sum"), top1, top5, y.numel(),
                      device=ctx.device)
        classes = logits.shape[1]
    model.train(was_training)
    loss_sum, top1, top5, n = distributed.all_sum(total.tolist(), ctx)
    return {"loss": loss_sum / max(n, 1), "top1": top1 / max(n, 1),
            "top5": top5 / max(n, 1) if classes > 5 else None}
