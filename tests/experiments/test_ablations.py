"""The experiment runner behind notebook 10 (Figs 9, 10 and the spectrum): resume, completeness,
reproducibility, clear errors (the grids themselves: test_ablation_grids.py). Tiny models and data:
seconds."""
import hashlib
import json
import subprocess
import sys

import pytest

from xception_edu.experiments import ablations
from xception_edu.experiments import cli as experiments_cli
from xception_edu.lessons import nb10_ablations as nb10
from xception_edu.train.divergence import NonFiniteLoss

MODEL = dict(width=0.0625, middle_repeats=0, bn_momentum=0.1)
DATA = dict(task="spatial", train_size=64, val_size=32, image_size=71)
TRAIN = dict(epochs=1, batch_size=16, ema_bn_batches=2)


def spy(calls):
    def train(config, seed, datasets):
        calls.append((config.name, seed))
        return ablations.train_run(config, seed, datasets)
    return train


def test_resume_skips_finished_runs_and_table_is_complete(tmp_path):
    configs = ablations.fig9_configs(MODEL, DATA, TRAIN)
    calls = []
    rows = ablations.run_grid(configs, [0, 1], tmp_path, train=spy(calls), log=None)
    assert sorted(calls) == sorted((c.name, s) for c in configs for s in (0, 1))
    assert {(r["config"], r["seed"]) for r in rows} == set(calls)
    stored = ablations.load_results(tmp_path)
    assert len(stored) == 4 and all(r["history"] for r in stored)
    csv_lines = (tmp_path / ablations.TABLE).read_text().splitlines()
    assert csv_lines[0].split(",") == list(ablations.TABLE_FIELDS) and len(csv_lines) == 5
    # Second call: nothing to train, same numbers back.
    again = []
    rows2 = ablations.run_grid(configs, [0, 1], tmp_path, train=spy(again), log=None)
    assert again == []
    assert [r["final_val_acc"] for r in rows2] == [r["final_val_acc"] for r in rows]
    # A new seed trains only the new runs; Fig. 10's "no activation" is Fig. 9's "residual": shared.
    more = []
    ablations.run_grid(ablations.fig10_configs(MODEL, DATA, TRAIN)[:1] + configs, [0, 1, 2], tmp_path,
                       train=spy(more), log=None)
    # "residual", seed 2: just trained as "no activation"
    assert more == [("no activation", 2), ("no residual", 2)]
    table = ablations.table(rows)
    assert all(set(t) == set(ablations.TABLE_FIELDS) and None not in t.values() for t in table)
    summary = ablations.summarize(rows)
    assert [s["config"] for s in summary] == ["residual", "no residual"] and all(s["n"] == 2 for s in summary)


def test_same_seed_same_numbers_on_cpu():
    config = ablations.Config("x", MODEL, DATA, TRAIN)
    data = ablations.load_data(config.data)
    a, b, c = (ablations.train_run(config, s, data) for s in (3, 3, 4))
    keys = ("final_train_loss", "final_train_acc", "final_val_loss", "final_val_acc")
    assert [a[k] for k in keys] == [b[k] for k in keys]
    assert a["final_train_loss"] != c["final_train_loss"]  # another seed: another run


def test_key_ignores_name_and_folder_but_not_settings():
    a = ablations.Config("a", MODEL, DATA, TRAIN)
    assert a.key() == ablations.Config("b", MODEL, DATA, {**TRAIN, "progress": True}).key()
    assert a.key() != ablations.Config("a", {**MODEL, "residual": False}, DATA, TRAIN).key()
    assert a.key() == ablations.Config("a", {**MODEL, "residual": True, "mid_activation": None},
                                       DATA, TRAIN).key()
    assert a.key() != ablations.Config("a", MODEL, {**DATA, "data_seed": 1}, TRAIN).key()
    r1 = ablations.Config("c", data=dict(source="cifar10", root="/a"))
    assert r1.key() == ablations.Config("c", data=dict(source="cifar10", root="/b")).key()


