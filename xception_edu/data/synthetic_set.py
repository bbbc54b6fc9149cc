"""An offline dataset whose classes are made of *spatial* correlations, *cross-channel* correlations, or both.

The Xception paper's hypothesis (Sec. 1.1) is that the two kinds of correlation in images can be mapped
separately. To ask which operator learns which kind, we need images where we control each kind on its own:

* a **spatial** factor (one of ``SPATIAL``): the shape of the pattern every channel is drawn from —
  horizontal stripes, vertical stripes, a checkerboard, or isotropic blobs;
* a **channel** factor (one of ``CHANNEL``): how the three colour channels are correlated with each other —
  positive (every pair at +0.5: still colourful, not grey), independent (0), red-green opponent (R,G at
  -0.5), yellow-blue opponent (R,G +0.5, both -0.5 with B). ``CHANNEL_CORRELATIONS`` holds the targets;
  the white pixel noise pulls each measured correlation about a tenth of the way towards 0.

An image is three independent fields of the same spatial kind, each given exactly the same pixel histogram
(so no class can be told apart by brightness or contrast), mixed across channels by the Cholesky factor of
the channel factor's correlation matrix (so mixing changes the correlations and nothing else), plus white
pixel noise, quantised to 8 bits like a photograph and scaled to [-1, 1] like Keras's preprocessing.

Tasks: ``spatial`` (4 classes = the spatial factor; every class has the same colour statistics),
``channel`` (4 classes = the channel factor; every class has the same spatial statistics), ``joint``
(4 classes = (spatial + channel) mod 4: neither factor alone says anything about the label) and
``mixed`` (16 classes = every combination).

Sample ``i`` depends only on (seed, split, length, i): workers, order and resume never change an image.
"""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

TASKS = ("spatial", "channel", "joint", "mixed")
SPATIAL = ("horizontal", "vertical", "checker", "blobs")
CHANNEL = ("positive", "independent", "red-green", "yellow-blue")
SPLITS = ("train", "val", "test")
MIN_SIZE, MAX_SIZE = 32, 299

# Target correlation between (R, G, B) for each channel factor. All are positive definite.
CHANNEL_CORRELATIONS = {
    "positive": [[1, .5, .5], [.5, 1, .5], [.5, .5, 1]],
    "independent": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    "red-green": [[1, -.5, 0], [-.5, 1, 0], [0, 0, 1]],
    "yellow-blue": [[1, .5, -.5], [.5, 1, -.5], [-.5, -.5, 1]],
}
_MIXING = [np.linalg.cholesky(np.array(CHANNEL_CORRELATIONS[c], dtype=np.float64)).astype(np.float32)
           for c in CHANNEL]
_CONTRAST = 0.55  # a mixed field spans about +-1.7; this keeps nearly every pixel inside [-1, 1]
_NOISE = 0.08     # white noise: the same for every class, in both directions


def _waves(size: int, rng: np.random.Generator, angles: np.ndarray, cycles: np.ndarray) -> np.ndarray:
    """Sum of plane waves; angles in radians, frequencies in cycles per image (so any size shows the same)."""
    t = np.arange(size, dtype=np.float32) / size
    phase = rng.uniform(0, 2 * np.pi, len(angles)).astype(np.float32)
    kx = (2 * np.pi * cycles * np.cos(angles)).astype(np.float32)
    ky = (2 * np.pi * cycles * np.sin(angles)).astype(np.float32)
    # cos(kx x + ky y + p) = cos(ky y + p) cos(kx x) - sin(ky y + p) sin(kx x): two outer products per wave.
    ay, ax = ky[:, None] * t + phase[:, None], kx[:, None] * t
    return np.cos(ay).T @ np.cos(ax) - np.sin(ay).T @ np.sin(ax)


