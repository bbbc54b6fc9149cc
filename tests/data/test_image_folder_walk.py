"""An image folder as people really leave it: symlinks (loops, links into another class), Jupyter's hidden
checkpoint folders, 16-bit and float images, an image over Pillow's decompression-bomb limit. Each is read
right or refused with one line naming the file."""
import os

import numpy as np
import pytest
import torch
from PIL import Image

from xception_edu import data


def _folder(root, classes=("cat", "dog"), per_class=2):
    for split in ("train", "val"):
        for c in classes:
            (root / split / c).mkdir(parents=True)
            for i in range(per_class):
                Image.new("RGB", (8, 8), (40 * i, 0, 0)).save(root / split / c / f"{i}.png")
    return root


def _labels(ds):
    return sorted((os.path.relpath(p, ds.root), ds.classes[y]) for p, y in ds.samples)


def test_symlinked_class_folder_and_subfolder_are_followed(tmp_path):
    for store in ("dogs", "more cats"):
        (tmp_path / store / "sub").mkdir(parents=True)
        Image.new("RGB", (8, 8)).save(tmp_path / store / "sub" / "x.png")
    root = _folder(tmp_path / "data", classes=("cat",))
    (root / "train" / "dog").symlink_to(tmp_path / "dogs", target_is_directory=True)  # on another disk
    (root / "train" / "cat" / "extra").symlink_to(tmp_path / "more cats", target_is_directory=True)
    ds = data.image_folder(root, "train", 32)
    assert _labels(ds) == [("cat/0.png", "cat"), ("cat/1.png", "cat"), ("cat/extra/sub/x.png", "cat"),
                           ("dog/sub/x.png", "dog")]


@pytest.mark.parametrize("target", ["..", ".", "../dog"])
def test_a_link_to_a_folder_already_in_the_set_is_refused_by_name(tmp_path, target):
    # torchvision follows such a link until the path is too long: 4 images became dozens, mislabelled
    root = _folder(tmp_path)
    link = root / "train" / "cat" / "loop"
    link.symlink_to(target, target_is_directory=True)
    with pytest.raises(ValueError, match=f"^{link} leads to .*already in the data set.*remove the link$"):
        data.image_folder(root, "train", 32)


def test_a_link_above_the_split_is_refused(tmp_path):
    root = _folder(tmp_path / "data")
    link = root / "train" / "dog" / "up"
    link.symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(ValueError, match=f"^{link} leads to {tmp_path}, which is already in the data set"):
        data.image_folder(root, "train", 32)


def test_two_class_names_for_one_folder_are_refused(tmp_path):
    root = _folder(tmp_path)
    (root / "train" / "kitten").symlink_to("cat", target_is_directory=True)
    with pytest.raises(ValueError, match=f"{root / 'train' / 'kitten'} leads to {root / 'train' / 'cat'}"):
        data.image_folder(root, "train", 32)


def test_hidden_folders_and_files_are_not_classes_or_images(tmp_path):
    root = _folder(tmp_path)
    for where in (root / "train" / ".ipynb_checkpoints", root / "train" / "cat" / ".ipynb_checkpoints"):
        where.mkdir()
        Image.new("RGB", (8, 8)).save(where / "0-checkpoint.png")
    (root / "train" / "dog" / "._0.png").write_bytes(b"\x00\x05\x16\x07 AppleDouble, not an image")
    ds = data.image_folder(root, "train", 32)
    assert ds.classes == ["cat", "dog"]
    assert _labels(ds) == [("cat/0.png", "cat"), ("cat/1.png", "cat"), ("dog/0.png", "dog"),
                           ("dog/1.png", "dog")]


def test_a_hidden_folder_does_not_get_round_the_single_class_check(tmp_path):
    root = _folder(tmp_path, classes=("cat",))
    (root / "train" / ".ipynb_checkpoints").mkdir()
    Image.new("RGB", (8, 8)).save(root / "train" / ".ipynb_checkpoints" / "a.png")
    with pytest.raises(ValueError, match="has one class sub-folder \\('cat'\\)"):
        data.image_folder(root, "train", 32)


GREY = np.array([[0, 1000, 32768, 65535]], dtype=np.uint16).repeat(4, axis=0)


@pytest.mark.parametrize("kind", ["png16", "float_tiff"])
def test_16_bit_and_float_greyscale_are_scaled_to_8_bits(tmp_path, kind):
    if kind == "png16":
        path, array = tmp_path / "a.png", GREY
    else:
        path, array = tmp_path / "a.tif", (GREY / 65535).astype(np.float32)
    Image.fromarray(array).save(path)
    rgb = np.asarray(data.real.load_rgb(str(path)))
    want = np.round(GREY / 257).astype(np.uint8)  # 65535 -> 255, 32768 -> 128, 1000 -> 4
    assert rgb.shape == (4, 4, 3) and rgb.dtype == np.uint8
    for channel in range(3):
        assert np.array_equal(rgb[..., channel], want), (kind, rgb[..., channel], want)


@pytest.mark.parametrize("values", [[0.0, 200.0], [-1.0, 1.0], [0.0, float("nan")]])
def test_float_image_of_unknown_scale_is_refused_by_name(tmp_path, values):
    path = tmp_path / "a.tif"
    Image.fromarray(np.array([values], dtype=np.float32)).save(path)
    with pytest.raises(data.UnreadableImageError, match=f"^cannot read image {path}: mode F .*no known"):
        data.real.load_rgb(str(path))


def test_16_bit_image_reaches_the_model_in_range(tmp_path):
    root = _folder(tmp_path)
    Image.fromarray(np.full((8, 8), 128 * 257, np.uint16)).save(root / "val" / "cat" / "grey16.png")
    ds = data.image_folder(root, "val", 8)
    x, _ = ds[[p for p, _ in ds.samples].index(str(root / "val" / "cat" / "grey16.png"))]
    assert torch.allclose(x, torch.full_like(x, 128 / 127.5 - 1), atol=1e-6)  # mid-grey, not clipped to white


def test_an_image_over_the_bomb_limit_is_one_named_line(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    Image.new("RGB", (40, 40)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # Pillow refuses over twice this: 1600 > 200
    with pytest.raises(data.UnreadableImageError) as e:
        data.real.load_rgb(str(path))
    assert str(e.value).startswith(f"cannot read image {path}: Image size (1600 pixels) exceeds limit of 200")
    assert "MAX_IMAGE_PIXELS" in str(e.value) and "\n" not in str(e.value)
