"""What one epoch of notebook 09's CPU mode costs on real images (CIFAR-10, Imagenette), estimated on
stand-ins of the real files, so that no download is needed.

The stand-ins are written in the real formats and read by torchvision's own dataset classes with this
suite's transforms (``xception_edu.data``): CIFAR-10's pickled batches (``cifar-10-batches-py``; the md5
check of torchvision is skipped, since only the real files have the real checksums) and Imagenette's
JPEG folders (``imagenette2-160``, short side 160 px, the variant the small preset's 80 px use). A
fraction of each set is trained for one epoch through the real engine (``fit``, the CPU recipe, the
batch of ``CPU_RUNS``), side by side with the same images held in memory as tensors; the per-image
rates then scale to the real set sizes:

    one epoch = N_train / train rate + N_val / evaluation rate + the average's BN re-estimation
                (ema_bn_batches x batch training images, read and augmented, forward only)

    python -m tools.epoch_cost                 # both sources (from a checkout: tools/ is not installed)
    python -m tools.epoch_cost --sources cifar10   # one source

Pixels are smooth random fields (JPEG decoding of pure noise would be slower than of photographs).
What it cannot say: the accuracy the real images give (that needs the real images).
"""
from __future__ import annotations

import argparse
import pickle
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from xception_edu import data
from xception_edu.data import real
from xception_edu.model import presets
from xception_edu.train.config import recipe
from xception_edu.train.engine import Trainer

# The real sets' sizes (torchvision's CIFAR-10; Imagenette v2, 160 px variant).
REAL_SIZES = {"cifar10": (50_000, 10_000), "imagenette": (9_469, 3_925)}
# The batch notebook 09's CPU mode trains real images with (its CPU_RUNS; a test keeps the two equal).
CPU_BATCH = 64
# Imagenette's ten ImageNet classes, as torchvision's Imagenette finds them on disk.
IMAGENETTE_WNIDS = ("n01440764", "n02102040", "n02979186", "n03000684", "n03028079",
                    "n03394916", "n03417042", "n03425413", "n03445777", "n03888257")


