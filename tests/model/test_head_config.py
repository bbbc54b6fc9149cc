"""The recorded configuration follows every change of head: after ``reset_classifier`` (any number of
times, up or down), ``model.config`` says how many classes the model has, and a model rebuilt from it has
the same parameters and buffers, shape for shape (what a checkpoint or a copy of the run relies on)."""
import pytest

from xception_edu.model import Xception, presets


def _shapes(model):
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


def _agree(model):
    assert model.config.num_classes == model.head.fc.out_features
    rebuilt = Xception(model.config)
    assert _shapes(rebuilt) == _shapes(model)
    rebuilt.load_state_dict(model.state_dict())  # strict: the same keys and shapes


@pytest.mark.parametrize("sequence", [(10,), (10, 3), (2, 2), (1000, 7)])
def test_config_and_model_agree_after_each_reset_of_the_classifier(sequence):
    model = presets.model("small", num_classes=5, width=0.25, middle_repeats=1)
    built = model.config
    _agree(model)
    for n in sequence:
        model.reset_classifier(n)
        assert model.head.fc.out_features == n
        assert model.config == built.replace(num_classes=n)  # nothing else of the configuration moved
        _agree(model)
