"""Notebook 09's questionnaire answers against what they cite: Q7 from the notebook's own epoch-cost table,
Q6's 71 px against the model (a convention: the network computes below it), and the learning rate's batch
of 256 stated as our choice."""
import json
import pathlib
import re

import pytest
import torch

import xception_edu as xe

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTES09 = ROOT / "docs" / "instructor-notes" / "09.md"


def _cell(cell_id) -> str:
    cells = json.loads((ROOT / "notebooks" / "09_train_xception.ipynb").read_text())["cells"]
    return "".join(next(c for c in cells if c.get("id") == cell_id)["source"])


def _cifar_row():
    row = next(line for line in _cell("nb09-real-data").splitlines() if line.startswith("| CIFAR-10"))
    from_files, in_memory = (int(v) for v in re.search(r"\| (\d+) / (\d+) \|", row).groups())
    minutes = float(re.search(r"about ([\d.]+) minutes", row)[1])
    return from_files, in_memory, minutes


@pytest.mark.parametrize("source", ["notebook", "notes"])
def test_q7_is_computed_from_the_tables_cifar_row(source):
    text = _cell("questionnaire") if source == "notebook" else NOTES09.read_text()
    answer = next(line for line in text.splitlines() if line.startswith("7. 50,000"))
    from_files, in_memory, epoch = _cifar_row()
    train_minutes = 50_000 / from_files / 60
    assert f"50,000 images / {from_files} per second" in answer
    assert f"≈ {train_minutes:.1f} minutes of training" in answer and f"the table's {epoch} minutes" in answer
    assert f"1 − {from_files}/{in_memory} ≈ {round(100 * (1 - from_files / in_memory))} %" in answer
    assert train_minutes < epoch  # the table's epoch adds the evaluation


def test_71_px_is_a_convention_the_network_computes_at_70():
    model = xe.Xception(num_classes=10).eval()
    with pytest.raises(ValueError, match="at least 71x71"):
        model(torch.zeros(1, 3, 70, 70))
    with torch.no_grad():  # the flows themselves, without the input check
        last = {s: model.exit_flow(model.middle_flow(model.entry_flow(model.stem(torch.zeros(1, 3, s, s)))))
                for s in (70, 71)}
    sizes = {s: tuple(m.shape[-2:]) for s, m in last.items()}
    assert sizes == {70: (2, 2), 71: (3, 3)}
    answer = next(line for line in _cell("questionnaire").splitlines() if line.startswith("6. 80 px"))
    assert "Keras's convention" in answer and "its last map is then 2 x 2 instead of 3 x 3" in answer


def test_the_batch_of_256_is_called_our_choice():
    recipe = " ".join(_cell("nb09-08").split())
    assert "our choice, since the paper states no batch size" in recipe
    assert "most reimplementations" not in recipe
