"""Notebook 09's package side: live curves (Fig. 6 style), the mode banner, predictions shown on images,
and the checks of its exercises."""
import matplotlib

matplotlib.use("Agg")

import pathlib

import pytest
import torch
import torch.nn as nn
from helpers import cfg, tiny_data, tiny_model

from xception_edu import data, exercises
from xception_edu.lessons import figures
from xception_edu.lessons import nb09_train_xception as nb09
from xception_edu.train import TrainConfig, engine

pytestmark = pytest.mark.filterwarnings("ignore:Training on the CPU")


def rows(n):
    return [{"epoch": e, "step": 10 * e, "lr": 0.05, "train_loss": 2.0 / e, "train_acc": 0.2 * e,
             "val_loss": 1.5 / e, "val_acc": 0.25 * e, "images_per_s": 100.0, "seconds": 1.0}
            for e in range(1, n + 1)]


def test_training_figure_draws_accuracy_and_loss_of_training_and_validation():
    fig = nb09.training_figure(rows(3), chance=1 / 16, epochs=5, title="run")
    acc, loss = fig.axes
    assert acc.get_ylabel() == "accuracy" and loss.get_ylabel() == "cross-entropy loss"
    assert list(acc.lines[1].get_ydata()) == [0.25, 0.5, 0.75]          # validation accuracy
    assert list(loss.lines[0].get_ydata()) == pytest.approx([2.0, 1.0, 2 / 3])
    assert acc.get_xlim() == (0, 5) and acc.lines[-1].get_ydata()[0] == 1 / 16  # chance line
    assert fig._suptitle.get_text() == "run"


class FakeTrainer:
    def __init__(self, n):
        self.history = rows(n)
        self.cfg = TrainConfig(epochs=4)


def test_live_curves_redraw_each_epoch_and_title_the_progress():
    live = nb09.LiveCurves(chance=0.25, title="small Xception")
    for n in (1, 2):
        live(FakeTrainer(n))
    assert live.updates == 2 and live.handle is None  # not in a notebook: drawn, not shown
    assert live.figure._suptitle.get_text() == "small Xception — epoch 2 of 4"
    assert len(live.figure.axes[0].lines[0].get_xdata()) == 2


def test_live_curves_as_a_trainer_callback():

    live = nb09.LiveCurves()
    t = engine.fit(tiny_model(), tiny_data(), tiny_data(48, seed=1), cfg(epochs=2), on_epoch_end=live)
    assert live.updates == 2
    assert list(live.figure.axes[0].lines[1].get_ydata()) == [r["val_acc"] for r in t.history]


def test_progress_bars_are_cleared_in_a_terminal():
    assert engine._KEEP_BARS is False  # pytest is not a notebook kernel


def test_banner_has_html_and_plain_text():
    b = nb09.banner("CPU mode", ["small preset", "a <synthetic> set"], tone="warn")
    assert "<b>CPU mode</b>" in b.data and "&lt;synthetic&gt;" in b.data
    assert repr(b) == "CPU mode\n- small preset\n- a <synthetic> set"
    with pytest.raises(ValueError, match="tone='loud'"):
        nb09.banner("x", tone="loud")


def test_predictions_are_the_models_guesses_in_eval_mode():
    ds = data.synthetic(6, 32, task="spatial", seed=0)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(4, 4))
    model.train()
    out = nb09.predictions(model, ds, [0, 2, 5])
    assert model.training  # put back as it was
    x = torch.stack([ds[i][0] for i in (0, 2, 5)])
    with torch.no_grad():
        probs = model.eval()(x).softmax(1)
    assert torch.equal(out["labels"], torch.tensor([ds[i][1] for i in (0, 2, 5)]))
    assert torch.equal(out["predicted"], probs.argmax(1))
    assert torch.allclose(out["confidence"], probs.max(1).values)
    assert out["images"].shape == (3, 3, 32, 32)


def _result(ds):
    return {"images": torch.stack([ds[i][0] for i in range(5)]), "labels": torch.tensor([0, 1, 2, 3, 0]),
            "predicted": torch.tensor([0, 2, 2, 3, 1]), "confidence": torch.tensor([0.9, 0.5, 0.8, 0.7, 0.4])}


