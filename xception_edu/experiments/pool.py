"""The runs of a grid in worker processes, several at once.

A model as small as notebook 10's spends more time synchronising threads than computing, so one thread per
run is fastest; a machine with k cores then trains k runs at the same time instead of one after another.
Each run depends only on its (configuration, seed): its data, initial weights and sample order are seeded
from them, and a worker runs it with the caller's thread count (``devices.cpu_threads``), so a run gives the
same numbers in a worker as in the caller (a test checks it).
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable, Iterator

import torch

from .._validate import positive_int
from ..devices import cpu_threads


def default_processes(limit: int = 4) -> int:
    """Runs at once: one per core, at most ``limit`` (each worker holds its own copy of torch)."""
    return max(1, min(os.cpu_count() or 1, limit))


def _init_worker() -> None:
    # An interrupt (Ctrl-C, Jupyter's stop button, a kernel shutdown) is the caller's to handle: it stops
    # waiting and cancels the runs not started; a worker finishes its run quietly instead of printing a trace.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _one(train: Callable, data: Callable, config, seed: int, threads: int | None = None) -> dict:
    with cpu_threads(threads):
        return train(config, seed, data(config, seed))


def _importable(fn: Callable, role: str) -> None:
    try:
        pickle.dumps(fn)
    except (pickle.PicklingError, AttributeError, TypeError) as e:
        raise ValueError(f"processes > 1 needs a {role} function the worker processes can import (defined in "
                         f"a module, not in a notebook cell or as a lambda): {fn!r} cannot be sent ({e}); "
                         "use processes=1") from e


def map_runs(todo: list[tuple], train: Callable, data: Callable, processes: int = 1) -> Iterator[dict]:
    """``train(config, seed, data(config, seed))`` for each (config, seed) of ``todo``, yielded in that
    order; with ``processes`` > 1, computed by that many worker processes (spawned: safe under Jupyter and
    on every OS), one thread each unless the caller set another count."""
    positive_int("processes", processes)
    if processes == 1 or len(todo) < 2:
        for config, seed in todo:
            yield _one(train, data, config, seed)
        return
    _importable(train, "train")
    _importable(data, "data")
    pool = _pool(processes)
    threads = torch.get_num_threads()
    futures = [pool.submit(_one, train, data, config, seed, threads) for config, seed in todo]
    try:
        for future in futures:
            yield future.result()
    except concurrent.futures.process.BrokenProcessPool:
        shutdown()  # a worker died (out of memory, killed): the next grid starts a fresh pool
        raise
    finally:
        for future in futures:
            future.cancel()  # stopped early (an error, an interrupt): start no further run


# One pool per process, kept between grids: starting a worker (importing torch) takes seconds, and
# notebook 10 trains three grids in a row.
_POOL: dict = {}


def _pool(processes: int) -> concurrent.futures.ProcessPoolExecutor:
    if processes not in _POOL:
        shutdown()
        _POOL[processes] = concurrent.futures.ProcessPoolExecutor(
            processes, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker)
    return _POOL[processes]


def shutdown() -> None:
    """End the worker processes (they also end with the kernel or interpreter)."""
    while _POOL:
        _POOL.popitem()[1].shutdown(cancel_futures=True)
