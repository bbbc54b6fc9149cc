"""Notebook 00's path and claim, checked against the notebooks folder and the paper's abstract and tables."""
import json
import pathlib
import re

from xception_edu.lessons import evidence

ROOT = pathlib.Path(__file__).resolve().parents[2]
NB00 = ROOT / "notebooks" / "00_start_here.ipynb"
NUMBER_WORDS = {11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen", 15: "fifteen"}


def _cell(cell_id) -> str:
    cells = json.loads(NB00.read_text())["cells"]
    return "".join(next(c for c in cells if c.get("id") == cell_id)["source"])


def test_the_path_lists_every_notebook_in_the_folder_once():
    shipped = sorted(p.name.split("_")[0] for p in (ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
    listed = re.findall(r"^\| (\d\d[a-z]?) \|", _cell("13ff68cf"), flags=re.M)
    assert listed == shipped


def test_the_path_counts_the_notebooks_it_lists():
    listed = re.findall(r"^\| (\d\d[a-z]?) \|", _cell("13ff68cf"), flags=re.M)
    assert f"All {NUMBER_WORDS[len(listed)]} notebooks" in _cell("13ff68cf")


def test_the_opening_states_the_papers_claim_and_its_table_1_result():
    opening = " ".join(_cell("9fea9efd").split())
    assert "Inception modules can be replaced by" in opening and "fraction of the cost" not in opening
    xception, inception_v3 = evidence.TABLE1["Xception"][0], evidence.TABLE1["Inception V3"][0]
    assert f"top-1 {xception:.3f} against {inception_v3:.3f}, Table 1" in opening
    assert "not due to increased capacity but rather to a more efficient use of model parameters" in opening
