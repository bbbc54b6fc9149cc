"""Notebook 11's learner text: the sections it cites for each figure, the paper's Sec. 4.2 caveat shown
beside the evidence, Fig. 1's towers as the module builds them, and no project internals."""
import json
import pathlib
import re

import torch.nn as nn

from xception_edu.lessons import evidence
from xception_edu.ops import InceptionV3Module

ROOT = pathlib.Path(__file__).resolve().parents[2]
NB11 = ROOT / "notebooks" / "11_why_xception_works.ipynb"
NOTES11 = ROOT / "docs" / "instructor-notes" / "11.md"
# Sec. 1.1 (the Inception hypothesis) holds Figs 1-3; Sec. 1.2 (the continuum) holds Fig. 4 and the spectrum
SECTION_OF = {"Fig. 1": "1.1", "Fig. 2": "1.1", "Fig. 3": "1.1", "Fig. 4": "1.2"}


def _markdown() -> str:
    cells = json.loads(NB11.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_fig3_is_cited_in_its_section_in_the_questionnaire_and_the_notes():
    for text in (_markdown(), NOTES11.read_text()):
        answer = next(line for line in text.splitlines() if line.startswith("1. Fig. 3 is Fig. 2 rewritten"))
        assert re.findall(r"Sec\. (\d\.\d)", answer) == [SECTION_OF["Fig. 3"]]


def test_the_caveats_open_with_sec_4_2_the_recipe_tuned_for_inception_v3():
    first, _ = evidence.CAVEATS[0]
    assert first.startswith("Sec. 4.2") and '"tuned for best performance with Inception V3"' in first
    assert "Sec. 4.2" in _markdown()


def test_the_caveats_quote_the_abstract_as_written():
    quoted = " ".join(c for c, _ in evidence.CAVEATS)
    assert '"not due to increased capacity but rather to a more efficient use of model parameters"' in quoted
    assert '"which Inception V3 was designed for"' in quoted


def test_the_learner_text_shows_no_project_internals():
    shown = _markdown() + " ".join(c + " " + w for c, w in evidence.CAVEATS)
    for internal in ("issue ", "our reference", "reference notes", "project's reference"):
        assert internal not in shown, internal


def test_fig1_towers_without_a_3x3_are_as_many_as_the_text_says():
    module = InceptionV3Module(192, 192)
    towers = [t for name, t in module.named_children() if name.startswith("tower")]
    without = sum(not any(isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) for m in t.modules())
                  for t in towers)
    words = {1: "one of them", 2: "two of them"}
    assert f"{words[without]}, the 1x1 tower and the pooling tower, with no 3x3 at all" in _markdown()


def test_elu_is_defined_where_the_learner_first_meets_it():
    text = _markdown()
    first = text.index("ELU")
    assert "exponential linear unit" in text[first:first + 200]
