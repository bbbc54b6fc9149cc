"""figures.described: the figure's text alternative reaches every renderer; check_style catches what a
colour-blind or low-vision reader cannot use, and passes a figure that follows the conventions."""
import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from xception_edu.lessons import figures  # noqa: E402


def _two_lines(**second):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2], [0, 1, 4], label="a", **figures.series_style(0))
    ax.plot([0, 1, 2], [4, 1, 0], label="b", **(second or figures.series_style(1)))
    for t in ax.get_xticklabels() + ax.get_yticklabels():
        t.set_fontsize(10)
    return fig, ax


def test_bundle_carries_the_alt_in_every_form():
    fig, _ = _two_lines()
    d = figures.described(fig, 'two curves "a" & "b" cross at x=1', data=[["x", "a"], [0, 0], [2, 4]])
    data = d._repr_mimebundle_()
    assert set(data) == {"text/html", "text/plain"}  # the PNG once, inside the <img>
    assert data["text/plain"] == d.alt
    html = data["text/html"]
    assert 'alt="two curves &quot;a&quot; &amp; &quot;b&quot; cross at x=1"' in html
    assert f'src="data:image/png;base64,{d.png}"' in html
    assert base64.b64decode(d.png).startswith(b"\x89PNG")
    assert "<details>" in html and "<td>4</td>" in html
    assert not plt.fignum_exists(fig.number)  # closed: notebooks never show it twice


def test_described_refuses_an_empty_alt_or_ragged_data():
    with pytest.raises(ValueError, match="alt is empty"):
        figures.described(_two_lines()[0], "  ")
    with pytest.raises(ValueError, match="same length"):
        figures.described(_two_lines()[0], "x", data=[["x", "y"], [1]])


def test_check_style_passes_distinct_styles_with_an_outside_legend():
    fig, ax = _two_lines()
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=10)
    figures.check_style(fig)


def test_check_style_names_series_that_differ_only_by_colour():
    fig, _ = _two_lines(color=figures.PALETTE[1], linestyle="-", marker="o")
    with pytest.raises(ValueError, match="'a' and 'b' differ only by colour"):
        figures.check_style(fig)


def test_check_style_names_bars_that_differ_only_by_colour():
    fig, ax = plt.subplots()
    ax.bar([0, 1], [1, 2], label="trained", color=figures.PALETTE[0])
    ax.bar([0.4, 1.4], [1, 2], label="random", color=figures.PALETTE[1])
    ax.tick_params(labelsize=10)
    with pytest.raises(ValueError, match="'trained' and 'random' differ only by colour"):
        figures.check_style(fig)
    for p in ax.containers[1].patches:
        p.set_hatch("//")
    figures.check_style(fig)


def test_check_style_names_small_text_and_a_legend_over_the_data():
    fig, ax = _two_lines()
    ax.set_title("tiny", fontsize=7)
    ax.legend(loc="center", fontsize=10)
    with pytest.raises(ValueError) as err:
        figures.check_style(fig)
    assert "'tiny' at 7.0 pt" in str(err.value) and "legend overlaps" in str(err.value)


def test_check_style_reads_error_bars_by_their_data_lines_not_their_caps_or_reference_lines():
    fig, ax = plt.subplots()
    ax.errorbar([0, 1, 2], [1, 2, 3], yerr=0.2, capsize=3, label="a", **figures.series_style(0))
    ax.errorbar([0, 1, 2], [2, 3, 4], yerr=0.2, capsize=3, label="b", **figures.series_style(1))
    ax.axhline(1.5, color="#767676", ls=":")
    ax.axhline(2.5, color="black", ls=":")
    ax.tick_params(labelsize=10)
    figures.check_style(fig)
    ax.plot([0, 1, 2], [0, 1, 0], color=figures.PALETTE[2], linestyle="-", marker="o")  # series 0's look
    with pytest.raises(ValueError, match="'a' and '_child"):  # an unlabelled curve counts as a series too
        figures.check_style(fig)


def test_check_style_names_error_bar_series_that_differ_only_by_colour():
    fig, ax = plt.subplots()
    ax.errorbar([0, 1, 2], [1, 2, 3], yerr=0.2, label="a", color=figures.PALETTE[0], marker="o")
    ax.errorbar([0, 1, 2], [2, 3, 4], yerr=0.2, label="b", color=figures.PALETTE[1], marker="o")
    ax.tick_params(labelsize=10)
    with pytest.raises(ValueError, match="'a' and 'b' differ only by colour"):
        figures.check_style(fig)
