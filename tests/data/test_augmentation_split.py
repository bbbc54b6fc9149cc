"""Which split is augmented, for every real source: the training split gets the random crop and flip (two
reads of one image differ), the validation split the deterministic resize and centre crop (two reads
equal, and equal to ``eval_transform`` applied to the file by hand)."""
import numpy as np
import pytest
import torch
from PIL import Image

from xception_edu import data
from xception_edu.data import real

SIZE = 71


def _noise(rng, w=100, h=80) -> Image.Image:
    # texture everywhere, so that any other crop or a flip changes the pixels
    return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))


def _folder(root, rng):
    for split in ("train", "val"):
        for c in ("cat", "dog"):
            (root / split / c).mkdir(parents=True)
            for i in range(2):
                _noise(rng).save(root / split / c / f"{i}.png")


def _imagenette(root, rng):
    for split in ("train", "val"):
        for wnid in ("n01440764", "n02102040"):
            (root / "imagenette2-160" / split / wnid).mkdir(parents=True)
            for i in range(2):
                _noise(rng).save(root / "imagenette2-160" / split / wnid / f"{wnid}_{i}.JPEG", quality=95)


class _FakeCIFAR10(torch.utils.data.Dataset):
    """torchvision's CIFAR10 as ``real.cifar10`` calls it (its files are checked by md5: none can be
    fabricated), holding fixed images; it applies the transform it is given, as torchvision's does."""
    base_folder = "cifar-10-batches-py"

    def __init__(self, root, train, transform):
        rng = np.random.default_rng(1 if train else 2)
        self.images, self.transform = [_noise(rng, 32, 32) for _ in range(4)], transform
        self.classes = [f"c{i}" for i in range(10)]

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.transform(self.images[i]), i

    def raw(self, i):
        return self.images[i]


def _sets(source, root, monkeypatch):
    rng = np.random.default_rng(0)
    if source == "folder":
        _folder(root, rng)
    elif source == "imagenette":
        _imagenette(root, rng)
    else:
        from torchvision import datasets
        (root / _FakeCIFAR10.base_folder).mkdir()
        monkeypatch.setattr(datasets, "CIFAR10", _FakeCIFAR10)
    return data.datasets(source, root, SIZE)


def _raw(ds, i) -> Image.Image:
    if hasattr(ds, "raw"):
        return ds.raw(i)
    samples = ds.samples if hasattr(ds, "samples") else ds._samples  # ImageFolder's, Imagenette's
    return real.load_rgb(samples[i][0])


@pytest.mark.parametrize("source", real.SOURCES)
def test_the_training_split_is_augmented_and_the_validation_split_is_not(source, tmp_path, monkeypatch):
    train_set, val_set = _sets(source, tmp_path, monkeypatch)
    torch.manual_seed(0)
    reference = data.eval_transform(SIZE)
    for i in range(len(val_set)):
        first, second = val_set[i][0], val_set[i][0]
        assert torch.equal(first, second), f"{source}: validation image {i} read twice differs"
        assert torch.equal(first, reference(_raw(val_set, i))), f"{source}: validation {i} not eval_transform"
    for i in range(len(train_set)):
        reads = [train_set[i][0] for _ in range(6)]
        assert all(x.shape == (3, SIZE, SIZE) for x in reads)
        assert any(not torch.equal(reads[0], x) for x in reads[1:]), \
            f"{source}: training image {i} read six times is always the same: no augmentation"
        # nor is the training read the evaluation view of the image
        assert not all(torch.equal(x, reference(_raw(train_set, i))) for x in reads)
