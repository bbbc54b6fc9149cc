"""argument_picture: notebook 11's argument of Figs 1-5, counted from the package's modules and drawn from
them in notebooks 02-05's grammar (operator_drawing read off the module, block_drawing's stages), with a text
alternative and a table that follow the modules."""
import pathlib
import re

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

import xception_edu as xe  # noqa: E402
from xception_edu import counting  # noqa: E402
from xception_edu.lessons import argument_picture as ap  # noqa: E402
from xception_edu.lessons import block_drawing, evidence, figures  # noqa: E402
from xception_edu.lessons.operator_drawing import operator_drawing, operator_figure  # noqa: E402

PACKAGE = pathlib.Path(xe.__file__).resolve().parent


def _boxes(ax) -> list[str]:
    """The labels in the boxes of one drawn panel, one line each (arrows and the ellipsis left out)."""
    return [t.get_text().replace("\n", " ") for t in ax.texts if t.get_text() not in ("", "…")
            and t.get_transform() == ax.transData]


def _colors(ax) -> set[str]:
    return {to_hex(p.get_facecolor()) for p in ax.patches if isinstance(p, FancyBboxPatch)}


def test_argument_steps_count_what_the_closed_forms_say():
    c = 192
    steps = ap.argument_steps(c)
    assert [s.figure for s in steps] == ["Fig. 1", "Fig. 2", "Fig. 3", "Fig. 4", "Sec. 1.2", "Fig. 5"]
    fig1 = 4 * c * 48 + 3 * 9 * 48 * 48  # four 1x1 (c -> 48), three 3x3 (48 -> 48); no BN, as Figs 2-4
    fig2 = 3 * (c * 64 + 9 * 64 * 64)  # three towers of 1x1 (c -> 64) then 3x3 (64 -> 64)
    assert [s.params for s in steps[:5]] == [fig1, fig2, fig2, c * c + 9 * c, c * c + 9 * c]
    # the module itself also holds one BN per conv, which the step leaves out to count like Figs 2-4
    with_bn = counting.inception_v3(c, (48,) * 4, (48, 48), 3, (1, 1)).params
    assert with_bn == fig1 + 7 * counting.batchnorm(48).params
    assert steps[5].params == evidence.TABLE3["Xception"][0]


def test_panels_are_notebooks_02_to_05s_drawings_of_the_same_modules():
    c = 96
    panels = ap.argument_panels(c)
    modules = [xe.InceptionV3Module(c, c), xe.SimplifiedInception(c, c, towers=3),
               xe.ReformulatedInception(c, c, towers=3), xe.ExtremeInception(c, c), xe.SeparableConv2d(c, c)]
    for p, m in zip(panels, modules):
        d = operator_drawing(m)
        assert (p.drawing.stages, p.drawing.top, p.drawing.bottom) == (d.stages, d.top, d.bottom)
    kinds = [[kind for kind, _ in col] for col in panels[0].drawing.stages[0]]
    # Fig. 1: 1x1; 1x1 -> 3x3; 1x1 -> 3x3 -> 3x3; pool -> 1x1
    assert kinds == [["1x1"], ["1x1", "kxk"], ["1x1", "kxk", "kxk"], ["pool", "1x1"]]
    # Figs 3-4: one 1x1 for all channels, then 3 segments / one column per channel
    fig3, fig4, separable = (p.drawing.stages for p in panels[2:5])
    assert [len(s) for s in fig3] == [1, 3] and [len(s) for s in fig4] == [1, c]
    # the separable conv: the same two stages swapped, and no ReLU named between them (Sec. 1.2)
    assert [len(s) for s in separable] == [c, 1]
    assert all("ReLU" in label for stage in fig4 for col in stage for _, label in col)
    assert not any("ReLU" in label for stage in separable for col in stage for _, label in col)
    flows = [label for _, label in panels[5].drawing.stages[0][0]]
    assert "middle flow: 8 x 3 separable convs" in flows  # Fig. 5: the middle flow repeated 8 times


def test_each_panel_draws_the_boxes_and_colours_of_its_operator_figure():
    c = 48
    d = ap.argument_described(c)
    figures.check_style(d)
    modules = [xe.InceptionV3Module(c, c), xe.SimplifiedInception(c, c, towers=3),
               xe.ReformulatedInception(c, c, towers=3), xe.ExtremeInception(c, c), xe.SeparableConv2d(c, c)]
    for ax, m in zip(d.fig.axes, modules):
        alone = operator_figure(m).fig.axes[0]
        assert set(_boxes(ax)) <= set(_boxes(alone)) and _colors(ax) == _colors(alone)
    fig4 = d.fig.axes[3]  # c channels drawn as the first ones, an ellipsis and the last
    assert sum(to_hex(p.get_facecolor()) == block_drawing.STEP_COLORS["kxk"] for p in fig4.patches) == \
        ap.PANEL_COLUMNS - 1
    assert [t.get_text() for t in fig4.texts].count("…") == 1 and f"3x3 conv, channel {c - 1}, ReLU" in \
        _boxes(fig4)


