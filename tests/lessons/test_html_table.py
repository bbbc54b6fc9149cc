"""lessons/html_table.py: a real table for a screen reader whatever the width; its rows stack under the
width given (the browser test measures it at a 315 px output area)."""
import re
import xml.etree.ElementTree as ET

import pytest

from xception_edu.lessons.html_table import stacking_table

HEAD = ("operator", "parameters", "time")
ROWS = [["regular <i>conv</i>", "36,864", "1.20 ms"], ["separable", "4,672", "0.30 ms"]]


def _parsed(html: str):
    return ET.fromstring(re.sub(r"<style>.*?</style>", "", html, flags=re.S))


def test_every_number_has_its_row_and_column_heads():
    root = _parsed(stacking_table(HEAD, ROWS, "Two operators", 400, right=(1,)))
    table = root.find("table")
    assert table.find("caption").text == "Two operators"
    assert [th.text for th in table.iter("th") if th.get("scope") == "col"] == list(HEAD)
    body = table.find("tbody").findall("tr")
    assert len(body) == len(ROWS)
    for tr, row in zip(body, ROWS):
        head, *cells = list(tr)
        assert (head.tag, head.get("scope")) == ("th", "row")
        assert ET.tostring(head, encoding="unicode").count("<i>conv</i>") == row[0].count("<i>conv</i>")
        assert [c.text for c in cells] == row[1:]
        # the label a narrow screen shows before each number is its column's head
        assert [c.get("data-head") for c in cells] == list(HEAD[1:])
        assert "text-align:right" in (cells[0].get("style") or "") and cells[1].get("style") is None


def test_rows_stack_under_the_width_given_and_only_there():
    html = stacking_table(HEAD, ROWS, "Two operators", 400)
    assert "@container (max-width: 399.5px)" in html
    box = _parsed(html)
    assert "container-type:inline-size" in box.get("style") and "flex:1 1 400px" in box.get("style")
    # the stacked rules reach this table only, and the column names stay for a screen reader
    rules = re.search(r"<style>(.*)</style>", html, re.S).group(1)
    assert all(sel.strip().startswith(".xe-stack-400") for sel in re.findall(r"[{}]([^{}]+)\{", rules))
    assert "display:none" not in rules


def test_the_marked_row_alone_is_bold_on_a_tint():
    table = _parsed(stacking_table(HEAD, ROWS, "Two operators", 400, marked=1))
    rows = table.find("table/tbody").findall("tr")
    assert [bool(tr.get("style")) for tr in rows] == [False, True]
    assert "font-weight:bold" in rows[1].get("style")


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match=r"a row of 2 cells under 3 column heads"):
        stacking_table(HEAD, [["a", "b"]], "x", 400)
    with pytest.raises(ValueError, match=r"stack_below=0: a width in px, above 0"):
        stacking_table(HEAD, ROWS, "x", 0)
    with pytest.raises(ValueError, match=r"marked=2: a row index from 0 to 1, or None"):
        stacking_table(HEAD, ROWS, "x", 400, marked=2)
