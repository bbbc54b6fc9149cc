"""The data module: the synthetic dataset's promises (determinism, range, balance, and which statistics
each task's classes share), real image folders and torchvision datasets on disk, and the loaders.
Nothing here touches the network."""
import io
import pickle

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from xception_edu import data
from xception_edu.data import synthetic_set as sd

# --- synthetic: the dataset contract --------------------------------------------------------------

def test_items_are_float_images_in_unit_range_with_int_labels():
    ds = data.SyntheticCorrelations(20, 48, task="mixed", seed=1)
    assert len(ds) == 20 and len(ds.classes) == 16 and ds.seed == 1
    for i in range(len(ds)):
        x, y = ds[i]
        assert x.dtype == torch.float32 and x.shape == (3, 48, 48)
        assert -1 <= x.min() and x.max() <= 1 and x.std() > 0.1
        assert isinstance(y, int) and 0 <= y < 16
    # 8-bit like a photograph: every value is u8 / 127.5 - 1
    u8 = (x + 1) * 127.5
    assert (u8 - u8.round()).abs().max() < 1e-4


@pytest.mark.parametrize("size", [32, 299])
def test_every_size_from_32_to_299(size):
    assert data.SyntheticCorrelations(2, size)[1][0].shape == (3, size, size)


@pytest.mark.parametrize("kw,msg", [
    (dict(image_size=31), "image_size=31 is outside the synthetic dataset's range 32..299 px"),
    (dict(image_size=300), "image_size=300 is outside"),
    (dict(task="colour"), "task='colour' is not one of ('spatial', 'channel', 'joint', 'mixed')"),
    (dict(split="dev"), "split='dev' is not one of ('train', 'val', 'test')"),
    (dict(seed=-1), "seed must be a non-negative integer, got -1"),
    (dict(length=0), "length must be a positive integer, got 0"),
])
def test_bad_arguments_say_what_is_valid(kw, msg):
    args = dict(length=8, image_size=32) | kw
    with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        data.SyntheticCorrelations(**args)


def test_sample_i_depends_only_on_seed_split_and_i():
    a = data.SyntheticCorrelations(12, 32, seed=5)
    b = data.SyntheticCorrelations(12, 32, seed=5)
    forward = [a[i] for i in range(12)]
    backward = [b[i] for i in reversed(range(12))][::-1]
    assert all(torch.equal(p[0], q[0]) and p[1] == q[1] for p, q in zip(forward, backward))
    # through worker processes, in a shuffled order
    order = torch.randperm(12).tolist()
    loaded = list(DataLoader(torch.utils.data.Subset(a, order), batch_size=4, num_workers=2))
    x = torch.cat([batch[0] for batch in loaded])
    assert torch.equal(x, torch.stack([forward[i][0] for i in order]))
    # another seed or split is another stream of images
    assert not torch.equal(data.SyntheticCorrelations(12, 32, seed=6)[0][0], forward[0][0])
    assert not torch.equal(data.SyntheticCorrelations(12, 32, seed=5, split="val")[0][0], forward[0][0])


def test_no_validation_image_is_a_training_image():
    # Held-out means held out: the validation split is drawn from its own stream, never a copy of a
    # training image (at any index, of any class).
    train = data.SyntheticCorrelations(96, 32, seed=3)
    val = data.SyntheticCorrelations(96, 32, seed=3, split="val")
    seen = {train[i][0].numpy().tobytes() for i in range(len(train))}
    assert not [j for j in range(len(val)) if val[j][0].numpy().tobytes() in seen]


def test_materialized_set_holds_the_same_samples_as_uint8():
    ds = data.SyntheticCorrelations(40, 40, task="joint", seed=2)
    mem = ds.materialize()
    assert mem.images.dtype == torch.uint8 and mem.images.shape == (40, 3, 40, 40)
    assert mem.classes == ds.classes
    x, y = mem.tensors()
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    for i in range(40):
        assert torch.equal(ds[i][0], x[i]) and torch.equal(ds[i][0], mem[i][0])
        assert ds[i][1] == mem[i][1] == y[i]
    assert isinstance(data.synthetic(8, 32, materialize=True), data.TensorImages)


