"""The author's ImageNet weights in our Xception (Fig. 5), when the learner has them: timm's
``legacy_xception`` (the Keras weights, ported by Cadene) read from a local file or the user's cache, never
downloaded; ImageNet's 1,000 class names; and the preprocessing those weights were evaluated with.

    model = pretrained.load()                       # or pretrained.load("xception-43020ad28.pth")
    for name, p in pretrained.classify(model, photo):
        print(f"{p:.1%} {name}")
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import torch

from .xception import Xception

TIMM_NAME = "legacy_xception.tf_in1k"
"""timm's name for these weights (``timm.list_pretrained("*xception*")``)."""
WEIGHTS_URL = ("https://github.com/rwightman/pytorch-image-models/releases/download/v0.1-cadene/"
               "xception-43020ad28.pth")
"""Where timm fetches them (its ``pretrained_cfg["url"]``); it has no Hugging Face hub id for this model."""
WEIGHTS_FILE = WEIGHTS_URL.rpartition("/")[2]
HF_REPO_FOLDER = "models--timm--" + TIMM_NAME
HF_FILES = ("model.safetensors", "pytorch_model.bin")

# Preprocessing, from timm's pretrained_cfg for legacy_xception.tf_in1k (a test compares): a 299 px centre
# crop of the image resized (bicubic) to 299 / 0.8975 = 333 px on its short side, pixels to [-1, 1]
# (mean = std = 0.5: Keras's xception.preprocess_input, x / 127.5 - 1).
INPUT_SIZE = 299
CROP_PCT = 0.8975
INTERPOLATION = "bicubic"
MEAN = STD = (0.5, 0.5, 0.5)

HOW_TO_GET = (
    "To get them, on a machine with internet and timm installed run\n"
    '    python -c "import timm; timm.create_model(\'legacy_xception\', pretrained=True)"\n'
    f"which saves {WEIGHTS_FILE} (about 90 MB: 22.9 M float32 numbers) in torch's hub cache\n"
    "(~/.cache/torch/hub/checkpoints/, or $TORCH_HOME/hub/checkpoints/);\n"
    f"or download {WEIGHTS_URL}\n"
    "and copy the file to this machine's cache, or pass its path: pretrained.load(path)."
)


class WeightsNotFound(FileNotFoundError):
    """No ImageNet weights in the places looked at; ``looked_in`` lists them."""

    def __init__(self, looked_in: list[Path]):
        self.looked_in = list(looked_in)
        where = "\n".join(f"    {p}" for p in self.looked_in)
        super().__init__(f"no ImageNet weights for Xception ({TIMM_NAME}); looked in\n{where}\n{HOW_TO_GET}")


def torch_hub_file() -> Path:
    """Where ``timm.create_model("legacy_xception", pretrained=True)`` caches the weights:
    torch's hub folder ($TORCH_HOME/hub, default ~/.cache/torch/hub), under checkpoints/."""
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache folder ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "huggingface"
    return Path(home).expanduser() / "hub"


def candidates() -> list[Path]:
    """The files ``find`` accepts, in order: torch's hub cache (where the installed timm puts them), then
    any snapshot of ``timm/legacy_xception.tf_in1k`` in the Hugging Face hub cache (timm fetches most of its
    weights from the hub; a timm that did so for these would leave them there)."""
    snapshots = hf_hub_cache() / HF_REPO_FOLDER / "snapshots"
    found = sorted(snapshots.glob("*/*")) if snapshots.is_dir() else []
    return [torch_hub_file(), *(p for p in found if p.name in HF_FILES)]


def find(path=None) -> Path:
    """The weights file: ``path`` if given (a file, or a folder holding ``WEIGHTS_FILE``), else the first
    cached copy. Raises ``WeightsNotFound`` naming every place it looked."""
    if path is not None:
        path = Path(path).expanduser()
        if path.is_dir():
            path = path / WEIGHTS_FILE
        if not path.is_file():
            raise WeightsNotFound([path])
        return path
    for p in candidates():
        if p.is_file():
            return p
    raise WeightsNotFound([torch_hub_file(), hf_hub_cache() / HF_REPO_FOLDER / "snapshots"])


