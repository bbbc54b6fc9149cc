"""The stand-ins of the real datasets (written in the real formats, read by torchvision's own classes) and
the arithmetic that turns measured rates into the minutes of a real-sized epoch (notebook 09's table)."""
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from tools import epoch_cost
from xception_edu import data


def test_cifar10_standin_is_read_by_torchvisions_cifar10_as_the_real_files_are(tmp_path):
    folder = epoch_cost.write_cifar10_standin(tmp_path, train=12, test=4)
    train_set, test_set = epoch_cost.cifar10_standin(tmp_path, 80)
    assert (len(train_set), len(test_set)) == (12, 4)
    assert train_set.classes[:2] == ["airplane", "automobile"] and len(train_set.classes) == 10
    # The real layout: rows of 3072 bytes, three 32x32 planes (R, G, B), in five training batches.
    with open(folder / "data_batch_2", "rb") as f:
        entry = pickle.load(f, encoding="latin1")
    first = len(pickle.load(open(folder / "data_batch_1", "rb"), encoding="latin1")["labels"])
    row = np.asarray(entry["data"][0]).reshape(3, 32, 32).transpose(1, 2, 0)
    assert np.array_equal(train_set.data[first], row) and train_set.targets[first] == entry["labels"][0]
    x, y = test_set[0]
    assert x.shape == (3, 80, 80) and -1 <= x.min() < x.max() <= 1 and 0 <= y < 10


def test_imagenette_standin_loads_through_the_suites_real_loader(tmp_path):
    from torchvision.datasets import Imagenette
    assert set(epoch_cost.IMAGENETTE_WNIDS) == set(Imagenette._WNID_TO_CLASS)  # the real ten classes
    epoch_cost.write_imagenette_standin(tmp_path, train=20, val=10)
    train_set, val_set = data.datasets("imagenette", tmp_path, 80)
    assert (len(train_set), len(val_set)) == (20, 10) and len(train_set.classes) == 10
    path, label = train_set._samples[0]  # torchvision keeps (path, class index) pairs there
    assert Image.open(path).size == (213, 160)  # the 160 px variant: short side 160
    x, y = train_set[0]
    assert x.shape == (3, 80, 80) and y == label


def test_standins_refuse_sizes_they_cannot_lay_out(tmp_path):
    with pytest.raises(ValueError, match="train >= 5.*got 3, 1"):
        epoch_cost.write_cifar10_standin(tmp_path, train=3, test=1)
    with pytest.raises(ValueError, match=r"one image per class \(10\).*val=4"):
        epoch_cost.write_imagenette_standin(tmp_path, train=10, val=4)
    with pytest.raises(ValueError, match=r"unknown source\(s\) \['mnist'\]"):
        epoch_cost.run(["mnist"])


def test_a_real_epoch_is_the_sets_sizes_over_the_rates_plus_the_bn_reestimation():
    rates = {"train_img_s": 200.0, "eval_img_s": 500.0, "bn_s": 2.0, "bn_images": 640}
    # 50,000 / 200 = 250 s of training, 10,000 / 500 = 20 s of evaluation, and the BN re-estimation reads
    # 20 batches of 64 = 1,280 images at 2 s per 640: 4 s. In all 274 s.
    assert epoch_cost.epoch_minutes(rates, 50_000, 10_000, 20, 64) == pytest.approx(274 / 60)
    # A set smaller than 20 batches is read whole: 1,000 images, 3.125 s.
    assert epoch_cost.epoch_minutes(rates, 1_000, 0, 20, 64) == pytest.approx((5 + 3.125) / 60)


def test_measure_trains_one_epoch_of_whole_batches_and_reports_three_rates():
    g = torch.Generator().manual_seed(0)
    train_set = torch.utils.data.TensorDataset(torch.randn(20, 3, 80, 80, generator=g),
                                               torch.randint(0, 10, (20,), generator=g))
    val_set = torch.utils.data.TensorDataset(torch.randn(6, 3, 80, 80, generator=g), torch.arange(6))
    rates = epoch_cost.measure(train_set, val_set, batch_size=8)
    assert set(rates) == {"train_images", "train_img_s", "eval_img_s", "bn_images", "bn_s"}
    assert rates["train_images"] == (20 // 8) * 8  # one epoch, the partial batch dropped
    assert rates["bn_images"] == 20  # the CPU recipe's 20 BN batches of 8 exceed the set: all of it
    assert rates["train_img_s"] > 0 and rates["eval_img_s"] > 0 and rates["bn_s"] >= 0


def test_the_measured_batch_is_the_one_notebook_09_trains_real_images_with():
    from xception_edu.lessons.nb09_train_xception import CPU_RUNS
    for source in epoch_cost.REAL_SIZES:
        args = CPU_RUNS[source]
        assert int(args[args.index("--batch-size") + 1]) == epoch_cost.CPU_BATCH, source