def test_predictions_figure_marks_right_and_wrong_in_words_not_colour_alone():
    ds = data.synthetic(5, 32, task="spatial", seed=0)
    fig = nb09.predictions_figure(_result(ds), ds.classes, columns=3)
    assert len(fig.axes) == 6 and not fig.axes[5].images  # 5 images on a 2 x 3 grid
    titles = [ax.get_title() for ax in fig.axes[:5]]
    assert titles[0] == "guess: horizontal (90%)\ntrue: horizontal"
    assert titles[1] == "guess: checker (50%)\ntrue: vertical"
    assert [ax.get_xlabel() for ax in fig.axes[:5]] == ["✓ right", "✗ wrong", "✓ right", "✓ right", "✗ wrong"]
    frames = [ax.spines["left"].get_edgecolor() for ax in fig.axes[:2]]
    assert frames[0] != frames[1]  # the frame repeats the mark in colour
    figures.check_style(fig)


def test_predictions_described_says_each_guess_and_changes_with_them():
    ds = data.synthetic(5, 32, task="spatial", seed=0)
    result = _result(ds)
    shown = nb09.predictions_described(result, ds.classes, columns=3)
    assert shown.alt.startswith("5 images with the model's guesses: 3 right, 2 wrong.")
    assert "image 2: guess checker (50%), true vertical, wrong" in shown.alt
    assert shown.data[2] == [2, "checker", "50%", "vertical", "wrong"]
    result["predicted"] = result["labels"].clone()
    assert nb09.predictions_described(result, ds.classes).alt.startswith("5 images with the model's guesses: "
                                                                          "5 right, 0 wrong.")


def test_training_figure_keeps_to_the_style_rules_and_its_text_follows_the_history():
    figures.check_style(nb09.training_figure(rows(3), chance=1 / 16, epochs=5, title="run"))
    shown = nb09.training_described(rows(3), chance=1 / 16, epochs=5, title="run")
    assert shown.alt == ("run: accuracy and loss against epochs 1 to 3 of 5. training accuracy 0.200 to "
                         "0.600; validation accuracy 0.250 to 0.750; training loss 2.000 to 0.667; "
                         "validation loss 1.500 to 0.500; chance accuracy 0.0625.")
    assert shown.data[1] == ["1", "0.250", "0.200", "1.500", "2.000"]  # epoch, then METRIC_LABELS' order
    assert nb09.training_described(rows(2)).alt != nb09.training_described(rows(3)).alt


def test_what_a_cell_prints_names_the_run_folder_by_its_variable(tmp_path, capsys):
    with nb09.run_folder_as("RUN_DIR", tmp_path):
        print(f"Resumed from {tmp_path / 'last.pt'}: epoch 4")
    assert capsys.readouterr().out == "Resumed from RUN_DIR/last.pt: epoch 4\n"


