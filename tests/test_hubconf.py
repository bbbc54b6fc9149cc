"""hubconf.py: the entry points ``torch.hub.load(repo, ..., source="local")`` finds, what they build, and
pretrained weights from a local file only (a missing file is an error that says how to get it)."""
import importlib.util
import pathlib

import pytest
import torch

from xception_edu.model import Xception, presets, pretrained

ROOT = pathlib.Path(__file__).resolve().parents[1]


def hub(name, **kw):
    return torch.hub.load(str(ROOT), name, source="local", trust_repo=True, **kw)


def test_the_hub_lists_the_model_of_fig5_and_the_small_preset():
    spec = importlib.util.spec_from_file_location("hubconf", ROOT / "hubconf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # what torch.hub.list shows for a GitHub repository (it takes no local folder)
    shown = {f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")}
    assert shown == {"xception", "xception_small"}
    assert module.dependencies == ["torch", "torchvision"]


def test_xception_is_the_paper_model_and_takes_options():
    model = hub("xception")
    assert isinstance(model, Xception) and model.config == presets.config("paper")
    assert sum(p.numel() for p in model.parameters()) == 22_855_952  # Table 3
    ten = hub("xception", num_classes=10, middle_repeats=0)
    assert ten.config == presets.config("paper", num_classes=10, middle_repeats=0)


def test_xception_small_is_the_small_preset():
    model = hub("xception_small", num_classes=10)
    assert model.config == presets.config("small", num_classes=10)


def test_pretrained_without_weights_says_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    with pytest.raises(pretrained.WeightsNotFound, match="To get them") as e:
        hub("xception", pretrained=True)
    assert str(tmp_path / "torch") in str(e.value)  # it looked in the cache, and downloaded nothing
    assert not any((tmp_path / "torch").rglob("*.pth"))


def test_pretrained_from_a_local_file_holds_its_weights(tmp_path):
    timm = pytest.importorskip("timm")
    torch.manual_seed(0)
    theirs = timm.create_model("legacy_xception", pretrained=False, num_classes=5).eval()
    path = tmp_path / "legacy_xception.pth"
    torch.save(theirs.state_dict(), path)
    ours = hub("xception", pretrained=True, weights=str(path))
    assert not ours.training
    x = torch.randn(1, 3, 71, 71, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)
