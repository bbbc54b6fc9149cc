"""Small pieces several test modules share (pytest puts this folder, the one of conftest.py, on sys.path)."""
import contextlib
import os

import pytest
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset

from xception_edu.train import recipe


def tiny_model():
    torch.manual_seed(0)  # the same initial weights in every run
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Dropout(0.2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))


def tiny_data(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 4, (n,), generator=g)
    # learnable: brightness = class
    x = torch.randn(n, 3, 8, 8, generator=g) + 2 * y.view(-1, 1, 1, 1).float()
    return TensorDataset(x, y)


def cfg(tmp_path=None, **kw):
    base = dict(epochs=3, batch_size=16, lr=0.05, workers=0, progress=False, ema_decay=0.9,
                checkpoint_dir=str(tmp_path) if tmp_path else None, device="cpu")
    return recipe("cpu", **{**base, **kw})


def band_limits(collection) -> dict[float, tuple[float, float]]:
    """x -> (lowest, highest) y of a matplotlib fill_between band, read from its polygon's vertices."""
    limits: dict[float, list[float]] = {}
    for x, y in collection.get_paths()[0].vertices:
        limits.setdefault(round(float(x), 9), []).append(float(y))
    return {x: (min(ys), max(ys)) for x, ys in limits.items()}



IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(what: str, reason: str, in_ci: str) -> None:
    """A browser-based test whose tools are missing: skipped with the reason, but failed under CI (CI=true),
    which must run it; ``in_ci`` says why, in the failure's words."""
    if IN_CI:
        pytest.fail(f"{what}: {reason} (CI=true: {in_ci})", pytrace=False)
    pytest.skip(f"{what}: {reason}")


@contextlib.contextmanager
def axe_chromium(what: str, in_ci: str):
    """The headless Chromium of the axe-based tests (``a11y_audit.chromium``), or ``unavailable`` with the
    reason when axe-playwright-python, Playwright or Chromium is missing."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401

        from tools.course import a11y_audit
    except ImportError as err:
        unavailable(what, f"{err.name} is not installed (pip install -e '.[test]')", in_ci)
    try:
        with a11y_audit.chromium() as browser:
            yield browser
    except RuntimeError as err:
        unavailable(what, str(err), in_ci)
