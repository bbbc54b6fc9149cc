"""The training loop: one engine for a laptop CPU, one GPU, or several through torchrun, with the paper's
recipe (``config.TrainConfig``): SGD with momentum and a stepped learning rate (Sec. 4.2, optimization
configuration), weight decay and dropout (Sec. 4.3, regularization configuration), and Polyak averaging
of the weights (``swa_utils.AveragedModel``, Sec. 4.2) for evaluation (``scoring.py``). A diverging run
stops with a named error and never saves a state it could not resume from (``divergence.py``).

Exact resume: the order of the samples in an epoch depends only on (seed, epoch), and each sample's
augmentation only on (seed, epoch, sample), whichever loader worker draws it; a checkpoint stores model,
optimizer, scheduler, EMA, grad scaler, RNG states and the position inside the epoch (``resume.py``), so a
run killed at any point and resumed ends with the same weights as one never interrupted (given
deterministic data and kernels, as on the CPU).
"""
from __future__ import annotations

import dataclasses
import pathlib
import time
import warnings
from collections.abc import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.optim.lr_scheduler import StepLR
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.data import Dataset
from tqdm.auto import tqdm

from ..devices import autocast_dtype
from . import batches, checkpoint, distributed, divergence, guard, resume, scoring, stop
from . import history as history_io
from .config import TrainConfig, recipe
from .device_data import on_device
from .sampler import EpochSampler

# In a terminal each epoch's bar is cleared when the epoch ends (its summary line stays); in a notebook
# the bars are widgets, and a cleared one leaves an empty reference in the saved notebook, so they stay.
_KEEP_BARS = tqdm.__module__ == "tqdm.notebook"  # without importing tqdm.notebook (it loads ipywidgets)


