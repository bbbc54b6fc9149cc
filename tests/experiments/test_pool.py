"""Runs of a grid in worker processes: the same numbers as one after another, in the grid's order, and
clear errors where a run cannot be sent to a worker."""
import pytest
import torch

from xception_edu.experiments import ablations, pool

MODEL = dict(width=0.0625, middle_repeats=0, bn_momentum=0.1)
DATA = dict(task="spatial", train_size=48, val_size=16, image_size=71)
TRAIN = dict(epochs=2, batch_size=16, ema_bn_batches=1)
NUMBERS = ("final_train_loss", "final_train_acc", "final_val_loss", "final_val_acc", "params", "key")


def _curves(rows):
    return [[{k: v for k, v in r.items() if k not in ("seconds", "images_per_s")} for r in row["history"]]
            for row in rows]


@pytest.fixture(scope="module")
def serial_and_parallel(tmp_path_factory):
    configs = ablations.fig9_configs(MODEL, DATA, TRAIN)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as notebook 10 does; the workers take the caller's count
    try:
        serial = ablations.run_grid(configs, [0, 1], None, log=None)
        # One run already stored: the workers train the other three, and the rows keep the grid's order.
        folder = tmp_path_factory.mktemp("grid")
        ablations.run_grid(configs[1:], [1], folder, log=None)
        lines = []
        parallel = ablations.run_grid(configs, [0, 1], folder, log=lines.append, processes=2)
    finally:
        torch.set_num_threads(threads)
        pool.shutdown()
    return serial, parallel, lines


def test_runs_in_workers_give_the_numbers_of_runs_one_after_another(serial_and_parallel):
    serial, parallel, _ = serial_and_parallel
    assert [(r["config"], r["seed"]) for r in parallel] == [(r["config"], r["seed"]) for r in serial]
    assert [[r[k] for k in NUMBERS] for r in parallel] == [[r[k] for k in NUMBERS] for r in serial]
    assert _curves(parallel) == _curves(serial)  # every epoch's loss, accuracy and learning rate


def test_stored_runs_are_read_back_and_the_rest_logged_in_the_grids_order(serial_and_parallel):
    _, _, lines = serial_and_parallel
    assert [line.split(":")[0].strip() for line in lines] == [
        "residual seed 0", "residual seed 1", "no residual seed 0", "no residual seed 1"]
    assert "already done" in lines[3] and all("already done" not in line for line in lines[:3])


def test_a_train_function_a_worker_cannot_import_is_refused_by_name():
    configs = ablations.fig9_configs(MODEL, DATA, TRAIN)
    with pytest.raises(ValueError, match=r"processes > 1 needs a train function .*<lambda>.*processes=1"):
        ablations.run_grid(configs, [0], None, train=lambda c, s, d: {}, log=None, processes=2)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_processes_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match=rf"processes must be a positive integer, got {bad!r}"):
        list(pool.map_runs([(None, 0)], None, None, bad))


def test_default_processes_is_one_per_core_up_to_the_limit(monkeypatch):
    monkeypatch.setattr(pool.os, "cpu_count", lambda: 16)
    assert pool.default_processes() == 4 and pool.default_processes(limit=8) == 8
    monkeypatch.setattr(pool.os, "cpu_count", lambda: None)
    assert pool.default_processes() == 1


def test_notebook_06s_experiment_in_workers_gives_the_same_models():
    from xception_edu.experiments import operators
    kw = dict(tasks=("spatial", operators.CONTROL), kinds=("regular", "separable"), seeds=(0, 1), n_train=64,
              n_val=32, epochs=1, budget=3_000, batch_size=32)
    try:
        serial, parallel = (operators.which_learns_what(**kw, processes=p) for p in (1, 2))
    finally:
        pool.shutdown()
    drop = ("seconds",)
    assert ([{k: v for k, v in r.items() if k not in drop} for r in parallel.rows]
            == [{k: v for k, v in r.items() if k not in drop} for r in serial.rows])
    assert set(parallel.models) == set(serial.models) == set(parallel.initial)
    for key, model in serial.models.items():
        other = parallel.models[key].state_dict()
        assert all(torch.equal(v, other[k]) for k, v in model.state_dict().items()), key
        assert all(torch.equal(v, parallel.initial[key][k]) for k, v in serial.initial[key].items()), key