@pytest.mark.parametrize("task,k", [("spatial", 4), ("channel", 4), ("joint", 4), ("mixed", 16)])
def test_classes_are_balanced(task, k):
    ds = data.SyntheticCorrelations(103, 32, task=task)
    counts = np.bincount(ds.targets, minlength=k)
    assert len(ds.classes) == k and counts.max() - counts.min() <= 1
    assert ds.targets[:k] != list(range(k)), "labels are shuffled over the indices"


def test_factors_follow_the_task():
    n = 400
    for task in data.TASKS:
        ds = data.SyntheticCorrelations(n, 32, task=task, seed=3)
        f = [ds.factors(i) for i in range(n)]
        s = np.array([data.SPATIAL.index(a) for a, _ in f])
        m = np.array([data.CHANNEL.index(b) for _, b in f])
        y = np.array(ds.targets)
        expected = {"spatial": s, "channel": m, "joint": (s + m) % 4, "mixed": 4 * s + m}[task]
        assert (y == expected).all(), task
        if task == "joint":  # each factor alone is spread over all four values in every class
            for factor in (s, m):
                table = np.zeros((4, 4))
                np.add.at(table, (y, factor), 1)
                assert (table / table.sum(1, keepdims=True) > 0.15).all(), table


# --- synthetic: which statistics the classes share ----------------------------------------------------

def _images_by_class(task, n=480, size=32, seed=0):
    x, y = data.SyntheticCorrelations(n, size, task=task, seed=seed).materialize().tensors()
    return [x[y == k] for k in range(4)]


def _channel_correlations(x):
    """Mean over images of the R-G, R-B, G-B correlations across pixels."""
    c = x.flatten(2)
    c = (c - c.mean(2, keepdim=True)) / c.std(2, keepdim=True)
    r = (c @ c.transpose(1, 2)) / (c.shape[2] - 1)
    return torch.stack([r[:, 0, 1], r[:, 0, 2], r[:, 1, 2]], 1).mean(0)


def _spatial_statistics(x):
    """Per channel: variance, and energy of vertical and horizontal neighbour differences (3 x 3)."""
    return torch.stack([x.var(dim=(2, 3)),
                        (x[:, :, 1:] - x[:, :, :-1]).pow(2).mean((2, 3)),
                        (x[:, :, :, 1:] - x[:, :, :, :-1]).pow(2).mean((2, 3))], 2).mean(0)


def test_fields_share_one_pixel_histogram():
    rng = np.random.default_rng(0)
    for kind in range(4):
        fields = sd._uniformise(sd._patterns(kind, 40, rng))
        assert np.array_equal(np.sort(fields.reshape(3, -1), 1),
                              np.broadcast_to(np.linspace(-1, 1, 1600, dtype=np.float32), (3, 1600)))


def test_spatial_task_classes_have_the_same_colour_statistics():
    groups = _images_by_class("spatial")
    corr = torch.stack([_channel_correlations(g) for g in groups])
    assert (corr - corr.mean(0)).abs().max() < 0.12, corr
    # ...while their spatial statistics differ: horizontal stripes change along y, vertical ones along x
    # (the white pixel noise adds the same to both directions)
    stats = [_spatial_statistics(g) for g in groups]
    assert (stats[0][:, 1] > 1.5 * stats[0][:, 2]).all() and (stats[1][:, 2] > 1.5 * stats[1][:, 1]).all()


def test_channel_task_classes_have_the_same_spatial_statistics():
    groups = _images_by_class("channel")
    stats = torch.stack([_spatial_statistics(g) for g in groups])  # class x channel x statistic
    assert ((stats - stats.mean(0)).abs() / stats.mean(0)).max() < 0.1, stats
    # ...while their channel correlations differ as built (data.synthetic_set.CHANNEL_CORRELATIONS): positive
    # (every pair +0.5), independent, red-green (R,G -0.5), yellow-blue (R,G +0.5, both -0.5 with B)
    corr = torch.stack([_channel_correlations(g) for g in groups])
    sign = torch.tensor([[1, 1, 1], [0, 0, 0], [-1, 0, 0], [1, -1, -1]], dtype=torch.float32)
    assert ((corr - 0.5 * sign).abs() < 0.4).all() and (corr[sign != 0].abs() > 0.4).all(), corr


