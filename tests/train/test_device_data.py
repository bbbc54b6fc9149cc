"""Sets held on the training device (``data_on_device``) and random images: the GPU check's way of
measuring the model without a loader must train exactly as the DataLoader path does."""
import pytest
import torch
from helpers import cfg, tiny_data, tiny_model

from xception_edu import data
from xception_edu.train import cli, engine

pytestmark = pytest.mark.filterwarnings("ignore:Training on the CPU")


def test_random_images_are_uniform_uint8_deterministic_in_seed_and_split():
    a = data.random_images(64, 9, classes=5, seed=3)
    assert a.images.shape == (64, 3, 9, 9) and a.images.dtype == torch.uint8 and len(a.classes) == 5
    assert set(a.targets) <= set(range(5)) and a.images.min() == 0 and a.images.max() == 255
    assert torch.equal(a.images, data.random_images(64, 9, classes=5, seed=3).images)
    assert not torch.equal(a.images, data.random_images(64, 9, classes=5, seed=3, split="val").images)
    assert not torch.equal(a.images, data.random_images(64, 9, classes=5, seed=4).images)


@pytest.mark.parametrize("kw,msg", [(dict(length=0), "length must be a positive integer, got 0"),
                                    (dict(classes=True), "classes must be a positive integer, got True"),
                                    (dict(split="dev"), "split='dev' is not one of")])
def test_random_images_refuse_bad_arguments(kw, msg):
    with pytest.raises(ValueError, match=msg):
        data.random_images(**{"length": 4, "image_size": 8, **kw})


def test_a_batch_is_the_samples_stacked_and_moving_keeps_the_identity():
    train, _ = data.datasets("random", None, 8, train_size=20, val_size=4, seed=1)
    idx = torch.tensor([3, 0, 17, 3])
    x, y = train.batch(idx)
    assert torch.equal(x, torch.stack([train[i][0] for i in idx.tolist()]))
    assert y.tolist() == [train[i][1] for i in idx.tolist()]
    moved = train.to("cpu")
    assert moved.identity == train.identity == {"source": "random", "image_size": 8, "seed": 1}
    assert len(train.classes) == data.RANDOM_CLASSES


def _as_tensor_images(ds):
    """tiny_data (learnable brightness classes) as uint8 TensorImages, the kind of set that can move."""
    x, y = ds.tensors
    images = ((x.clamp(-1, 5) + 1) / 6 * 255).round().to(torch.uint8)
    return data.TensorImages(images, y, ["a", "b", "c", "d"])


def test_training_on_the_device_equals_training_through_the_dataloader(tmp_path):
    # 45 validation images at batch 16: the last batch is partial, and evaluation must still see it.
    train, val = _as_tensor_images(tiny_data()), _as_tensor_images(tiny_data(45, seed=1))
    runs = [engine.fit(tiny_model(), train, val, cfg(tmp_path / str(on), epochs=3, data_on_device=on))
            for on in (False, True)]
    loader, device = runs
    for k, v in loader.model.state_dict().items():
        assert torch.equal(v, device.model.state_dict()[k]), k
    for k, v in loader.ema.module.state_dict().items():  # the average and its re-estimated BN statistics
        assert torch.equal(v, device.ema.module.state_dict()[k]), k
    strip = lambda h: [{k: v for k, v in r.items() if k not in ("images_per_s", "seconds")} for r in h]  # noqa: E731
    assert strip(loader.history) == strip(device.history) and len(device.history) == 3


def test_a_run_on_the_device_resumes_exactly_mid_epoch(tmp_path):
    train = _as_tensor_images(tiny_data())
    full = engine.fit(tiny_model(), train, None, cfg(epochs=2, data_on_device=True))
    engine.fit(tiny_model(), train, None, cfg(tmp_path, epochs=2, max_steps=4, checkpoint_every=1,
                                              data_on_device=True))
    resumed = engine.fit(tiny_model(), train, None, cfg(tmp_path, epochs=2, resume=True, data_on_device=True))
    assert resumed.global_step == full.global_step == 12
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, resumed.model.state_dict()[k]), k


def test_a_set_that_cannot_move_is_refused_by_name():
    with pytest.raises(ValueError, match="data_on_device needs a set held in memory .* not TensorDataset"):
        engine.Trainer(tiny_model(), tiny_data(), None, cfg(data_on_device=True))


def test_the_command_line_trains_on_random_images_held_on_the_device(tmp_path, capsys):
    args = ["--data", "random", "--data-on-device", "--preset", "small", "--width", "0.25",
            "--middle-repeats", "1", "--image-size", "71", "--synthetic-train", "16", "--synthetic-val", "8",
            "--batch-size", "8", "--epochs", "1", "--no-progress", "--device", "cpu",
            "--checkpoint-dir", str(tmp_path)]
    assert cli.main(args) == 0
    assert "done: 2 steps" in capsys.readouterr().out


@pytest.mark.parametrize("args,msg", [
    (["--data", "folder", "--data-dir", "x", "--data-on-device"], "--data-on-device holds a generated set"),
    (["--data", "random", "--download"], "--data random is generated offline"),
])
def test_data_options_that_contradict_each_other_are_refused(args, msg, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(args)
    assert e.value.code == 2 and msg in capsys.readouterr().err