# What a run's hash covered when notebook 10's runs were stored, written out: the key must not move.
MODEL_DEFAULTS = dict(in_channels=3, middle_repeats=8, width=1.0, residual=True, mid_activation=None,
                      spatial_groups=None, dropout=0.5, bn_eps=1e-3, bn_momentum=0.01, pool_padding="tf_same",
                      channel_divisor=8)
CPU_TRAIN = dict(epochs=3, batch_size=16, lr=0.02, ema_decay=0.8, ema_bn_batches=3)  # the hashed ones
SYNTHETIC = dict(source="synthetic", task="mixed", train_size=160, val_size=96, image_size=71, data_seed=0)


@pytest.mark.parametrize("model,data,train", [
    ({}, {}, {}),
    (MODEL, DATA, TRAIN),
    (dict(width=0.25, middle_repeats=2, spatial_groups=4, mid_activation="elu"), {}, dict(lr=0.05)),
    (dict(residual=False), dict(source="cifar10", root="/data", image_size=80), {}),
])
def test_key_is_the_hash_of_the_settings_as_stored(model, data, train):
    data_all = {**(SYNTHETIC if data.get("source", "synthetic") == "synthetic" else dict(image_size=80)),
                **data}
    spec = dict(model={**MODEL_DEFAULTS, **model}, data={k: v for k, v in data_all.items() if k != "root"},
                train={**CPU_TRAIN, **train})
    want = hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:12]
    assert ablations.Config("any", model, data, train).key() == want


@pytest.mark.parametrize("make, match", [
    (lambda: ablations.Config("", MODEL), "non-empty name"),
    (lambda: ablations.Config("x", {"widht": 0.5}), "not Xception options"),
    (lambda: ablations.Config("x", train={"epoch": 2}), "not TrainConfig fields"),
    (lambda: ablations.Config("x", train={"seed": 2}), "seeds to run_grid"),
    (lambda: ablations.Config("x", data={"source": "mnist"}), "not one of"),
    (lambda: ablations.Config("x", data={"source": "cifar10"}), "root folder"),
    (lambda: ablations.check_grid([ablations.Config("x", {**MODEL, "spatial_groups": 3})], [0]),
     "spatial_groups=3"),
    (lambda: ablations.check_grid([ablations.Config("x", MODEL), ablations.Config("x", MODEL)], [0]),
     "names repeat"),
    (lambda: ablations.check_grid([ablations.Config("x", MODEL)], [0, -1]), "seeds"),
    (lambda: ablations.check_grid([ablations.Config("x", MODEL)], []), "seeds"),
    (lambda: ablations.check_grid([], [0]), "no configurations"),
    (lambda: ablations.spectrum_configs((0,), MODEL, DATA), "positive integers"),
])
def test_bad_configs_raise_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_grid_fails_before_training(tmp_path):
    calls = []
    with pytest.raises(ValueError, match="spatial_groups"):
        ablations.run_grid([ablations.Config("ok", MODEL, DATA, TRAIN),
                            ablations.Config("bad", {**MODEL, "spatial_groups": 5})],
                           [0], tmp_path, train=spy(calls), log=None)
    assert calls == [] and not (tmp_path / ablations.RESULTS).exists()