@pytest.mark.parametrize("eid,wrong,hint", [
    ("09.scaled_lr", lambda b, g: 0.045 * b / 256, "ALL the GPUs"),
    ("09.scaled_lr", lambda b, g: 0.045, "scales it in proportion"),
    ("09.lr_at_epoch", lambda lr0, e: lr0 * 0.94 ** e, "every 2 epochs, not every epoch"),
    ("09.lr_at_epoch", lambda lr0, e: lr0 * 0.94 ** (e / 2), "COMPLETED periods"),
    ("09.lr_at_epoch", lambda lr0, e: lr0 * 0.94 ** (e // 2 + 1), "Epochs count from 0"),
])
def test_exercise_checks_explain_the_likely_mistake(eid, wrong, hint):
    result = exercises.check(eid, wrong, quiet=True)
    assert not result.passed and hint in result.message


def test_exercise_checks_accept_the_formulas():
    assert exercises.check("09.scaled_lr", lambda b, g: 0.045 * b * g / 256, quiet=True)
    assert exercises.check("09.lr_at_epoch", lambda lr0, e: lr0 * 0.94 ** (e // 2), quiet=True)


def test_recipe_table_marks_what_is_ours_not_the_papers():
    from xception_edu.train import recipe

    text = nb09.recipe_table({'recipe("paper")': recipe("paper", batch_size=256),
                              "this run": recipe("cpu", batch_size=32)}, dropout=0.5)
    rows = {line.split("  ")[0]: line for line in text.splitlines()}
    assert "not stated" in rows["average decay"] and "0.9999 *" in rows["average decay"]  # none in the paper
    assert "256 *" in rows["global batch"] and "0.05 *" in rows["learning rate"]
    assert "*" not in rows["SGD momentum"] and "*" not in rows["dropout"]  # the paper's values
    assert rows["weight decay"].split()[2:] == ["1e-05", "1e-05", "5e-05", "*"]
    assert "0.18 *" in nb09.recipe_table({"8 GPUs": recipe("paper", batch_size=128)}, 0.5, world_size=8)


class _Images(list):
    classes = [f"class {i}" for i in range(5)]


@pytest.mark.parametrize("gpu", [False, True])
def test_the_run_banner_reads_mode_model_data_and_recipe_from_the_run(gpu, tmp_path, monkeypatch):
    from xception_edu import count_params
    from xception_edu.model import presets
    from xception_edu.train import cli

    monkeypatch.setattr(torch.cuda, "get_device_name", lambda *a: "Some GPU")
    argv = nb09.run_argv(gpu, "synthetic", epochs=3, batch=16, compile=gpu)
    a = cli.parser().parse_args(argv + ["--checkpoint-dir", str(tmp_path)])
    c, model = cli.config(a), nn.Conv2d(3, 4, 3)
    b = nb09.run_banner(a, c, model, _Images(range(40)), _Images(range(12)), gpu=gpu)
    title, *lines = repr(b).split("\n")
    assert title.startswith("GPU mode (Some GPU)" if gpu else "CPU mode (no CUDA GPU found)")
    assert ("#b35806" in b.data) != gpu  # the warning's tone on the CPU
    assert f"'{a.preset}' preset ({presets.get(a.preset).description}), {count_params(model):,} parameters" \
        in lines[0]
    assert f"40 training and 12 validation images, 5 classes, {presets.image_size(a.preset)} px" in lines[1]
    assert lines[2].startswith(f"- {c.epochs} epochs of batch {c.batch_size}, learning rate "
                               f"{c.learning_rate():.4g}, weight average decay {c.ema_decay}")
    assert ("torch.compile" in lines[3]) == gpu and ("fp32" in lines[3]) != gpu


# --- which run the notebook makes: GPU or CPU, synthetic or real images ----------------------------------


@pytest.mark.parametrize("gpu,source", [(False, "synthetic"), (False, "cifar10"), (False, "imagenette"),
                                        (True, "synthetic"), (True, "folder"), (True, "imagenette")])
def test_run_argv_is_a_valid_command_line_for_the_mode(gpu, source, tmp_path):
    from xception_edu.train import cli, options

    download = source in ("cifar10", "imagenette")
    folder = None if source == "synthetic" else tmp_path
    argv = nb09.run_argv(gpu, source, folder, download, epochs=3, batch=16)
    p = cli.parser()
    a = p.parse_args(argv + ["--checkpoint-dir", str(tmp_path / "run")])
    options.check_args(p, a)  # the command line's own checks accept it (they exit on an error)
    assert a.preset == ("paper" if gpu else "small") and a.data == source
    assert a.download == download and (a.data_dir is None) == (source == "synthetic")
    if gpu:
        assert (a.epochs, a.batch_size, a.device) == (3, 16, None)
    else:  # the CPU ignores the GPU's epochs and batch: its own, per source
        assert a.device == "cpu" and (a.epochs, a.batch_size) != (3, 16)
        cfg = cli.config(a)
        assert cfg.epochs == int(nb09.CPU_RUNS[source][nb09.CPU_RUNS[source].index("--epochs") + 1])


def test_the_notebook_offers_the_data_layers_sources_except_throughput_noise():
    assert set(nb09.CPU_RUNS) == set(data.SOURCES) - {"random"}


def test_cpu_synthetic_run_is_the_stored_one_and_none_means_synthetic():
    assert nb09.run_argv(False, None) == nb09.run_argv(False, "synthetic") == [
        "--preset", "small", "--synthetic-train", "768", "--synthetic-val", "256", "--epochs", "4",
        "--batch-size", "32", "--device", "cpu"]
    assert nb09.run_argv(True, None, epochs=30, batch=128, compile=True) == [
        "--preset", "paper", "--epochs", "30", "--batch-size", "128", "--compile"]


def test_run_argv_expands_the_home_folder():
    argv = nb09.run_argv(False, "cifar10", "~/data")
    assert argv[argv.index("--data-dir") + 1] == str(pathlib.Path("~/data").expanduser())


@pytest.mark.parametrize("kw,msg", [
    (dict(data="mnist"), r"DATA = 'mnist' is not one of \('synthetic', 'cifar10', 'imagenette', 'folder'\)"),
    (dict(data="cifar10"), "needs DATA_DIR"),
    (dict(data="synthetic", download=True), "synthetic set is generated offline"),
    (dict(data="folder", data_dir="/x", download=True), "cannot be downloaded"),
])
def test_run_argv_refuses_settings_that_cannot_run(kw, msg):
    with pytest.raises(ValueError, match=msg):
        nb09.run_argv(False, **kw)


# --- the widget: the paper's recipe at your scale -------------------------------------------------------


def _shown(html, css_class):
    import re

    return re.search(rf"<b class='{css_class}'>([\d.,]+)</b>", html).group(1).replace(",", "")


@pytest.mark.parametrize("batch,gpus,epochs,data_name,decay", [
    (128, 1, 30, "ImageNet", 0.9999), (32, 8, 100, "ImageNet", 0.999), (256, 60, 10, "CIFAR-10", 0.99),
    (16, 2, 5, "Imagenette", 0.9999), (64, 4, 2, "Imagenette", 0.99),
])
def test_recipe_view_shows_the_scaled_rate_the_run_steps_and_the_average_window(batch, gpus, epochs,
                                                                                   data_name, decay):
    html = nb09.recipe_at_scale_view(batch, gpus, epochs, data_name, decay)
    images = {"ImageNet": 1_281_167, "Imagenette": 9_469, "CIFAR-10": 50_000}[data_name]
    assert float(_shown(html, "xe-lr")) == pytest.approx(0.045 * batch * gpus / 256, rel=1e-3)
    assert int(_shown(html, "xe-steps")) == epochs * -(-images // (batch * gpus))
    assert int(_shown(html, "xe-window")) == pytest.approx(1 / (1 - decay), abs=1)
    last = 0.045 * batch * gpus / 256 * 0.94 ** ((epochs - 1) // 2)  # Sec. 4: x0.94 every 2 epochs
    assert f"-&gt; {last:.4g} " in html and html.count("<svg") == 1


@pytest.mark.parametrize("lr0_batch,gpus,epochs", [(256, 1, 7), (32, 8, 30), (128, 60, 1)])
def test_schedule_is_the_papers_stepped_decay_epoch_by_epoch(lr0_batch, gpus, epochs):
    cfg = TrainConfig(batch_size=lr0_batch)
    lr0 = 0.045 * lr0_batch * gpus / 256
    assert nb09.schedule(cfg, epochs, gpus) == pytest.approx([lr0 * 0.94 ** (e // 2) for e in range(epochs)])


def test_recipe_view_says_when_the_average_spans_most_of_the_run():
    assert "still carries early" in nb09.recipe_at_scale_view(256, 60, 2, "Imagenette", 0.9999)
    assert "averages the last weights" in nb09.recipe_at_scale_view(32, 1, 30, "ImageNet", 0.9999)


@pytest.mark.parametrize("kw,msg", [
    (dict(batch=100), r"batch.*100"), (dict(gpus=3), r"gpus.*3"), (dict(epochs=0), r"epochs.*0"),
    (dict(data="MNIST"), r"data.*MNIST"), (dict(ema_decay=1.0), r"ema_decay.*1.0"),
])
def test_recipe_widget_and_view_refuse_values_off_their_sliders(kw, msg):
    values = dict(batch=128, gpus=1, epochs=30, data="ImageNet", ema_decay=0.9999) | kw
    with pytest.raises(ValueError, match=msg):
        nb09.recipe_at_scale_view(**values)
    with pytest.raises(ValueError, match=msg):
        nb09.recipe_at_scale(**values)


def test_recipe_widget_redraws_the_view_of_its_controls():
    app = nb09.recipe_at_scale().set(batch=64, gpus=8, epochs=60)
    assert app.output.outputs[0]["data"]["text/html"] == nb09.recipe_at_scale_view(64, 8, 60)