def read_state_dict(path) -> dict[str, torch.Tensor]:
    """timm's state dict from a ``.pth``/``.bin`` (``torch.load`` with ``weights_only=True``: data, never
    code) or a ``.safetensors`` file; a clear ``ValueError`` for a file that holds something else."""
    path = Path(path)
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file
            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except ImportError as e:
        raise ImportError(f"{path} is a safetensors file: pip install safetensors to read it") from e
    except Exception as e:  # pickle, zip and safetensors errors have no common base class
        raise ValueError(f"{path} is not a PyTorch or safetensors weights file ({type(e).__name__}: "
                         f"{' '.join(str(e).split())[:200]}); {HOW_TO_GET}") from e
    if isinstance(state, Mapping) and isinstance(state.get("state_dict"), Mapping):
        state = state["state_dict"]  # a timm training checkpoint wraps its weights
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} holds a {type(state).__name__}, not a state dict of tensors; "
                         f"expected timm's {TIMM_NAME} weights. {HOW_TO_GET}")
    if "conv1.weight" not in state or "fc.weight" not in state:
        mine = any(k.startswith(("stem.", "entry_flow.")) for k in state)
        raise ValueError(f"{path} is not timm's legacy_xception state dict (no 'conv1.weight'/'fc.weight'; "
                         f"its first keys: {list(state)[:3]})."
                         + (" It holds xception_edu's own names: load it with "
                            "Xception(...).load_state_dict(torch.load(path))." if mine else f" {HOW_TO_GET}"))
    return dict(state)


def load(path=None, **overrides) -> Xception:
    """Our Xception holding timm's ``legacy_xception`` ImageNet weights, through ``Xception.from_timm``
    (same logits as timm's model), in eval mode. Never downloads; see ``find`` for where it looks."""
    file = find(path)
    state = read_state_dict(file)
    try:
        model = Xception.from_timm(state, **overrides)
    except (ValueError, RuntimeError, KeyError) as e:
        raise ValueError(f"{file} does not fit Xception (Fig. 5) as timm's {TIMM_NAME}: "
                         f"{' '.join(str(e).split())[:300]}") from e
    return model.eval()


def imagenet_classes() -> list[str]:
    """ImageNet's 1,000 class names in the order of the weights' outputs (the sorted WordNet ids that Keras
    and timm use), as torchvision's weight metadata names them; offline."""
    from torchvision.models import ResNet50_Weights
    return list(ResNet50_Weights.IMAGENET1K_V1.meta["categories"])


def preprocess(image) -> torch.Tensor:
    """A (1, 3, 299, 299) batch as these weights expect (``CROP_PCT``, ``INTERPOLATION``, ``MEAN``/``STD``),
    from a PIL image or a (3, H, W) tensor: uint8, or float in [0, 1]."""
    from PIL import Image
    from torchvision.transforms import v2

    if isinstance(image, torch.Tensor):
        if image.ndim != 3 or image.shape[0] != 3:
            raise ValueError(f"image must be (3, H, W), got {tuple(image.shape)}")
        if image.is_floating_point():
            lo, hi = image.min().item(), image.max().item()
            # half an 8-bit step of slack: rounding to uint8 takes such values back into range
            if not (math.isfinite(lo) and math.isfinite(hi) and lo >= -0.5 / 255 and hi <= 1 + 0.5 / 255):
                raise ValueError(f"a float image must hold values in [0, 1], got {lo:g} to {hi:g}; divide a "
                                 "0..255 image by 255, or pass it as uint8")
            image = (image.clamp(0, 1) * 255).round().to(torch.uint8)
        image = v2.functional.to_pil_image(image)
    elif not isinstance(image, Image.Image):
        raise TypeError(f"image must be a PIL image or a (3, H, W) tensor, got {type(image).__name__}")
    return eval_transform()(image.convert("RGB"))[None]


def eval_transform(image_size: int = INPUT_SIZE):
    """timm's single crop for these weights: the short side resized (``INTERPOLATION``) to
    floor(image_size / ``CROP_PCT``) (333 px for 299), the centre crop, pixels to [-1, 1] (``MEAN``,
    ``STD``)."""
    from torchvision.transforms import InterpolationMode, v2

    resize = math.floor(image_size / CROP_PCT)
    return v2.Compose([v2.Resize(resize, interpolation=InterpolationMode(INTERPOLATION)),
                       v2.CenterCrop(image_size), v2.ToImage(), v2.ToDtype(torch.float32, scale=True),
                       v2.Normalize(MEAN, STD), v2.ToPureTensor()])


@torch.no_grad()
def classify(model, image, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` most probable ImageNet classes for one image, with their probabilities (softmax)."""
    was_training = model.training
    model.eval()
    try:
        probs = model(preprocess(image).to(next(model.parameters()).device)).softmax(dim=1)[0].cpu()
    finally:
        model.train(was_training)
    names = imagenet_classes() if len(probs) == 1000 else [str(i) for i in range(len(probs))]
    top = probs.topk(k)
    return [(names[i], float(p)) for p, i in zip(top.values, top.indices)]