def test_plots_and_summary_text(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    rows = ablations.run_grid([ablations.Config("g=C", MODEL, DATA, TRAIN)], [0, 1], tmp_path, log=None)
    assert nb10.plot_curves(rows).axes and nb10.plot_spectrum(rows).axes
    assert "g=C" in ablations.format_summary(ablations.summarize(rows))
    json.dumps(ablations.table(rows))  # plain data


def test_cli_needs_data_dir_for_real_data(capsys):
    with pytest.raises(SystemExit) as e:
        experiments_cli.main(["--grid", "fig9", "--data", "cifar10"])
    assert e.value.code == 2 and "--data-dir" in capsys.readouterr().err


@pytest.mark.parametrize("args,msg", [
    (["--seeds", "0"], "--seeds must be at least 1, got 0"),
    (["--seeds", "1000000000"], "--seeds 1000000000 is more runs per configuration than a grid needs"),
    (["--epochs", "0"], "--epochs must be at least 1, got 0"),
    (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    (["--train-size", "0"], "--train-size must be at least 1, got 0"),
    (["--lr", "nan"], "--lr must be a positive, finite number, got nan"),
    (["--lr", "inf"], "--lr must be a positive, finite number, got inf"),
    (["--lr", "-1"], "--lr must be a positive, finite number, got -1.0"),
    (["--width", "0"], "--width must be a positive, finite number, got 0.0"),
    (["--middle-repeats", "-1"], "--middle-repeats must be 0 or more, got -1"),
    (["--grid", "spectrum", "--groups", "1,two"], "--groups '1,two' is not a comma-separated list"),
])
def test_cli_refuses_nonsense_before_training(args, msg, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        experiments_cli.main(["--grid", "fig9", "--results", str(tmp_path), *args])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_cli_error_while_running_is_one_line_and_exit_code_1(tmp_path, capsys):
    args = ["--grid", "fig9", "--results", str(tmp_path), "--image-size", "10", "--seeds", "1",
            "--epochs", "1", "--train-size", "16", "--device", "cpu"]
    with pytest.raises(SystemExit) as e:
        experiments_cli.main(args)
    assert e.value.code == 1
    assert capsys.readouterr().err.splitlines() == ["error: image_size=10 is outside the synthetic dataset's "
                                                    "range 32..299 px"]
    with pytest.raises(ValueError, match="image_size=10"):  # --debug: the exception, with its traceback
        experiments_cli.main([*args, "--debug"])


def test_a_diverged_run_is_one_line_naming_only_this_commands_options(tmp_path, monkeypatch, capsys):
    # The engine's own exception (its advice in the Python API's words); the command gives its own.
    def diverging(configs, seeds, results):
        raise NonFiniteLoss("the loss became nan at step 4: training diverged. No checkpoint was written.",
                            9.0)

    monkeypatch.setattr(experiments_cli, "run_grid", diverging)
    with pytest.raises(SystemExit) as e:
        experiments_cli.main(["--grid", "fig9", "--results", str(tmp_path), "--lr", "9"])
    assert e.value.code == 3
    line, = capsys.readouterr().err.splitlines()
    assert line == ("error: the loss became nan at step 4: training diverged. No checkpoint was written. Run "
                    f"again with a lower --lr (now 9); the runs already finished in {tmp_path} are kept.")


def test_a_busy_results_folder_is_refused_by_name_before_training(tmp_path, capsys):
    # A real second process holds the folder, as a second command would.
    code = (f"import sys; from xception_edu.train import guard; lock = guard.FolderLock({str(tmp_path)!r})"
            ".acquire(); print('held', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    calls = []
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(SystemExit) as e:
            experiments_cli.main(["--grid", "fig9", "--results", str(tmp_path), "--seeds", "1",
                                  "--epochs", "1", "--train-size", "16", "--device", "cpu"])
        with pytest.raises(RuntimeError, match=f"another run \\(pid {holder.pid}\\)"):
            ablations.run_grid(ablations.fig9_configs(MODEL, DATA, TRAIN), [0], tmp_path, train=spy(calls))
    finally:
        holder.kill()
        holder.wait()
    assert e.value.code == 1 and calls == []
    assert capsys.readouterr().err.splitlines() == [
        f"error: another run (pid {holder.pid}) is using {tmp_path}; "
        "wait for it to end, or give another folder"]


def test_a_corrupt_results_line_is_named_by_file_and_line(tmp_path):
    good = json.dumps({"key": "abc", "seed": 0})
    (tmp_path / ablations.RESULTS).write_text(f"{good}\n\n{good}\n{{\"key\": \"ab\n")
    with pytest.raises(ValueError, match=(f"^{tmp_path / ablations.RESULTS}, line 4, is not a result row "
                                          r"\(Unterminated string starting at, column 9\)")):
        ablations.load_results(tmp_path)


def test_a_results_folder_that_is_a_file_is_refused_before_training(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("")
    calls = []
    with pytest.raises(ValueError, match=f"the results folder {taken} is a file"):
        ablations.run_grid(ablations.fig9_configs(MODEL, DATA, TRAIN), [0], taken, train=spy(calls))
    assert calls == []
