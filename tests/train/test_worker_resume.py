"""Exact resume with loader workers: augmented folder images, two workers, a run stopped mid-epoch and
resumed ends with the weights of one never stopped (each sample's crop and flip depend on the seed, the
epoch and the sample, not on which worker draws it)."""
import numpy as np
import pytest
import torch
from helpers import cfg, tiny_model
from PIL import Image

from xception_edu import data
from xception_edu.train import engine
from xception_edu.train.sampler import SeededSamples

pytestmark = pytest.mark.filterwarnings("ignore:Training on the CPU")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """An ImageNet-layout folder of JPEGs: 2 classes x 16 training and 4 validation images."""
    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for split, n in (("train", 16), ("val", 4)):
        for c, name in enumerate(("cat", "dog")):
            (root / split / name).mkdir(parents=True)
            for i in range(n):
                pixels = rng.integers(0, 256, (90, 110, 3), dtype=np.uint8) // (1 + c)
                Image.fromarray(pixels).save(root / split / name / f"{i}.jpg")
    return root


def test_resumed_with_two_workers_ends_with_the_uninterrupted_runs_weights(folder, tmp_path):
    # 32 images in batches of 8: 4 steps per epoch; stopped after 3, then resumed to the end of epoch 2
    train, val = data.datasets("folder", folder, 71)
    settings = dict(epochs=2, batch_size=8, workers=2)
    whole = engine.fit(tiny_model(), train, val, cfg(**settings))
    engine.fit(tiny_model(), train, val, cfg(tmp_path, max_steps=3, **settings))
    resumed = engine.fit(tiny_model(), train, val, cfg(tmp_path, resume=True, **settings))
    assert resumed.global_step == whole.global_step == 8
    a, b = whole.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a), [k for k in a if not torch.equal(a[k], b[k])]


def test_a_sample_is_drawn_the_same_whatever_came_before_and_the_callers_generator_is_kept(folder):
    train, _ = data.datasets("folder", folder, 71)
    first = SeededSamples(train, seed=1, epoch=0)[5][0]
    torch.manual_seed(123)
    before = torch.get_rng_state()
    for i in (0, 7, 5, 9):  # another worker's order
        x = SeededSamples(train, seed=1, epoch=0)[i][0]
    assert torch.equal(x, SeededSamples(train, seed=1, epoch=0)[9][0])
    assert torch.equal(first, SeededSamples(train, seed=1, epoch=0)[5][0])
    assert not torch.equal(first, SeededSamples(train, seed=1, epoch=1)[5][0])  # another epoch, another crop
    assert torch.equal(torch.get_rng_state(), before)
