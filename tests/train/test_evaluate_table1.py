"""Top-1 and top-5 as the paper's Table 1 reports them: the top-k rule against a hand computation, the
trainer's evaluation and history, and ``python -m xception_edu.train.evaluate`` on a generated folder in
ImageNet's layout, checked image by image."""
import csv
import random

import pytest
import torch
import torch.nn as nn
from helpers import cfg
from PIL import Image
from torch.utils.data import TensorDataset

from xception_edu.data import real
from xception_edu.model import Xception, pretrained
from xception_edu.train import engine
from xception_edu.train import evaluate as ev
from xception_edu.train.topk import topk_correct

pytestmark = pytest.mark.filterwarnings("ignore:Training on the CPU")


def hand_topk(logits, targets, k):
    """Whether each target is among the k largest logits, by sorting each row in plain Python."""
    out = []
    for row, t in zip(logits.tolist(), targets.tolist()):
        ranked = sorted(range(len(row)), key=lambda j: -row[j])
        out.append(t in ranked[:k])
    return out


def test_topk_on_fixed_logits_matches_the_hand_count():
    logits = torch.tensor([[6.0, 5, 4, 3, 2, 1]] * 3 + [[1.0, 2, 3, 4, 5, 6]])
    targets = torch.tensor([0, 4, 5, 5])  # ranks 1, 5, 6, 1
    top1, top5 = topk_correct(logits, targets).tolist()
    assert top1 == [True, False, False, True]
    assert top5 == [True, True, False, True]


def test_topk_on_random_logits_matches_sorting_by_hand():
    g = torch.Generator().manual_seed(0)
    logits, targets = torch.randn(200, 12, generator=g), torch.randint(0, 12, (200,), generator=g)
    hits = topk_correct(logits, targets, ks=(1, 3, 5))
    for row, k in zip(hits.tolist(), (1, 3, 5)):
        assert row == hand_topk(logits, targets, k)


def eight_class_data(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 8, (n,), generator=g)
    return TensorDataset(torch.randn(n, 3, 8, 8, generator=g) + 0.5 * y.view(-1, 1, 1, 1).float(), y)


def test_the_trainer_reports_top5_beside_top1_in_its_history():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 8))
    val = eight_class_data(40, seed=1)
    t = engine.fit(model, eight_class_data(), val, cfg(epochs=1))
    row = t.history[-1]
    assert (row["val_acc"], row["val_top5"]) == pytest.approx(
        (t.scores(use_ema=True)["top1"], t.scores(use_ema=True)["top5"]))
    t.model.eval()
    x, y = val.tensors
    with torch.no_grad():
        logits = t.model(x)
    raw = t.scores(use_ema=False)
    assert raw["top1"] == pytest.approx(sum(hand_topk(logits, y, 1)) / len(y))
    assert raw["top5"] == pytest.approx(sum(hand_topk(logits, y, 5)) / len(y))
    assert raw["top1"] < raw["top5"] < 1  # top-5 counts more answers, not all of them


def write_folder(root, classes=7, per_class=2):
    """``root/<class>/*.png`` of random pixels and sizes, in ImageNet's validation layout."""
    rng = random.Random(0)
    names = [f"n0{i:07d}" for i in range(classes)]
    for name in names:
        (root / name).mkdir(parents=True)
        for j in range(per_class):
            w, h = rng.randint(75, 110), rng.randint(75, 110)
            pixels = bytes(rng.randrange(256) for _ in range(w * h * 3))
            Image.frombytes("RGB", (w, h), pixels).save(root / name / f"img{j}.png")
    return names


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A trainer's checkpoint of a tiny Xception for 7 classes at 71 px (two steps)."""
    tmp = tmp_path_factory.mktemp("run")
    torch.manual_seed(0)
    model = Xception(num_classes=7, width=0.125, middle_repeats=0)
    data = TensorDataset(torch.randn(8, 3, 71, 71), torch.arange(8) % 7)
    data.identity = {"source": "folder", "image_size": 71}
    engine.fit(model, data, None, cfg(tmp, epochs=1, batch_size=4))  # 2 steps: the average differs
    return tmp / "last.pt"


