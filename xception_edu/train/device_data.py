"""A set held on the training device, served batch by batch without a DataLoader
(``TrainConfig.data_on_device``, ``--data-on-device``): no workers, no pinned copies, so what is measured
is the model (the GPU check), and a small in-memory set trains at the device's speed. The batches are a
DataLoader's, in the sampler's order.
"""
from __future__ import annotations

import torch


def on_device(dataset, device: torch.device):
    """A set held in memory (``TensorImages``: the synthetic and random sets), moved to ``device``."""
    if not (hasattr(dataset, "to") and hasattr(dataset, "batch")):
        raise ValueError(f"data_on_device needs a set held in memory (--data synthetic or random), not "
                         f"{type(dataset).__name__}: real images are decoded by the loader's workers")
    return dataset.to(device)


def device_batches(dataset, order: list[int], batch_size: int, drop_last: bool):
    """``dataset.batch`` over ``order`` in slices of ``batch_size``: a DataLoader's batches, without one."""
    idx = torch.as_tensor(order, dtype=torch.long, device=dataset.images.device)
    stop = len(order) - len(order) % batch_size if drop_last else len(order)
    for start in range(0, stop, batch_size):
        yield dataset.batch(idx[start:start + batch_size])