def _smooth_images(n: int, height: int, width: int, seed: int) -> np.ndarray:
    """``n`` uint8 RGB images (n, H, W, 3): low-frequency random fields plus mild noise, so that a JPEG of
    one costs about what a photograph costs to decode."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (n, 3, 6, 8), dtype=np.uint8).astype(np.float32)
    fields = torch.nn.functional.interpolate(torch.from_numpy(coarse), size=(height, width),
                                             mode="bicubic", align_corners=False).numpy()
    fields += rng.normal(0, 12, fields.shape).astype(np.float32)
    return np.clip(fields, 0, 255).astype(np.uint8).transpose(0, 2, 3, 1)


def write_cifar10_standin(root, train: int = 500, test: int = 100, seed: int = 0) -> Path:
    """CIFAR-10's python files in ``root/cifar-10-batches-py``: ``data_batch_1..5`` (``train`` images in
    all), ``test_batch`` and ``batches.meta``, each a pickled dict as in the real archive (``data``: uint8
    rows of 3072 = 3 planes of 32x32; ``labels``)."""
    from torchvision import datasets
    if train < 5 or test < 1:
        raise ValueError(f"a CIFAR-10 stand-in needs train >= 5 (five batches) and test >= 1, "
                         f"got {train}, {test}")
    folder = Path(root) / datasets.CIFAR10.base_folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    files = [(name, n) for name, n in zip((f for f, _ in datasets.CIFAR10.train_list),
                                          np.array_split(np.arange(train), 5))]
    files.append((datasets.CIFAR10.test_list[0][0], np.arange(test)))
    for i, (name, idx) in enumerate(files):
        pixels = _smooth_images(len(idx), 32, 32, seed + i).transpose(0, 3, 1, 2).reshape(len(idx), 3072)
        entry = {"batch_label": name, "data": pixels, "labels": rng.integers(0, 10, len(idx)).tolist()}
        (folder / name).write_bytes(pickle.dumps(entry))
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    (folder / datasets.CIFAR10.meta["filename"]).write_bytes(pickle.dumps({"label_names": names}))
    return folder


def cifar10_standin(root, image_size: int):
    """(train, test) read from a stand-in by torchvision's ``CIFAR10`` with this suite's transforms."""
    from torchvision import datasets

    class StandIn(datasets.CIFAR10):
        def _check_integrity(self) -> bool:  # the real files' md5s cannot match stand-ins
            return True

        def _load_meta(self) -> None:  # torchvision's also checks the md5 of batches.meta
            meta = pickle.loads((Path(self.root) / self.base_folder / self.meta["filename"]).read_bytes())
            self.classes = meta[self.meta["key"]]
            self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    return tuple(StandIn(str(root), train=t, transform=real.transform(image_size, t)) for t in (True, False))


def write_imagenette_standin(root, train: int = 200, val: int = 80, seed: int = 0) -> Path:
    """Imagenette's 160 px layout, ``root/imagenette2-160/{train,val}/<wnid>/*.JPEG``: JPEGs with a short
    side of 160 px (213 x 160, the commonest 4:3 shape), the ten classes in turn."""
    if train < 10 or val < 10:
        raise ValueError(f"an Imagenette stand-in needs at least one image per class (10) in each split, "
                         f"got train={train}, val={val}")
    top = Path(root) / real.IMAGENETTE_FOLDERS["160px"]
    for s, (split, n) in enumerate((("train", train), ("val", val))):
        pixels = _smooth_images(n, 160, 213, seed + s)
        for i in range(n):
            folder = top / split / IMAGENETTE_WNIDS[i % 10]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels[i]).save(folder / f"standin_{i:05d}.JPEG", quality=90)
    return top


def _in_memory(dataset) -> torch.utils.data.TensorDataset:
    """The same images, transformed once and held as tensors (what the synthetic run trains on)."""
    xs, ys = zip(*(dataset[i] for i in range(len(dataset))))
    return torch.utils.data.TensorDataset(torch.stack(xs), torch.tensor(ys))


def measure(train_set, val_set, batch_size: int, seed: int = 0) -> dict:
    """One epoch of the small preset on ``train_set`` through the engine (CPU recipe), then an evaluation
    of ``val_set`` alone: images per second of training and of evaluation, and the seconds spent on the
    rest of the epoch (mostly the weight average's BN re-estimation on ``bn_images`` training images; the
    epoch's own evaluation of the average is taken as costing what the separate evaluation cost)."""
    torch.manual_seed(seed)
    model = presets.model("small", num_classes=10)
    cfg = recipe("cpu", epochs=1, batch_size=batch_size, progress=False, log_every=1000, seed=seed,
                 device="cpu")
    trainer = Trainer(model, train_set, val_set, cfg)
    t0 = time.perf_counter()
    trainer.fit()
    total = time.perf_counter() - t0
    train_s = trainer.history[-1]["seconds"]
    t1 = time.perf_counter()
    trainer.evaluate(use_ema=False)
    eval_s = time.perf_counter() - t1
    images = trainer.global_step * batch_size  # whole batches only: the sampler drops the last partial one
    bn_images = min(cfg.ema_bn_batches * batch_size, len(train_set))  # what refresh_ema_bn reads
    return {"train_images": images, "train_img_s": images / train_s, "eval_img_s": len(val_set) / eval_s,
            "bn_images": bn_images, "bn_s": max(total - train_s - eval_s, 0.0)}


def epoch_minutes(rates: dict, n_train: int, n_val: int, bn_batches: int, batch_size: int) -> float:
    """Minutes of one epoch at the measured ``rates`` (see ``measure``) on a set of the real size: training,
    evaluation, and the BN re-estimation, which reads ``bn_batches`` batches (or the whole set if smaller)."""
    bn = min(bn_batches * batch_size, n_train) * rates["bn_s"] / rates["bn_images"]
    return (n_train / rates["train_img_s"] + n_val / rates["eval_img_s"] + bn) / 60


def run(sources=("cifar10", "imagenette"), train: int = 640, val: int = 256, root=None,
        batch: int = CPU_BATCH) -> list[dict]:
    """For each source: the rates read from files and from memory (side by side, one process) and the
    minutes of a real-sized epoch; batch and image size as notebook 09's CPU mode uses them."""
    unknown = [s for s in sources if s not in REAL_SIZES]
    if unknown:
        raise ValueError(f"unknown source(s) {unknown}; choose from {tuple(REAL_SIZES)}")
    size = presets.image_size("small")
    rows = []
    with tempfile.TemporaryDirectory(prefix="xe-standin-") as tmp:
        root = Path(root or tmp)
        for source in sources:
            if source == "cifar10":
                write_cifar10_standin(root, train, val)
                train_set, val_set = cifar10_standin(root, size)
            else:
                write_imagenette_standin(root, train, val)
                train_set, val_set = data.datasets("imagenette", root, size)
            files = measure(train_set, val_set, batch)
            memory = measure(_in_memory(train_set), _in_memory(val_set), batch)
            n_train, n_val = REAL_SIZES[source]
            rows.append({"source": source, "batch": batch, "files": files, "memory": memory,
                         "minutes": epoch_minutes(files, n_train, n_val, recipe("cpu").ema_bn_batches, batch),
                         "reading_share": 1 - files["train_img_s"] / memory["train_img_s"]})
    return rows


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m tools.epoch_cost", description=__doc__.split("\n\n")[0])
    p.add_argument("--sources", nargs="+", default=list(REAL_SIZES), choices=list(REAL_SIZES))
    p.add_argument("--train", type=int, default=640, help="stand-in training images (default 640)")
    p.add_argument("--val", type=int, default=256, help="stand-in validation images (default 256)")
    a = p.parse_args(argv)
    print(f"{'source':>10} {'batch':>5}  {'train img/s (files | memory)':>28}  {'eval img/s':>10}  "
          f"{'BN s/100':>8}  {'reading':>7}  one real epoch")
    for r in run(a.sources, a.train, a.val):
        f, m = r["files"], r["memory"]
        print(f"{r['source']:>10} {r['batch']:>5}  {f['train_img_s']:>13.0f} | {m['train_img_s']:<12.0f}  "
              f"{f['eval_img_s']:>10.0f}  {100 * f['bn_s'] / f['bn_images']:>8.2f}  "
              f"{100 * r['reading_share']:>6.0f}%  "
              f"{r['minutes']:.1f} min")


if __name__ == "__main__":
    main()