# --- real images on disk ---------------------------------------------------------------------------

COLOURS = {"cat": (255, 0, 0), "dog": (0, 0, 255)}


def _write_folder(root, splits=("train", "val"), per_class=2):
    for split in splits:
        for name, rgb in COLOURS.items():
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(per_class):  # a JPEG, and PNGs in RGBA and greyscale that must become RGB
                Image.new("RGB", (90 + 7 * i, 60), rgb).save(folder / f"{i}.jpg", quality=100)
                Image.new("RGBA", (50, 70 + i), rgb + (255,)).save(folder / f"{i}.png")
            Image.new("L", (64, 64), 128).save(folder / "grey.png")
    return root


def test_image_folder_gives_preprocessed_images_and_labels(tmp_path):
    train_set, val_set = data.datasets("folder", _write_folder(tmp_path), 71)
    assert train_set.classes == val_set.classes == ["cat", "dog"] and len(train_set) == len(val_set) == 10
    for ds in (train_set, val_set):
        for i in range(len(ds)):
            x, y = ds[i]
            assert type(x) is torch.Tensor and x.shape == (3, 71, 71) and x.dtype == torch.float32
            assert -1 <= x.min() and x.max() <= 1
            path = ds.samples[i][0]
            if "grey" not in path:  # a pure red cat is (1, -1, -1) after scaling to [-1, 1]
                want = torch.tensor(COLOURS[ds.classes[y]], dtype=torch.float32) / 127.5 - 1
                assert torch.allclose(x[:, 35, 35], want, atol=0.05), (path, x[:, 35, 35])
    assert torch.equal(val_set[0][0], val_set[0][0]), "evaluation is deterministic (centre crop)"


def test_transforms_follow_the_inception_recipe():
    t = data.eval_transform(299)
    names = [type(s).__name__ for s in t.transforms]
    assert names[:2] == ["Resize", "CenterCrop"] and t.transforms[0].size == [341]  # 299 / 0.875
    assert t.transforms[4].mean == [0.5] * 3 and t.transforms[4].std == [0.5] * 3
    t = data.train_transform(299)
    assert [type(s).__name__ for s in t.transforms][:2] == ["RandomResizedCrop", "RandomHorizontalFlip"]
    assert t.transforms[0].scale == (0.08, 1.0)
    x = t(Image.new("RGB", (400, 300), (255, 255, 255)))
    assert x.shape == (3, 299, 299) and torch.allclose(x, torch.ones_like(x))


def test_missing_folder_names_the_path_and_the_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match=(f"no folder {tmp_path / 'nowhere'}"
                                                 ".*ImageNet layout .*/train/<class>/")):
        data.datasets("folder", tmp_path / "nowhere", 71)
    _write_folder(tmp_path, splits=("train",))
    with pytest.raises(FileNotFoundError, match=f"no folder {tmp_path / 'val'}"):
        data.datasets("folder", tmp_path, 71)


def test_class_folder_without_images_is_named(tmp_path):
    _write_folder(tmp_path)
    (tmp_path / "train" / "emu").mkdir()
    (tmp_path / "train" / "emu" / "notes.txt").write_text("no images here")
    with pytest.raises(FileNotFoundError, match=f"class folder {tmp_path / 'train' / 'emu'} has no images"):
        data.image_folder(tmp_path, "train", 71)


def test_train_and_val_must_have_the_same_classes(tmp_path):
    _write_folder(tmp_path)
    (tmp_path / "val" / "emu").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "val" / "emu" / "a.png")
    with pytest.raises(ValueError, match=(r"different classes \(only in train: \[\], "
                                          r"only in val: \['emu'\]\)")):
        data.datasets("folder", tmp_path, 71)


