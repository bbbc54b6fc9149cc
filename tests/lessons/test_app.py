"""Widget apps are tested without a kernel: set a control as a learner would, check the view."""
import pytest

from xception_edu.lessons import app as xe_app
from xception_edu.lessons import nb00_start_here as nb00


def test_savings_view_shows_both_counts_and_the_ratio():
    html = nb00.savings_view(64, 3)
    assert "36,864" in html and "4,672" in html  # 3*3*64*64 and 3*3*64 + 64*64
    assert f"{36864 / 4672:.1f}x fewer" in html


def test_savings_view_says_fewer_or_more_in_the_right_direction():
    assert "8.9x fewer" in nb00.savings_view(728, 3)
    larger = nb00.savings_view(16, 1)  # k = 1: 16 + 16*16 = 272 > 16*16 = 256
    assert "1.06x more" in larger and "fewer" not in larger and "106.2%" in larger
    assert "1.001x more" in nb00.savings_view(728, 1)
    assert "same number" in nb00.savings_sentence(10, 10)


def test_moving_a_slider_updates_the_view_and_the_stored_output():
    app = nb00.savings_teaser()
    before = app.output.outputs[0]["data"]["text/html"]
    app.set(channels=32, kernel_size=5)
    after = app.output.outputs[0]["data"]["text/html"]
    assert after != before
    assert f"{5 * 5 * 32 * 32:,}" in after  # the regular conv's k^2 Cin Cout at the new values
    assert after == nb00.savings_view(32, 5)


@pytest.mark.parametrize("channels", [nb00.CHANNEL_CHOICES[0], nb00.CHANNEL_CHOICES[-1]])
@pytest.mark.parametrize("k", [xe_app.KERNEL_CHOICES[0], xe_app.KERNEL_CHOICES[-1]])
def test_slider_ends_do_not_crash(channels, k):
    app = nb00.savings_teaser().set(channels=channels, kernel_size=k)
    html = app.output.outputs[0]["data"]["text/html"]
    assert ("fewer" in html) != ("more" in html)


def test_sliders_offer_only_valid_values():
    app = nb00.savings_teaser()
    assert tuple(app.controls["channels"].options) == nb00.CHANNEL_CHOICES
    assert tuple(app.controls["kernel_size"].options) == xe_app.KERNEL_CHOICES
    assert all(k % 2 for k in xe_app.KERNEL_CHOICES)  # odd: 'same' padding is possible


def test_display_bundle_has_the_widget_and_a_static_fallback():
    app = nb00.savings_teaser(channels=128, kernel_size=3)
    bundle = app._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == app.static_html()
    assert app.rendering()["text/html"] == nb00.savings_view(128, 3)  # the live view, as drawn
    assert bundle["text/plain"] == ("<Regular vs depthwise separable convolution: "
                                    "{'channels': 128, 'kernel_size': 3}>")


def _svg_app(n=3):
    import ipywidgets as W

    from xception_edu.lessons import svg

    def view(n):
        return "<p>before</p>" + svg.svg_plot(list(range(1, n + 1)), [2.0**k for k in range(n)], xlabel="x",
                                              ylabel="y") + "<p>after</p>"

    return xe_app.App({"n": W.IntSlider(value=n, min=2, max=5, description="points n")}, view, title="A & B")


def test_the_static_fallback_is_the_title_the_values_and_the_view_as_images_with_alt_text():
    import base64
    import html
    import re

    app = _svg_app()
    static = app.static_html()
    assert "<svg" not in static, "sanitizers strip inline SVG: the fallback must not need it"
    assert "<b>A &amp; B</b>" in static and "points n = 3" in static
    assert "<p>before</p>" in static and "<p>after</p>" in static
    (src, alt), = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', static)
    drawn = app.rendering()["text/html"]
    assert base64.b64decode(src).decode() in drawn  # the very drawing the live view shows
    title = re.search(r"<title[^>]*>(.*?)</title>", drawn).group(1)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", drawn).group(1)
    assert html.unescape(alt) == f"{html.unescape(title)}: {html.unescape(desc)}"
    assert app.set(n=4).static_html() != static  # the alt text and picture follow the data


def test_controls_need_a_description_and_wrap_in_a_narrow_output_area():
    import ipywidgets as W

    with pytest.raises(ValueError, match="'n' has no description"):
        xe_app.App({"n": W.IntSlider(value=3, min=2, max=5)}, lambda n: "")
    app = _svg_app()
    row = app.widget.children[1]
    assert row.layout.flex_flow == "row wrap"
    slider = app.controls["n"]
    assert slider.style.description_width == "initial" and slider.layout.flex == "1 1 320px"
    # the readout sized to the longest value ("5": 1 character), by a rule the app's own HTML carries
    assert "xe-readout-1" in slider._dom_classes and "xe-app" in app.widget._dom_classes
    assert ".xe-app .xe-readout-1 .widget-readout{min-width:calc(1ch + 12px)" in app.widget.children[0].value


def test_a_described_figure_is_shown_by_its_own_bundle_and_a_bare_one_is_refused():
    import ipywidgets as W
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xception_edu.lessons.figures import described

    def figure(n):
        fig, ax = plt.subplots()
        ax.plot(range(n))
        return fig

    slider = {"n": W.IntSlider(value=3, min=2, max=5, description="n")}
    app = xe_app.App(slider, lambda n: described(figure(n), f"a line through {n} points"))
    bundle = app._repr_mimebundle_()
    shown = app.output.outputs[0]["data"]
    png = "data:image/png;base64,iVBORw0KGgo"  # base64 of the PNG signature
    assert shown["text/html"].startswith(f'<img alt="a line through 3 points" src="{png}')
    assert shown["text/html"] in bundle["text/html"]  # the static fallback shows the same picture
    plt.close("all")
    with pytest.raises(TypeError, match=r"the view returned a Figure: a view returns HTML \(a str\) or a "
                                        r"figures.Described"):
        xe_app.App({"n": W.IntSlider(value=3, min=2, max=5, description="n")}, figure)
    plt.close("all")


def test_bad_values_and_unknown_controls():
    with pytest.raises(ValueError, match=r"channels=100 is not one of \(16, 32"):
        nb00.savings_teaser(channels=100)
    with pytest.raises(ValueError, match=r"kernel_size=4 is not one of \(1, 3, 5, 7\)"):
        nb00.savings_teaser(kernel_size=4)
    with pytest.raises(ValueError, match=(r"'groups' is not a control of this app; "
                                          r"controls: \['channels', 'kernel_size'\]")):
        nb00.savings_teaser().set(groups=4)


def test_an_app_shows_the_script_naming_its_sliders_then_itself(monkeypatch):
    import IPython.display as D

    shown = []
    monkeypatch.setattr(D, "display", lambda obj, **kw: shown.append(("display", obj)))
    monkeypatch.setattr(D, "publish_display_data", lambda data, *a, **kw: shown.append(("publish", data)))
    import ipywidgets as W

    app = xe_app.App({"k": W.IntSlider(value=3, min=1, max=7, description="kernel k")},
                     lambda k: f"<p>{k}</p>")
    app._ipython_display_()
    (kind0, script), (kind1, data) = shown
    assert kind0 == "display" and script.data == xe_app.NAME_SLIDERS_JS and "aria-labelledby" in script.data
    assert kind1 == "publish" and "application/vnd.jupyter.widget-view+json" in data