def test_evaluate_command_on_a_generated_folder_matches_image_by_image(trained, tmp_path, capsys):
    names = write_folder(tmp_path / "val")
    out_csv = tmp_path / "per_class.csv"
    assert ev.main(["--checkpoint", str(trained), "--val-dir", str(tmp_path / "val"),
                    "--per-class-csv", str(out_csv), "--no-progress", "--device", "cpu"]) == 0
    printed = capsys.readouterr().out.splitlines()
    # by hand: each file read, preprocessed as the trainer evaluates (Keras's), through the averaged model
    model, size = ev.from_checkpoint(trained)
    assert size == 71
    files = sorted((tmp_path / "val").glob("*/*.png"))
    x = torch.stack([real.eval_transform(71)(real.load_rgb(str(f))) for f in files])
    y = torch.tensor([names.index(f.parent.name) for f in files])
    with torch.no_grad():
        logits = model(x)
    top1, top5 = hand_topk(logits, y, 1), hand_topk(logits, y, 5)
    assert printed[0].endswith(f"{len(files)} images, 7 classes, single crop (keras: short side to 81 px "
                               "(bilinear), centre 71 px crop, pixels to [-1, 1])")  # 71 / 0.875 = 81.1
    assert printed[1] == f"top-1 {sum(top1) / len(y):.4f}  top-5 {sum(top5) / len(y):.4f}"
    rows = list(csv.DictReader(out_csv.open()))
    assert [r["class"] for r in rows] == names
    for i, r in enumerate(rows):
        mine = [j for j in range(len(y)) if y[j] == i]
        assert int(r["images"]) == len(mine) == 2
        assert float(r["top1"]) == pytest.approx(sum(top1[j] for j in mine) / 2)
        assert float(r["top5"]) == pytest.approx(sum(top5[j] for j in mine) / 2)


def test_evaluate_refuses_a_folder_with_other_classes(trained, tmp_path, capsys):
    write_folder(tmp_path / "val", classes=3, per_class=1)
    assert ev.main(["--checkpoint", str(trained), "--val-dir", str(tmp_path / "val"), "--no-progress",
                    "--device", "cpu"]) == 2
    assert "7 outputs but the folder has 3 classes" in capsys.readouterr().err


def test_the_timm_crop_is_the_pretrained_weights_preprocessing(tmp_path):
    write_folder(tmp_path, classes=1, per_class=1)
    image = real.load_rgb(str(next(tmp_path.glob("*/*.png"))))
    ours = ev.eval_transform(pretrained.INPUT_SIZE, "timm")(image)
    assert torch.equal(ours, pretrained.preprocess(image)[0])
    assert ev.describe(299, "timm").startswith("timm: short side to 333 px (bicubic), centre 299 px crop")
    assert ev.describe(299, "keras").startswith("keras: short side to 341 px (bilinear)")
    with pytest.raises(ValueError, match="crop='tf' is not one of"):
        ev.eval_transform(299, "tf")


def test_a_checkpoint_gives_its_weight_average_or_with_no_ema_its_weights(trained):
    state = torch.load(trained, weights_only=True)
    average, _ = ev.from_checkpoint(trained)
    raw, _ = ev.from_checkpoint(trained, ema=False)
    name = "head.fc.weight"
    assert torch.equal(raw.state_dict()[name], state["model"][name])
    assert torch.equal(average.state_dict()[name], state["ema"]["module." + name])
    assert not torch.equal(state["ema"]["module." + name], state["model"][name])


def test_imagenet_weights_missing_is_an_error_that_says_how_to_get_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    write_folder(tmp_path / "val", classes=2, per_class=1)
    assert ev.main(["--weights", "imagenet", "--val-dir", str(tmp_path / "val"), "--no-progress"]) == 2
    assert "To get them" in capsys.readouterr().err