class Trainer:
    """Trains ``model`` on ``train_set``; evaluates (with the weight average) on ``val_set``.

    ``on_epoch_end(trainer)``, if given, is called on the main process after each history row is
    written (the end of an epoch, or of a run stopped by max_steps), e.g. to redraw live curves
    (notebook 09's live curves); ``trainer.history[-1]`` is the row just added. ``lock``: the checkpoint
    folder's lock, already claimed (``guard.claim``) by a caller that held it while it built the data and
    the model (the command line); released when ``fit`` ends.
    """

    def __init__(self, model: nn.Module, train_set: Dataset, val_set: Dataset | None, config: TrainConfig,
                 on_epoch_end: Callable[[Trainer], None] | None = None, lock: guard.FolderLock | None = None):
        self.cfg = cfg = config
        self.on_epoch_end = on_epoch_end
        self.ctx = distributed.setup(cfg.device)
        dev = self.ctx.device
        if dev.type == "cpu" and self.ctx.is_main:
            warnings.warn("Training on the CPU: fine for the small preset on synthetic data; "
                          "full-size Xception at 299 px needs a GPU.", stacklevel=2)
        # bf16/fp16 autocast pays off on GPUs; on a CPU it is slower and changes the numbers, so fp32.
        self.precision = cfg.precision if dev.type == "cuda" else "fp32"
        torch.manual_seed(cfg.seed)
        self.memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        self.model = model.to(dev, memory_format=self.memory_format)
        self.ema = None
        if cfg.ema_decay is not None:
            # Parameters only: BN running statistics averaged over steps lag behind and belong to other
            # weights, so the average gets statistics of its own before each evaluation (refresh_ema_bn).
            self.ema = AveragedModel(self.model, multi_avg_fn=get_ema_multi_avg_fn(cfg.ema_decay),
                                     use_buffers=False)
        self._ema_bn_fresh = False
        net = self.model
        if self.ctx.distributed:
            net = DistributedDataParallel(net, device_ids=[dev.index] if dev.type == "cuda" else None)
        self.net = torch.compile(net) if cfg.compile else net
        self.lr = cfg.learning_rate(self.ctx.world_size)
        # weight decay on conv and linear weights only, not on BN or biases (config.py says why)
        self.optimizer = torch.optim.SGD(cfg.param_groups(self.model), lr=self.lr, momentum=cfg.momentum)
        self.scheduler = StepLR(self.optimizer, step_size=cfg.decay_every, gamma=cfg.lr_decay)
        self.scaler = torch.amp.GradScaler(dev.type, enabled=self.precision == "fp16")
        if cfg.data_on_device:  # no loader at all: what a throughput measurement wants
            train_set = on_device(train_set, dev)
            val_set = None if val_set is None else on_device(val_set, dev)
        self.train_set, self.val_set = train_set, val_set
        if len(train_set) // self.ctx.world_size < cfg.batch_size:
            raise ValueError(f"the training set has {len(train_set)} samples, fewer than one batch of "
                             f"{cfg.batch_size} per process; lower batch_size")
        self.epoch, self.step_in_epoch, self.global_step = 0, 0, 0
        self._progress: dict | None = None
        self.history: list[dict] = []
        self.dir = pathlib.Path(cfg.checkpoint_dir) if cfg.checkpoint_dir else None
        self._good: pathlib.Path | None = None  # the checkpoint this run saved or resumed from (finite)
        # the folder held (locked) by this run until fit ends; a new run refused over another's last.pt
        self._lock = lock or (guard.claim(self.dir, cfg.resume, cfg.overwrite, self.ctx.is_main)
                              if self.dir else None)
        try:
            if cfg.resume:
                self._resume()
        except BaseException:
            self._release()
            raise

    # --- checkpoints ---------------------------------------------------------------------------

    def identity(self) -> dict:
        """What the run trains and on what, as plain data (``checkpoint.identity``)."""
        return checkpoint.identity(self.model, self.train_set)

    def save(self) -> None:
        divergence.check_tensors(self)  # never write a state that cannot be resumed from
        if self.dir is not None and self.ctx.is_main:
            checkpoint.save_atomic(resume.state(self), self.dir / checkpoint.LATEST)
        distributed.barrier(self.ctx)
        self._good = self.dir / checkpoint.LATEST if self.dir is not None else None

    def _resume(self) -> None:
        path = self.dir / checkpoint.LATEST
        if not path.is_file():
            if self.ctx.is_main:
                print(f"No checkpoint at {path} yet: starting from scratch.")
            return
        resume.restore(self, path, len(self.train_set) // self.ctx.world_size // self.cfg.batch_size)
        self._good = path
        if self.ctx.is_main:
            print(f"Resumed from {path}: epoch {self.epoch}, step {self.global_step}.")

    # --- the loop ------------------------------------------------------------------------------

    def _done(self) -> bool:
        return (self.epoch >= self.cfg.epochs
                or (self.cfg.max_steps is not None and self.global_step >= self.cfg.max_steps))

    def fit(self) -> list[dict]:
        """Train to the end (or to max_steps), evaluating and checkpointing each epoch; returns the
        history."""
        if self._lock is not None:
            self._lock.acquire()  # again, if an earlier fit released it
        try:
            while not self._done():
                self._train_epoch()
                if not self._done() and self._signalled(sync=True):  # the epoch's end is saved
                    raise self._stopped()
        finally:
            self._release()
        return self.history

    def _signalled(self, sync: bool) -> bool:
        """Whether a stop signal arrived (``stop.on_signals``). Several processes decide together, at a
        step where they already sync (``sync``), so that they stop at the same step."""
        if not self.ctx.distributed:
            return stop.received() is not None
        return sync and distributed.all_sum([float(stop.received() is not None)], self.ctx)[0] > 0

    def _stopped(self) -> stop.Stopped:
        return stop.Stopped(stop.received() or stop.SIGNALS[-1], self.global_step, self.dir is not None)

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()

    def _train_epoch(self) -> None:
        cfg, ctx = self.cfg, self.ctx
        # this rank's share of the epoch, in the order (seed, epoch) fixes, past the batches already trained
        sampler = EpochSampler(len(self.train_set), cfg.seed, self.epoch, ctx.rank, ctx.world_size,
                               skip=self.step_in_epoch * cfg.batch_size)
        loader = batches.loader(self.train_set, cfg, ctx.device, sampler,
                                shuffle_seed=cfg.seed * 7919 + self.epoch)
        steps_per_epoch = sampler.per_rank // cfg.batch_size
        bar = tqdm(total=steps_per_epoch, initial=self.step_in_epoch,
                   desc=f"epoch {self.epoch + 1}/{cfg.epochs}",
                   disable=not (cfg.progress and ctx.is_main), leave=_KEEP_BARS)
        self.net.train()
        # the epoch's sums (loss x n, correct, n), starting from those a run resumed mid-epoch carries
        # (summed over ranks, so rank 0 holds them): its history row is the one an unbroken run writes
        carried, self._progress = self._progress or {"sums": [0.0] * 3, "images": 0, "seconds": 0.0}, None
        sums = scoring.sums(*(carried["sums"] if ctx.is_main else [0.0] * 3), device=ctx.device)
        seen = sums.clone()
        t0, images = time.perf_counter(), 0
        for x, y in loader:
            # forward, backward, optimizer step, weight average
            loss, correct = self._step(x, y)
            # count the batch on the device (no sync)
            sums += scoring.sums(loss.detach().double() * y.numel(), correct, y.numel(), device=ctx.device)
            images += y.numel()
            self.step_in_epoch += 1
            self.global_step += 1
            bar.update(1)
            last = (self.step_in_epoch == steps_per_epoch
                    or (cfg.max_steps and self.global_step >= cfg.max_steps))
            # every log_every steps: stop if training diverged, show the steps since the last update
            if self.global_step % cfg.log_every == 0 or last:
                self._log(bar, sums - seen, images, t0)
                seen = sums.clone()
            # every checkpoint_every steps: a checkpoint inside the epoch, with the epoch's sums so far
            if cfg.checkpoint_every and self.global_step % cfg.checkpoint_every == 0 and not last:
                divergence.check_finite(self, sums)
                self._progress = self._epoch_progress(sums, carried, images, t0)
                self.save()
                self._progress = None
            # max_steps reached inside the epoch: stop here
            if last and self.step_in_epoch < steps_per_epoch:
                break
            # SIGINT or SIGTERM: a checkpoint here, with the epoch's sums so far, then stop
            if not last and self._signalled(sync=self.global_step % cfg.log_every == 0):
                divergence.check_finite(self, sums)
                self._progress = self._epoch_progress(sums, carried, images, t0)
                self.save()
                raise self._stopped()
        bar.close()
        self._end_epoch(self._epoch_progress(sums, carried, images, t0), steps_per_epoch)

    def _log(self, bar, sums: torch.Tensor, images: int, t0: float) -> None:
        """Check the steps since the last update for divergence, and show their loss, accuracy and speed."""
        loss, acc = divergence.check_finite(self, sums)
        rate = images * self.ctx.world_size / (time.perf_counter() - t0)
        bar.set_postfix(loss=f"{loss:.3f}", acc=f"{acc:.3f}", img_s=f"{rate:.0f}",
                        lr=f"{self.optimizer.param_groups[0]['lr']:.4g}")

    def _end_epoch(self, progress: dict, steps_per_epoch: int) -> None:
        """The end of an epoch, or of a run stopped inside one by max_steps: step the schedule (a whole
        epoch only), evaluate, add the history row, save, call ``on_epoch_end``."""
        ctx = self.ctx
        # one model on every rank before evaluating and saving
        distributed.sync_buffers(self.model, ctx)
        # a whole epoch: one step of the schedule (x lr_decay every decay_every epochs, Sec. 4)
        epoch_done = self.step_in_epoch >= steps_per_epoch
        if epoch_done:
            self.scheduler.step()
            self.epoch, self.step_in_epoch = self.epoch + 1, 0
        # evaluate with the weight average, and add the history row
        val = self.scores() if self.val_set is not None else {"loss": None, "top1": None, "top5": None}
        epoch = self.epoch if epoch_done else self.epoch + self.step_in_epoch / steps_per_epoch
        self.history.append(history_io.row(epoch, self.global_step, self.optimizer.param_groups[0]["lr"],
                                           progress, val["loss"], val["top1"], val["top5"]))
        if ctx.is_main:
            (tqdm.write if self.cfg.progress else print)(history_io.line(self.history[-1]))
            if self.dir is not None:
                history_io.save(self.history, self.dir)
        # checkpoint; stopped by max_steps inside an epoch, it keeps the epoch's sums for later
        self._progress = None if epoch_done else progress
        self.save()
        self._progress = None
        if self.on_epoch_end is not None and ctx.is_main:
            self.on_epoch_end(self)

    def _epoch_progress(self, sums: torch.Tensor, carried: dict, images: int, t0: float) -> dict:
        """The epoch so far, over all ranks: loss and accuracy sums, images, seconds (for checkpoints)."""
        return {"sums": distributed.all_sum(sums.tolist(), self.ctx),
                "images": carried["images"] + images * self.ctx.world_size,
                "seconds": carried["seconds"] + time.perf_counter() - t0}

    def _step(self, x: torch.Tensor, y: torch.Tensor):
        dev = self.ctx.device
        x = x.to(dev, non_blocking=True, memory_format=self.memory_format)
        y = y.to(dev, non_blocking=True)
        dtype = autocast_dtype(self.precision)
        with torch.autocast(dev.type, dtype=dtype, enabled=dtype is not None):
            logits = self.net(x)
            loss = F.cross_entropy(logits, y, label_smoothing=self.cfg.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.ema is not None:
            self.ema.update_parameters(self.model)
            self._ema_bn_fresh = False
        return loss, (logits.argmax(1) == y).sum()

    # --- evaluation (scoring.py) ---------------------------------------------------------------

    def refresh_ema_bn(self) -> None:
        """Give the weight average BN statistics of its own (``scoring.refresh_ema_bn``)."""
        scoring.refresh_ema_bn(self)

    def evaluate(self, dataset: Dataset | None = None, use_ema: bool = True) -> tuple[float, float]:
        """Loss and (top-1) accuracy on ``dataset``: ``scores`` without top-5."""
        s = self.scores(dataset, use_ema)
        return s["loss"], s["top1"]

    def scores(self, dataset: Dataset | None = None, use_ema: bool = True) -> dict:
        """Loss, top-1 and top-5 accuracy on ``dataset`` (default: the validation set), with the weight
        average when there is one (``scoring.scores``)."""
        return scoring.scores(self, dataset, use_ema)


def fit(model: nn.Module, train_set: Dataset, val_set: Dataset | None = None,
        config: TrainConfig | None = None, on_epoch_end: Callable[[Trainer], None] | None = None,
        **overrides) -> Trainer:
    """Train and return the trainer (its ``history``, ``model`` and ``ema`` for evaluation)."""
    cfg = dataclasses.replace(config, **overrides) if config else recipe("cpu", **overrides)
    trainer = Trainer(model, train_set, val_set, cfg, on_epoch_end=on_epoch_end)
    trainer.fit()
    return trainer
