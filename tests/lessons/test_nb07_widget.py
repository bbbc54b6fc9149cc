"""Notebook 07's widget view (kernel-free): the plot of parameters against g marks the current g inside
its axes for every setting, and scales instead of being cropped."""
import re
import xml.etree.ElementTree as ET

from xception_edu.experiments import timing as savings
from xception_edu.lessons import nb07_parameter_savings as nb07

SVG = "{http://www.w3.org/2000/svg}"


def test_the_current_g_is_marked_inside_the_plot_for_every_setting():
    checked = 0
    for cin in nb07.SAVINGS_CHANNEL_CHOICES:
        for cout in nb07.SAVINGS_CHANNEL_CHOICES:
            for g in savings.valid_groups(cin, cout):
                html = nb07.savings_table_view(cin, cout, 3, g, time_it=False)
                root = ET.fromstring(re.search(r"<svg\b.*</svg>", html, re.S).group(0))
                frame = root.find(f"{SVG}rect")
                x, y, w, h = (float(frame.get(k)) for k in ("x", "y", "width", "height"))
                _, _, vw, vh = map(float, root.get("viewBox").split())
                ring, = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "xe-mark"]
                cx, cy = float(ring.get("cx")), float(ring.get("cy"))
                assert x <= cx <= x + w and y <= cy <= y + h, (cin, cout, g)
                assert 0 <= x and x + w <= vw and 0 <= y and y + h <= vh  # the axes inside the drawing
                params = savings.variant_counts("grouped", cin, cout, 3, g).params
                assert f"Marked: groups g = {g}, parameters = {params:,}" in root.find(f"{SVG}desc").text
                checked += 1
    assert checked > 100


def test_the_plot_wraps_under_the_table_rather_than_shrinking():
    html = nb07.savings_table_view(64, 64, 3, 64, time_it=False)
    assert "flex-wrap:wrap" in html and 'style="max-width:100%;height:auto"' in html


def test_each_operator_is_a_row_head_and_the_caption_names_the_setting():
    html = nb07.savings_table_view(32, 128, 5, 8, time_it=False)
    heads = re.findall(r"<th scope='row'[^>]*>(.*?)<br>", html)
    assert heads == [savings.VARIANT_NAMES[v].replace("g groups", "g = 8") for v in savings.VARIANTS]
    assert "<caption>Four operators at Cin = 32, Cout = 128, k = 5, g = 8</caption>" in html
    assert f"@container (max-width: {nb07.SAVINGS_TABLE_PX - 0.5}px)" in html  # its rows stack when narrow
