"""ONNX export of a small Xception: onnxruntime's logits equal PyTorch's for batch sizes 1 and 4 (one
file, dynamic batch), and the TF-"same" max-pooling survives the export."""
import pytest
import torch

pytest.importorskip("onnxscript")
ort = pytest.importorskip("onnxruntime")

from xception_edu.model import MaxPool2dTFSame, Xception  # noqa: E402
from xception_edu.train import export  # noqa: E402

# 80 px: block4's pool sees an even 10x10 map, where TF-"same" and symmetric padding differ (presets.py)
SIZE = 80


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    model = Xception(num_classes=10, width=0.125, middle_repeats=1)
    for m in model.modules():  # BN statistics away from their 0/1 start, so eval mode matters
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    path = export.to_onnx(model, tmp_path_factory.mktemp("onnx") / "x.onnx", SIZE)
    return model, path


def test_onnxruntime_matches_pytorch_for_batches_of_1_and_4(exported):
    model, path = exported
    errors = export.check(model, path, SIZE, batch_sizes=(1, 4))
    assert set(errors) == {1, 4}
    assert all(e <= export.TOLERANCE for e in errors.values()), errors
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    batch = session.get_inputs()[0].shape[0]
    assert isinstance(batch, str), f"the batch dimension was fixed at {batch}"
    assert model.training  # the caller's model keeps its mode


def _constant(graph, name):
    """The value of an ONNX initializer or Constant node output called ``name``."""
    from onnx import numpy_helper
    for t in graph.initializer:
        if t.name == name:
            return numpy_helper.to_array(t)
    for n in graph.node:
        if n.op_type == "Constant" and n.output[0] == name:
            return numpy_helper.to_array(n.attribute[0].t)
    raise KeyError(name)


def test_every_exported_max_pool_keeps_its_tf_same_padding(exported):
    """Each MaxPool reads a Pad of -inf with the pads TF's "same" rule gives for the map it sees (0 before,
    1 after on block4's even 10x10 map; symmetric padding would pad 1 and 1 there)."""
    onnx = pytest.importorskip("onnx")
    model, path = exported
    pools = [m for m in model.modules() if isinstance(m, MaxPool2dTFSame)]
    seen = []
    hooks = [m.register_forward_pre_hook(lambda m, a: seen.append((m, a[0].shape[-2:]))) for m in pools]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, SIZE, SIZE))
    model.train()
    for h in hooks:
        h.remove()
    want = [[0, 0, m._pads(h)[0], m._pads(w)[0], 0, 0, m._pads(h)[1], m._pads(w)[1]] for m, (h, w) in seen]
    assert [0, 0, 0, 0, 0, 0, 1, 1] in want  # the even map is there
    graph = onnx.load(str(path)).graph
    made_by = {o: n for n in graph.node for o in n.output}
    got = []
    for n in graph.node:
        if n.op_type == "MaxPool":
            pad = made_by[n.input[0]]
            assert pad.op_type == "Pad"
            assert float(_constant(graph, pad.input[2])) == float("-inf")
            got.append([int(v) for v in _constant(graph, pad.input[1])])
    assert got == want


def test_check_refuses_a_file_of_other_weights(exported, tmp_path):
    model, path = exported
    other = Xception(model.config)
    with pytest.raises(ValueError, match="onnxruntime differs from PyTorch"):
        export.check(other, path, SIZE, batch_sizes=(1,))