def test_argument_described_shows_every_count_in_fonts_of_at_least_10_pt():
    d = ap.argument_described(96)
    FigureCanvasAgg(d.fig)  # a described figure is closed: give it a canvas to draw on again
    figures.check_style(d.fig)
    texts = " ".join(t.get_text() for ax in d.fig.axes for t in ax.texts)
    assert all(f"{s.params:,}" in texts for s in ap.argument_steps(96))
    sizes = [t.get_fontsize() for ax in d.fig.axes for t in [*ax.texts, ax.title]]
    assert min(sizes + [d.fig._suptitle.get_fontsize()]) >= 10  # above the suite's 9 pt, as drawn
    assert (d.alt, d.data) == ap.argument_words(96)


def test_argument_words_name_every_panels_operator_and_count_and_follow_the_width():
    alt, data = ap.argument_words(96)
    panels = ap.argument_panels(96)
    assert [row[0] for row in data[1:]] == [p.step.figure for p in panels]
    for row, p in zip(data[1:], panels):
        assert row[3] == f"{p.step.params:,}" and f"{p.step.figure} (" in alt
        first_and_last = [stage[i] for stage in p.drawing.stages for i in (0, -1)]
        assert all(label in row[2] for col in first_and_last for _, label in col)
    assert "96 channels in parallel" in data[4][2] and "96 channels in parallel" in data[5][2]
    assert f"a regular 3x3 conv: {9 * 96 * 96:,} parameters" in alt
    other, other_data = ap.argument_words(48)  # counted from the modules: another width, other numbers
    assert f"{9 * 48 + 48 * 48:,} parameters" in other and other_data[4][3] != data[4][3]


def test_the_picture_and_its_words_follow_the_modules_they_are_given(monkeypatch):
    c = 96
    before_alt, before_data = ap.argument_words(c)
    operators = ap._operators

    def four_towers(c):  # Fig. 2 with 4 towers instead of 3: other towers, another count
        ops = operators(c)
        return ops[:1] + [xe.SimplifiedInception(c, c, towers=4)] + ops[2:]

    monkeypatch.setattr(ap, "_operators", four_towers)
    alt, data = ap.argument_words(c)
    w = c // 4
    params = 4 * (c * w + 9 * w * w)  # four towers of 1x1 (c -> w) then 3x3 (w -> w)
    assert alt != before_alt and f"Fig. 2 (simplified), {params:,} parameters" in alt
    assert "4 towers in parallel" in data[2][2] and "3 towers in parallel" in before_data[2][2]
    drawn = ap.argument_figure(c).axes[1]
    assert _boxes(drawn).count(f"1x1 conv, {c // 4}") == 4


def test_notebook_11_shows_this_picture():
    from xception_edu.lessons import nb11_why_xception_works as nb11

    assert (nb11.argument_described, nb11.argument_steps) == (ap.argument_described, ap.argument_steps)


def test_no_module_draws_with_the_old_one_stage_path():
    assert not hasattr(block_drawing, "draw_block") and not hasattr(block_drawing, "describe_block")
    old = re.compile(r"\b(draw_block|describe_block)\b")
    users = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if old.search(p.read_text())]
    assert users == []


def test_block_drawing_refuses_an_unknown_step_kind():
    with pytest.raises(ValueError, match="'5x5'"):
        block_drawing.describe_stages([[[("5x5", "a step")]]], "in", "out")


def test_every_label_fits_its_box_at_the_notebooks_size():
    fig = ap.argument_figure(192)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    for ax in fig.axes:
        boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
        for t in ax.texts:
            if t.get_transform() != ax.transData or t.get_text() in ("", "…"):
                continue
            x, y = t.get_position()  # a label sits at its box's centre
            box = min(boxes, key=lambda p: abs(p.get_x() + p.get_width() / 2 - x)
                      + abs(p.get_y() + p.get_height() / 2 - y))
            inner, outer = t.get_window_extent(renderer), box.get_window_extent(renderer)
            assert inner.width <= outer.width and inner.height <= outer.height, t.get_text()
