"""timm's ``legacy_xception`` (the author's Keras weights, ported by Cadene) in our names, so that
``Xception.from_timm`` can load it and compute the same function."""
from __future__ import annotations

from collections import OrderedDict

_FLAT = {"conv1": "stem.conv1", "bn1": "stem.bn1", "conv2": "stem.conv2", "bn2": "stem.bn2",
         "conv3": "exit_flow.block14.sepconv1", "bn3": "exit_flow.block14.bn1",
         "conv4": "exit_flow.block14.sepconv2", "bn4": "exit_flow.block14.bn2", "fc": "head.fc"}


def _flat_name(head: str, rest: str) -> str:
    if head in ("conv3", "conv4"):  # block14's separable convs
        rest = rest.replace("conv1.", "depthwise.", 1)
    return f"{_FLAT[head]}.{rest}"


def _block_name(key: str, i: int, last: int) -> str:
    """timm's block i (1..last) as our module: its own number + 1, block13 being the exit flow's."""
    if not 1 <= i <= last:
        raise ValueError(f"timm key {key!r}: block {i} is outside blocks 1..{last} "
                         f"(middle_repeats={last - 4})")
    if i == last:
        return "exit_flow.block13"
    return f"{'entry_flow' if i <= 3 else 'middle_flow'}.block{i + 1}"


def _layer_name(key: str, i: int, part: str, rest: str) -> str:
    """A layer of timm's block i in our names: ``skip``/``skipbn`` and the ``rep`` triples."""
    if part in ("skip", "skipbn"):
        return f"shortcut.{'conv' if part == 'skip' else 'bn'}.{rest}"
    if part != "rep":
        raise ValueError(f"unexpected timm key {key!r}")
    index, _, rest = rest.partition(".")
    unit, kind = divmod(int(index) + (1 if i == 1 else 0), 3)  # timm's block1 drops its first ReLU
    if kind == 1:
        return f"body.sepconv{unit + 1}.{rest.replace('conv1.', 'depthwise.', 1)}"
    if kind == 2:
        return f"body.bn{unit + 1}.{rest}"
    raise ValueError(f"unexpected timm key {key!r}: a ReLU or pool holds no weights")


def timm_to_ours(state: dict, middle_repeats: int = 8) -> OrderedDict:
    """Rename a timm ``legacy_xception`` state dict to our names.

    timm numbers the blocks 1..12 (ours: Keras's 2..13), keeps the stem and block14 flat
    (``conv1``, ``bn1``, ``conv2``, ``bn2``; ``conv3``, ``bn3``, ``conv4``, ``bn4``), calls a separable conv's
    depthwise step ``conv1``, and lists a block's layers in ``rep`` as ReLU, SepConv, BN triples (block1
    without its first ReLU, the max-pool last) and its shortcut ``skip`` + ``skipbn``.
    """
    last = 3 + middle_repeats + 1  # timm's number for our block13
    out = OrderedDict()
    for key, value in state.items():
        head, _, rest = key.partition(".")
        if head in _FLAT:
            out[_flat_name(head, rest)] = value
            continue
        if not head.startswith("block"):
            raise ValueError(f"unexpected timm key {key!r}: is this timm's legacy_xception?")
        i = int(head[5:])
        part, _, rest = rest.partition(".")
        out[f"{_block_name(key, i, last)}.{_layer_name(key, i, part, rest)}"] = value
    return out