def test_one_class_folder_is_refused(tmp_path):
    # One class "trains" to 100% accuracy and means nothing: say so instead.
    for split in ("train", "val"):
        (tmp_path / split / "cat").mkdir(parents=True)
        Image.new("RGB", (8, 8)).save(tmp_path / split / "cat" / "a.png")
    with pytest.raises(ValueError, match=(f"{tmp_path / 'train'} has one class sub-folder \\('cat'\\); "
                                          "a classifier needs at least two")):
        data.datasets("folder", tmp_path, 71)


def test_folder_without_class_subfolders(tmp_path):
    (tmp_path / "train").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "train" / "a.jpg")
    with pytest.raises(FileNotFoundError, match="has no class sub-folders"):
        data.image_folder(tmp_path, "train", 71)


@pytest.mark.parametrize("content", [b"not an image at all", "truncated"])
def test_unreadable_image_is_named(tmp_path, content):
    _write_folder(tmp_path)
    bad = tmp_path / "train" / "cat" / "zz_bad.jpg"
    if content == "truncated":
        buf = io.BytesIO()
        pixels = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(buf, "JPEG")
        content = buf.getvalue()[: len(buf.getvalue()) // 2]
    bad.write_bytes(content)
    train_set, _ = data.datasets("folder", tmp_path, 71)
    i = [p for p, _ in train_set.samples].index(str(bad))
    with pytest.raises(data.UnreadableImageError, match=f"cannot read image {bad}"):
        train_set[i]


def test_cifar10_not_downloaded_says_how_to_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=(r"CIFAR-10 is not in .*download=True "
                                                 r"\(command line: --data cifar10 --download\)")):
        data.datasets("cifar10", tmp_path, 71)


def test_cifar10_with_wrong_files_says_to_download_again(tmp_path):
    # The real on-disk format, but not the real bytes: torchvision checks every file's md5 (and has no
    # switch to skip it), so a fabricated copy is refused, and we say what to do about it.
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), "labels": [0, 1, 2, 3]}
        (folder / name).write_bytes(pickle.dumps(batch))
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": [f"c{i}" for i in range(10)]}))
    with pytest.raises(RuntimeError, match=("incomplete or corrupt "
                                            ".*delete that folder and download it once with download=True")):
        data.cifar10(tmp_path, 71)


def test_imagenette_loads_from_disk_through_torchvision(tmp_path):
    # torchvision's Imagenette only checks that its folder exists: a tiny copy in the real layout loads.
    for split in ("train", "val"):
        for wnid in ("n01440764", "n02102040"):  # tench, English springer
            folder = tmp_path / "imagenette2-160" / split / wnid
            folder.mkdir(parents=True)
            for i in range(2):
                Image.new("RGB", (213, 160), (i * 100, 50, 50)).save(folder / f"{wnid}_{i}.JPEG")
    train_set, val_set = data.datasets("imagenette", tmp_path, 71)
    assert train_set.classes == val_set.classes == ["tench", "English springer"]
    assert train_set.variant == val_set.variant == "160px" and len(train_set) == len(val_set) == 4
    x, y = val_set[3]
    assert x.shape == (3, 71, 71) and -1 <= x.min() <= x.max() <= 1 and y == 1


def test_imagenette_not_downloaded_says_how_to_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=(r"Imagenette is not in .*download=True "
                                                 r"\(command line: --data imagenette --download\); "
                                                 r"the 320px variant suits 224 px")):
        data.imagenette(tmp_path, 224)


def test_unknown_source_and_folder_download():
    with pytest.raises(ValueError, match="unknown data source 'mnist'; choose one of"):
        data.datasets("mnist", "/tmp", 71)
    with pytest.raises(ValueError, match="an image folder cannot be downloaded"):
        data.datasets("folder", "/tmp", 71, download=True)


def test_real_images_accept_torchvisions_extensions_without_importing_it_at_package_import():
    import subprocess
    import sys

    from torchvision.datasets.folder import IMG_EXTENSIONS

    from xception_edu.data import real

    assert real.IMG_EXTENSIONS == IMG_EXTENSIONS
    # `import xception_edu` (every notebook's first import) leaves torchvision unloaded: 2 s saved
    code = "import sys, xception_edu; print('torchvision' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