def _patterns(kind: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Three independent fields (3, size, size) of one spatial kind (an index into ``SPATIAL``)."""
    fields = []
    for _ in range(3):
        if kind in (0, 1):  # stripes: waves travelling along y (horizontal stripes) or x, within +-8 degrees
            base = np.pi / 2 if kind == 0 else 0.0
            f = _waves(size, rng, base + rng.uniform(-0.14, 0.14, 2), rng.uniform(2, 6, 2))
        elif kind == 2:     # checkerboard: a product of a wave along x and one along y
            a = _waves(size, rng, rng.uniform(-0.14, 0.14, 1), rng.uniform(2, 5, 1))
            b = _waves(size, rng, np.pi / 2 + rng.uniform(-0.14, 0.14, 1), rng.uniform(2, 5, 1))
            f = a * b
        else:               # blobs: low-frequency waves in every direction
            f = _waves(size, rng, rng.uniform(0, np.pi, 6), rng.uniform(1, 3.5, 6))
        fields.append(f)
    return np.stack(fields).astype(np.float32)


def _uniformise(fields: np.ndarray) -> np.ndarray:
    """Give every field exactly the same pixel histogram, uniform on [-1, 1] (rank transform)."""
    c = fields.shape[0]
    flat = fields.reshape(c, -1)
    levels = np.linspace(-1, 1, flat.shape[1], dtype=np.float32)
    out = np.empty_like(flat)
    np.put_along_axis(out, np.argsort(flat, axis=1), np.broadcast_to(levels, flat.shape), axis=1)
    return out.reshape(fields.shape)


def render(spatial: int, channel: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """One uint8 image (3, size, size) with these factors (indices into ``SPATIAL`` and ``CHANNEL``)."""
    fields = _uniformise(_patterns(spatial, size, rng))
    mixed = np.einsum("ij,jhw->ihw", _MIXING[channel], fields) * _CONTRAST
    mixed += rng.normal(0, _NOISE, mixed.shape).astype(np.float32)
    return np.clip(np.round((mixed + 1) * 127.5), 0, 255).astype(np.uint8)


def _check(length, image_size, task, split, seed) -> None:
    if not isinstance(length, int) or length < 1:
        raise ValueError(f"length must be a positive integer, got {length!r}")
    if not isinstance(image_size, int) or not MIN_SIZE <= image_size <= MAX_SIZE:
        raise ValueError(f"image_size={image_size!r} is outside the synthetic dataset's range "
                         f"{MIN_SIZE}..{MAX_SIZE} px")
    if task not in TASKS:
        raise ValueError(f"task={task!r} is not one of {TASKS}")
    if split not in SPLITS:
        raise ValueError(f"split={split!r} is not one of {SPLITS}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


class SyntheticCorrelations(Dataset):
    """Images whose classes differ in spatial structure, in cross-channel correlation, or in both.

    ``ds[i]`` is ``(image, label)``: a float32 tensor (3, image_size, image_size) in [-1, 1] and an int.
    ``ds.factors(i)`` names the spatial and channel factor of sample ``i``. Classes are balanced (within
    one sample) and, inside each class, the factor that does not decide the label is balanced too.
    """

    def __init__(self, length: int, image_size: int = 64, task: str = "mixed", seed: int = 0,
                 split: str = "train"):
        _check(length, image_size, task, split, seed)
        self.length, self.image_size, self.task, self.seed, self.split = length, image_size, task, seed, split
        k = 16 if task == "mixed" else 4
        if task == "mixed":
            self.classes = [f"{s}/{c}" for s in SPATIAL for c in CHANNEL]
        elif task == "spatial":
            self.classes = list(SPATIAL)
        elif task == "channel":
            self.classes = list(CHANNEL)
        else:
            self.classes = [f"(spatial + channel) mod 4 = {j}" for j in range(4)]
        # Position p of a balanced design: class p % k, its (p // k)-th member. The free factor cycles
        # with the member number, so every class holds it in equal shares. Then shuffle the positions.
        pos = np.arange(length)
        label, member = pos % k, (pos // k) % 4
        if task == "spatial":
            s, c = label, member
        elif task == "channel":
            s, c = member, label
        elif task == "joint":
            s, c = member, (label - member) % 4
        else:
            s, c = label // 4, label % 4
        perm = np.random.default_rng([seed, SPLITS.index(split), 0xC0FFEE]).permutation(length)
        self._spatial, self._channel = s[perm].tolist(), c[perm].tolist()
        self.targets = label[perm].tolist()

    def __len__(self) -> int:
        return self.length

    def factors(self, i: int) -> tuple[str, str]:
        return SPATIAL[self._spatial[i]], CHANNEL[self._channel[i]]

    def image_uint8(self, i: int) -> np.ndarray:
        if not -self.length <= i < self.length:
            raise IndexError(f"index {i} is out of range for {self.length} images")
        i %= self.length
        rng = np.random.default_rng([self.seed, SPLITS.index(self.split), i])
        return render(self._spatial[i], self._channel[i], self.image_size, rng)

    def __getitem__(self, i: int):
        x = torch.from_numpy(self.image_uint8(i)).float() / 127.5 - 1
        return x, self.targets[i % self.length]

    def materialize(self) -> TensorImages:
        """Render every image once into memory (uint8: 4096 images of 80 px take 79 MB)."""
        images = torch.from_numpy(np.stack([self.image_uint8(i) for i in range(self.length)]))
        return TensorImages(images, torch.tensor(self.targets), self.classes)

    def __repr__(self) -> str:
        return (f"SyntheticCorrelations(length={self.length}, image_size={self.image_size}, "
                f"task={self.task!r}, seed={self.seed}, split={self.split!r})")


class TensorImages(Dataset):
    """Images held in memory as uint8 (N, 3, H, W), served as float32 in [-1, 1] like the generated ones."""

    def __init__(self, images: torch.Tensor, targets: torch.Tensor, classes: list[str]):
        if images.dtype != torch.uint8 or images.ndim != 4:
            raise ValueError(f"images must be uint8 (N, 3, H, W), got {images.dtype} {tuple(images.shape)}")
        if len(images) != len(targets):
            raise ValueError(f"{len(images)} images but {len(targets)} targets")
        self.images, self.classes = images, list(classes)
        self.targets_tensor = targets.long()
        self.targets = self.targets_tensor.tolist()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        return self.images[i].float() / 127.5 - 1, self.targets[i]

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All images as one float32 tensor in [-1, 1], and the labels as int64."""
        return self.images.float() / 127.5 - 1, self.targets_tensor.clone()

    def to(self, device) -> TensorImages:
        """The same set held on ``device`` (uint8 there: a quarter of float32's memory); what
        ``datasets`` recorded about it (``identity``) comes along."""
        moved = TensorImages(self.images.to(device), self.targets_tensor.to(device), self.classes)
        if hasattr(self, "identity"):
            moved.identity = self.identity
        return moved

    def batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Samples ``indices`` at once, where the images are: ``ds[i]`` stacked, without a loader."""
        return self.images[indices].float() / 127.5 - 1, self.targets_tensor[indices]


def synthetic(length: int, image_size: int = 64, task: str = "mixed", seed: int = 0, split: str = "train",
              materialize: bool = False):
    """The synthetic set; ``materialize=True`` renders it once into memory (fast epochs, small sets)."""
    ds = SyntheticCorrelations(length, image_size, task=task, seed=seed, split=split)
    return ds.materialize() if materialize else ds
