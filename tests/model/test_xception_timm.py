"""Converting timm's ``legacy_xception`` (the Keras weights, ported) into our Xception.

Randomly initialised timm models only: nothing is downloaded. At random init the eval-mode logits of a
deep BN net hardly depend on the input, so the comparisons run on batch statistics (train mode, no
dropout), where they do, and one test shows that a wrong pool padding is caught.
"""
import pytest
import torch
import torch.nn as nn

from xception_edu import counting
from xception_edu.model.timm_port import timm_to_ours
from xception_edu.model.xception import MaxPool2dTFSame, Xception

timm = pytest.importorskip("timm")  # a test dependency: skipped only where timm is not installed at all
# Where timm IS installed, its TF-"same" pooling must be found: if timm moved it, fail loudly here rather
# than skip every conversion test in silence.
try:
    from timm.layers import pool2d_same
except ImportError as e:  # pragma: no cover - a timm release that moved the module
    raise ImportError(f"timm {timm.__version__} has no timm.layers.pool2d_same (moved?): update this "
                      "test's import; the conversion tests need timm's TF-'same' max-pool") from e

SIZE = 77  # 77 -> 38 -> 36: block2 pools an even map, as block3 does at 299 px (74x74)


@pytest.fixture(scope="module")
def pair():
    torch.manual_seed(0)
    theirs = timm.create_model("legacy_xception", pretrained=False)
    with torch.no_grad():  # non-trivial BN parameters and statistics, so that every tensor is checked
        for m in theirs.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5), m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.5), m.running_var.uniform_(0.5, 2.0)
    return theirs, Xception.from_timm(theirs)


def _logits(model, x, train=True):
    model.train(train)
    with torch.no_grad():
        return model(x)


def test_same_parameters_and_settings(pair):
    theirs, ours = pair
    assert counting.count_params(ours) == counting.count_params(theirs) == 22_855_952
    assert ours.config.pool_padding == "symmetric" and ours.head.dropout.p == theirs.drop_rate == 0
    assert {(m.eps, m.momentum) for m in ours.modules() if isinstance(m, nn.BatchNorm2d)} == {(1e-5, 0.1)}


def test_conversion_reproduces_timms_logits_and_statistics(pair):
    theirs, ours = pair
    x = torch.randn(2, 3, SIZE, SIZE)
    want = _logits(theirs, x)
    assert want.std(0).mean() > 1e-2  # the logits depend on the image: the comparison means something
    torch.testing.assert_close(_logits(ours, x), want, rtol=1e-4, atol=1e-5)
    # Both updated their running statistics alike (same momentum), so eval mode agrees too.
    torch.testing.assert_close(ours.state_dict(), timm_to_ours(theirs.state_dict()), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(_logits(ours, x, train=False), _logits(theirs, x, train=False),
                               rtol=1e-4, atol=1e-5)


def test_wrong_pool_padding_is_caught(pair):
    theirs, _ = pair
    wrong = Xception.from_timm(theirs, pool_padding="tf_same")
    x = torch.randn(2, 3, SIZE, SIZE)
    assert (_logits(wrong, x) - _logits(theirs, x)).abs().max() > 1e-2
    # ... while on a 71 px input every pooled map is odd, where the two paddings agree: size matters.
    x = torch.randn(2, 3, 71, 71)
    torch.testing.assert_close(_logits(wrong, x), _logits(theirs, x), rtol=1e-4, atol=1e-5)


def test_tf_same_pool_matches_timms_max_pool_same():
    ref = pool2d_same.MaxPool2dSame(3, 2)
    for h, w in [(74, 74), (147, 147), (10, 7), (6, 9)]:
        x = torch.randn(1, 2, h, w)
        torch.testing.assert_close(MaxPool2dTFSame(3, 2)(x), ref(x), rtol=0, atol=0)


def test_classes_channels_and_dropout_are_read_off_the_model():
    theirs = timm.create_model("legacy_xception", pretrained=False, num_classes=10, in_chans=1, drop_rate=0.2)
    ours = Xception.from_timm(theirs)
    assert (ours.config.num_classes, ours.config.in_channels, ours.head.dropout.p) == (10, 1, 0.2)
    from_dict = Xception.from_timm(theirs.state_dict(), dropout=0.5, bn_eps=1e-3)
    assert from_dict.head.dropout.p == 0.5
    assert {m.eps for m in from_dict.modules() if isinstance(m, nn.BatchNorm2d)} == {1e-3}
    torch.testing.assert_close(from_dict.state_dict(), ours.state_dict(), rtol=0, atol=0)


def test_foreign_weights_raise():
    with pytest.raises(ValueError, match=(r"unexpected timm key 'head.weight': "
                                          r"is this timm's legacy_xception\?")):
        timm_to_ours({"head.weight": torch.zeros(1)})
    with pytest.raises(ValueError, match=r"block 13 is outside blocks 1..12"):
        timm_to_ours({"block13.skip.weight": torch.zeros(1)})
