"""The ImageNet weights loader (model/pretrained.py), with weight files made from a randomly initialised timm
``legacy_xception``: nothing is downloaded. timm is the reference for where its weights are cached, for
the preprocessing and for the logits; timm's ImageNet metadata for the class order."""
import copy
import math
import shutil

import pytest
import torch
import torch.nn as nn

from xception_edu import data
from xception_edu.model import Xception, pretrained

timm = pytest.importorskip("timm")

SIZE = 77  # small, and above Xception's 71 px minimum


@pytest.fixture(scope="module")
def theirs():
    torch.manual_seed(0)
    model = timm.create_model("legacy_xception", pretrained=False)
    with torch.no_grad():  # non-trivial BN statistics, so that eval-mode logits depend on the image
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5), m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.5), m.running_var.uniform_(0.5, 2.0)
    return model.eval()


@pytest.fixture(scope="module")
def weights(theirs, tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "legacy_xception.pth"
    torch.save(theirs.state_dict(), path)
    return path


@pytest.fixture
def empty_caches(tmp_path, monkeypatch):
    """torch's and Hugging Face's caches pointed at empty folders; returns (torch home, hub cache)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    return tmp_path / "torch", tmp_path / "hf"


def _same_logits(ours, theirs):
    """The same eval-mode logits, and (on copies, so the fixture's statistics stay) the same train-mode
    logits: at random init eval-mode logits hardly depend on the image; batch statistics make them do."""
    x = torch.randn(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(ours.eval()(x), theirs.eval()(x), rtol=1e-4, atol=1e-5)
        want = copy.deepcopy(theirs).train()(x)
        assert want.std(0).mean() > 1e-2  # the logits depend on the image: the comparison means something
        torch.testing.assert_close(copy.deepcopy(ours).train()(x), want, rtol=1e-4, atol=1e-5)


def test_a_plain_path_gives_timms_function(theirs, weights, empty_caches):
    ours = pretrained.load(weights)
    assert isinstance(ours, Xception) and not ours.training
    _same_logits(ours, theirs)


def test_a_folder_holding_timms_file_name(theirs, weights, tmp_path, empty_caches):
    shutil.copy(weights, tmp_path / pretrained.WEIGHTS_FILE)
    _same_logits(pretrained.load(tmp_path), theirs)


def test_found_where_timm_caches_it(theirs, weights, empty_caches):
    # timm.create_model("legacy_xception", pretrained=True) downloads its pretrained_cfg url into torch's
    # hub cache (timm.models._hub.get_cache_dir): the loader must look at that very file.
    from timm.models._hub import get_cache_dir
    cfg = timm.create_model("legacy_xception", pretrained=False).pretrained_cfg
    where = pretrained.torch_hub_file()
    assert where.parent == empty_caches[0] / "hub" / "checkpoints"
    assert str(where) == f"{get_cache_dir()}/{cfg['url'].rpartition('/')[2]}"
    shutil.copy(weights, where)
    assert pretrained.find() == where
    _same_logits(pretrained.load(), theirs)


def test_found_in_a_hugging_face_hub_cache_as_safetensors(theirs, empty_caches):
    safetensors = pytest.importorskip("safetensors.torch")
    huggingface_hub = pytest.importorskip("huggingface_hub")
    repo = empty_caches[1] / f"models--timm--{pretrained.TIMM_NAME}"
    (repo / "snapshots" / "0123abc").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abc")
    file = repo / "snapshots" / "0123abc" / "model.safetensors"
    safetensors.save_file({k: v.contiguous() for k, v in theirs.state_dict().items()}, str(file))
    # huggingface_hub itself resolves this layout to the same file
    assert huggingface_hub.try_to_load_from_cache(f"timm/{pretrained.TIMM_NAME}", "model.safetensors",
                                                  cache_dir=str(empty_caches[1])) == str(file)
    assert pretrained.find() == file
    _same_logits(pretrained.load(), theirs)


def test_missing_weights_name_where_it_looked_and_how_to_get_them(empty_caches, tmp_path):
    with pytest.raises(pretrained.WeightsNotFound) as e:
        pretrained.load()
    message = str(e.value)
    assert str(empty_caches[0] / "hub" / "checkpoints" / pretrained.WEIGHTS_FILE) in message
    assert str(empty_caches[1] / f"models--timm--{pretrained.TIMM_NAME}") in message
    assert "timm.create_model('legacy_xception', pretrained=True)" in message
    assert isinstance(e.value, FileNotFoundError)
    with pytest.raises(pretrained.WeightsNotFound, match="nowhere.pth"):
        pretrained.load(tmp_path / "nowhere.pth")


def test_a_file_that_is_not_weights(tmp_path):
    text = tmp_path / "notes.pth"
    text.write_text("these are not weights")
    with pytest.raises(ValueError, match=r"notes.pth is not a PyTorch or safetensors weights file"):
        pretrained.load(text)
    tensor = tmp_path / "tensor.pth"
    torch.save(torch.zeros(3), tensor)
    with pytest.raises(ValueError, match=r"tensor.pth holds a Tensor, not a state dict"):
        pretrained.load(tensor)


def test_a_state_dict_of_another_model(tmp_path):
    other = tmp_path / "linear.pth"
    torch.save(nn.Linear(3, 2).state_dict(), other)
    with pytest.raises(ValueError, match=r"linear.pth is not timm's legacy_xception state dict.*'weight'"):
        pretrained.load(other)
    ours = tmp_path / "ours.pth"
    torch.save(Xception(width=0.25, middle_repeats=0, num_classes=10).state_dict(), ours)
    with pytest.raises(ValueError, match="xception_edu's own names"):
        pretrained.load(ours)


def test_a_timm_state_dict_with_a_missing_or_misshapen_tensor(theirs, tmp_path):
    state = theirs.state_dict()
    broken = tmp_path / "broken.pth"
    torch.save({k: v for k, v in state.items() if k != "block5.rep.1.pointwise.weight"}, broken)
    # timm's block5 is our (Keras's) block6: the message names our key
    with pytest.raises(ValueError, match=r"broken.pth does not fit Xception.*Missing.*middle_flow\.block6"):
        pretrained.load(broken)
    torch.save({**state, "conv2.weight": torch.zeros(64, 32, 5, 5)}, broken)
    with pytest.raises(ValueError, match=r"broken.pth does not fit Xception.*stem.conv2.weight"):
        pretrained.load(broken)


def test_timm_training_checkpoint_is_unwrapped(theirs, tmp_path):
    path = tmp_path / "checkpoint.pth.tar"
    torch.save({"epoch": 3, "state_dict": theirs.state_dict()}, path)
    _same_logits(pretrained.load(path), theirs)


def test_preprocessing_is_timms_for_these_weights():
    cfg = timm.create_model("legacy_xception", pretrained=False).pretrained_cfg
    assert pretrained.TIMM_NAME in timm.list_pretrained("legacy_xception*")
    assert pretrained.WEIGHTS_URL == cfg["url"] and "hf_hub_id" not in cfg  # no hub copy in this timm
    assert (3, pretrained.INPUT_SIZE, pretrained.INPUT_SIZE) == cfg["input_size"]
    assert (pretrained.CROP_PCT, pretrained.INTERPOLATION) == (cfg["crop_pct"], cfg["interpolation"])
    assert pretrained.MEAN == cfg["mean"] and pretrained.STD == cfg["std"]
    photo = data.grace_hopper()  # (3, 600, 512) in [0, 1], from a JPEG of uint8 pixels
    pil, want = _timm_input(photo)
    assert want.shape == (1, 3, 299, 299) and want.min() >= -1 and want.max() <= 1
    torch.testing.assert_close(pretrained.preprocess(pil), want, rtol=0, atol=1e-6)
    torch.testing.assert_close(pretrained.preprocess(photo), want, rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match=r"\(3, H, W\), got \(600, 512\)"):
        pretrained.preprocess(photo[0])


@pytest.mark.parametrize("scale, shift, msg", [(255, 0, "got 0 to 255"), (1, -0.5, "got -0.5 to 0.5"),
                                               (float("nan"), 0, "got nan to nan")])
def test_preprocess_refuses_a_float_image_outside_0_1(scale, shift, msg):
    image = torch.linspace(0, 1, 3 * 8 * 8).reshape(3, 8, 8) * scale + shift  # e.g. a 0..255 float image
    with pytest.raises(ValueError, match=f"float image must hold values in \\[0, 1\\], {msg}; divide"):
        pretrained.preprocess(image)
    pretrained.preprocess(torch.linspace(0, 1, 3 * 8 * 8).reshape(3, 8, 8))  # [0, 1] itself is accepted


def test_class_names_are_imagenets_in_the_order_of_timms_outputs():
    from timm.data import ImageNetInfo
    info = ImageNetInfo()
    names = pretrained.imagenet_classes()
    synsets = [info.index_to_label_name(i) for i in range(1000)]
    assert len(names) == len(set(names)) == 1000 and synsets == sorted(synsets)  # Keras's order too
    for i, name in enumerate(names):
        lemma = info.index_to_description(i).split(",")[0]
        # torchvision tells apart two names WordNet gives twice: "crane bird" (134, also a machine, 517)
        # and "maillot tank suit" (639, also 638)
        assert name == lemma or name.startswith(lemma + " "), (i, name, lemma)
    assert names[0] == "tench" and names[652] == "military uniform"


def _timm_input(photo):
    cfg = timm.create_model("legacy_xception", pretrained=False).pretrained_cfg
    transform = timm.data.create_transform(**timm.data.resolve_data_config({}, pretrained_cfg=cfg))
    pil = __import__("torchvision").transforms.functional.to_pil_image((photo * 255).round().byte())
    return pil, transform(pil)[None]


def test_classify_gives_the_most_probable_classes():
    torch.manual_seed(0)
    model = Xception(width=0.25, middle_repeats=0, num_classes=1000).train()
    top = pretrained.classify(model, data.grace_hopper(), k=5)
    assert model.training  # put back as it was
    with torch.no_grad():
        probs = model.eval()(_timm_input(data.grace_hopper())[1]).softmax(1)[0]
    names = pretrained.imagenet_classes()
    assert [n for n, _ in top] == [names[i] for i in probs.argsort(descending=True)[:5]]
    assert [p for _, p in top] == pytest.approx(sorted(probs.tolist(), reverse=True)[:5])
    assert math.fsum(p for _, p in top) <= 1
