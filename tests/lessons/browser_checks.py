"""What a learner with a keyboard, a small screen or browser zoom meets in a widget App (lessons/app.py),
checked in the page test_browser.py has already opened and run.

* ``keyboard_problems``: every control of the App is reached with Tab (the first one from outside the
  App), is announced by its ipywidgets ``description`` (its accessible name, read from the page's
  accessibility tree), is operated with an arrow key (Left/Right for a slider, Up/Down for a drop-down:
  the keys WAI-ARIA gives them), keeps the focus, and the App's view changes after the key press.
* ``layout_problems``: at each ``SCREENS`` window (the file browser open, as JupyterLab starts) every
  part of every control (label, slider track, readout, drop-down) lies inside the output area and is
  not clipped by an enclosing box, slider tracks are at least ``MIN_TRACK_PX`` long, each picture of
  the view (SVG or image) fits the output area and scales down rather than being cropped, and nothing
  of the view reaches past the output area's right edge.
* ``tall_problems``: at a 768 px high window the App fits the notebook's visible height, and with the
  App scrolled to the top, End on a slider selects its last option (the kernel's, after the options
  changed), redraws the view, and the element marking the selection is in view.

Each returns a list of problems (empty when all is well), in words with the measured px, so one failing
test names every control that fails, not only the first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Screen:
    """A browser window, in CSS px as JupyterLab lays out in it: ``zoom`` 1.5 is Ctrl + twice in
    Chromium, which divides the window's CSS width and height by 1.5."""
    name: str
    width: int
    height: int
    zoom: float = 1.0

    @property
    def viewport(self) -> dict:
        return {"width": round(self.width / self.zoom), "height": round(self.height / self.zoom)}


SCREENS = (Screen("1024x700", 1024, 700), Screen("1366x900 at 150 % zoom", 1366, 900, 1.5),
           Screen("1024x700 at 150 % zoom", 1024, 700, 1.5))
"""A laptop window with the file browser open (a 592 px output area), the larger window at 150 % zoom
(479 px), and the laptop window at 150 % zoom (315 px)."""
TALL_SCREEN = Screen("1024x768", 1024, 768)
MIN_TRACK_PX = 100
"""A slider track shorter than this cannot be aimed at with a mouse or read at a glance."""

_CONTROLS = """(app) => {
  const view = app.querySelector('.widget-output');
  const targets = Array.from(app.querySelectorAll('[role=slider], select, input, button, textarea'))
    .filter(t => !(view && view.contains(t)));
  return targets.map((t, i) => {
    t.setAttribute('data-xe-control', String(i));
    const box = t.closest('.widget-inline-hbox');
    const label = box && box.querySelector('label');
    return {label: label ? label.textContent.trim() : '',
            kind: t.getAttribute('role') === 'slider' ? 'slider' : t.tagName.toLowerCase()};
  });
}"""

_STATE = """(el) => el.getAttribute('role') === 'slider'
  ? {value: el.getAttribute('aria-valuenow'),
     at_end: +el.getAttribute('aria-valuenow') >= +el.getAttribute('aria-valuemax')}
  : el.tagName === 'SELECT' ? {value: el.value, at_end: el.selectedIndex >= el.options.length - 1}
  : {value: String(el.checked ?? el.value), at_end: false}"""

_ACTIVE = """(app) => { const a = document.activeElement;
  if (!a) return null;
  if (app.contains(a) && a.hasAttribute('data-xe-control')) return a.getAttribute('data-xe-control');
  return (a.tagName + '.' + a.className).slice(0, 60); }"""

_VIEW_HTML = "(app) => { const v = app.querySelector('.widget-output'); return v ? v.innerHTML : ''; }"
_VIEW_CHANGED = ("([app, old]) => { const v = app.querySelector('.widget-output');"
                 " return !!v && v.innerHTML !== old; }")

_KEYS = {"slider": ("ArrowRight", "ArrowLeft"), "select": ("ArrowDown", "ArrowUp")}


def _control(app, i):
    return app.locator(f'[data-xe-control="{i}"]')


def _announced_name(target) -> str | None:
    """The accessible name of ``target`` as the accessibility tree gives it (None: it has none)."""
    snapshot = target.aria_snapshot().strip().splitlines()[0]
    m = re.match(r'^- [\w-]+ "((?:[^"\\]|\\.)*)"', snapshot)
    return m.group(1) if m else None


def keyboard_problems(lp, app, title: str, view_timeout_ms: int = 30_000) -> list[str]:
    page = lp.page
    controls = app.evaluate(_CONTROLS)
    if not controls:
        return [f"{title}: no control found"]
    problems = []
    first = _control(app, 0)
    first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    for i, c in enumerate(controls):
        where = f"{title}: control {i + 1} ({c['kind']} {c['label']!r})"
        # mark them again: the browser rebuilds a slider whose options changed (app.rebuild_in_browser)
        if app.evaluate(_CONTROLS) != controls:
            problems.append(f"{where}: the controls changed while the walk went on")
            break
        # a slider's readout is focusable too: at most two Tabs from one control to the next
        for tabs in range(3):
            if app.evaluate(_ACTIVE) == str(i):
                break
            if tabs < 2:
                page.keyboard.press("Tab")
        else:
            problems.append(f"{where}: not reached with Tab (the focus is on {app.evaluate(_ACTIVE)!r})")
        target = _control(app, i)
        target.focus(timeout=5_000)  # carry on from here, reached or not
        if not c["label"]:
            problems.append(f"{where}: has no visible description")
        name = _announced_name(target)
        if name != c["label"]:
            problems.append(f"{where}: announced as {name!r}, not by its description {c['label']!r}")
        keys = _KEYS.get(c["kind"], ("Space", "Space"))
        before, view_before = target.evaluate(_STATE), app.evaluate(_VIEW_HTML)
        key = keys[1] if before["at_end"] else keys[0]
        page.keyboard.press(key)
        after = target.evaluate(_STATE)
        if app.evaluate(_ACTIVE) != str(i):
            problems.append(f"{where}: {key} took the focus away (to {app.evaluate(_ACTIVE)!r})")
            target.focus()
        if after["value"] == before["value"]:
            problems.append(f"{where}: {key} left its value at {before['value']!r}")
            continue
        try:
            page.wait_for_function(_VIEW_CHANGED, arg=[app.element_handle(), view_before],
                                   timeout=view_timeout_ms, polling=100)
        except Exception:
            problems.append(f"{where}: {key} moved it to {after['value']!r} but the view did not change "
                            f"in {view_timeout_ms / 1000:.0f} s")
    return problems


_LAYOUT = """(app, minTrack) => {
  const area = app.closest('.jp-OutputArea-output').getBoundingClientRect();
  const view = app.querySelector('.widget-output');
  const px = v => Math.round(v);
  const problems = [];
  // the part's box, cut by every enclosing box that hides or scrolls what overflows it
  const visible = (el) => {
    let r = el.getBoundingClientRect(), left = r.left, right = r.right;
    for (let p = el.parentElement; p && p !== app.parentElement; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX !== 'visible') {
        const q = p.getBoundingClientRect();
        left = Math.max(left, q.left + p.clientLeft);
        right = Math.min(right, q.left + p.clientLeft + p.clientWidth);
      }
    }
    return {left, right, width: r.width, height: r.height, r};
  };
  const inside = (what, el) => {
    const v = visible(el);
    if (v.width < 1 || v.height < 1) {
      problems.push(`${what} is ${px(v.width)}x${px(v.height)} px`);
      return;
    }
    if (v.r.left < area.left - 0.5 || v.r.right > area.right + 0.5)
      problems.push(`${what} spans x ${px(v.r.left - area.left)}..${px(v.r.right - area.left)} px of the ` +
                    `${px(area.width)} px output area`);
    else if (v.right - v.left < v.width - 0.5)
      problems.push(`${what}: ${px(v.width - (v.right - v.left))} of its ${px(v.width)} px ` +
                    'hidden by an enclosing box');
  };
  const controls = Array.from(app.querySelectorAll('[data-xe-control]'));
  let shortest = Infinity;
  for (const t of controls) {
    const box = t.closest('.widget-inline-hbox') || t;
    const name = (box.querySelector('label')?.textContent || t.tagName).trim();
    const label = box.querySelector('label');
    if (label && label.offsetParent !== null) inside(`'${name}' label`, label);
    const track = box.querySelector('.noUi-target');
    if (track) {
      inside(`'${name}' slider track`, track);
      const w = track.getBoundingClientRect().width;
      shortest = Math.min(shortest, w);
      if (w < minTrack) problems.push(`'${name}' slider track is ${px(w)} px (at least ${minTrack})`);
    }
    const readout = box.querySelector('.widget-readout');
    if (readout && getComputedStyle(readout).display !== 'none') inside(`'${name}' readout`, readout);
    if (t.tagName === 'SELECT') inside(`'${name}' drop-down`, t);
  }
  const pictures = view ? Array.from(view.querySelectorAll('svg, img'))
                               .filter(e => !e.parentElement.closest('svg')) : [];
  pictures.forEach((pic, i) => {
    const title = pic.querySelector && pic.querySelector('title');
    const what = `picture ${i + 1} (${pic.tagName.toLowerCase()}` +
                 `${title ? ' ' + JSON.stringify(title.textContent.slice(0, 40)) : ''})`;
    inside(what, pic);
    if (pic.tagName.toLowerCase() === 'svg') {
      const drawn = pic.getAttribute('width');
      const w = pic.getBoundingClientRect().width;
      if (!pic.viewBox.baseVal?.width && drawn && !drawn.endsWith('%') && w < parseFloat(drawn) - 0.5)
        problems.push(`${what} is drawn ${drawn} px wide, shown in ${px(w)} px without a viewBox: ` +
                      'cropped, not scaled');
    }
  });
  // what the view draws past the output area's right edge is cut off or scrolls sideways
  let widest = {right: area.right + 0.5, e: null};
  for (const e of view ? view.querySelectorAll('*') : []) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.right > widest.right && !e.parentElement.closest('svg'))
      widest = {right: r.right, e};
  }
  if (widest.e)
    problems.push(`the view reaches ${px(widest.right - area.left)} px (${widest.e.tagName.toLowerCase()} ` +
                  `${JSON.stringify((widest.e.textContent || '').trim().slice(0, 30))}): ` +
                  `${px(widest.right - area.right)} px past the output area`);
  return {area: px(area.width), shortest: shortest === Infinity ? null : px(shortest), problems};
}"""

_SETTLED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


def show_file_browser(page) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:activate')")
    page.wait_for_function("() => !window.jupyterapp.shell.leftCollapsed", timeout=10_000)


def layout_problems(lp, apps: dict, screens=SCREENS) -> tuple[list[str], dict]:
    """``apps``: title -> the App's box (keyboard_problems marked its controls). Returns the problems and,
    per screen, the output area's width and the shortest slider track, in px."""
    page = lp.page
    show_file_browser(page)
    problems, measured = [], {}
    for screen in screens:
        page.set_viewport_size(screen.viewport)
        page.evaluate(_SETTLED)
        for title, app in apps.items():
            app.evaluate(_CONTROLS)
            got = app.evaluate(_LAYOUT, MIN_TRACK_PX)
            measured[(screen.name, title)] = (got["area"], got["shortest"])
            problems += [f"{title} at {screen.name} ({got['area']} px output area): {p}"
                         for p in got["problems"]]
    return problems, measured


_SCROLLER = """(el) => { let p = el.parentElement;
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY);
  while (p && !(p.scrollHeight > p.clientHeight && scrolls(p)))
    p = p.parentElement;
  const s = (p || document.documentElement).getBoundingClientRect();
  return {top: s.top, bottom: s.bottom, height: s.height}; }"""


def tall_problems(lp, app, title: str, slider: str, last: str, selected: str,
                  screen: Screen = TALL_SCREEN) -> list[str]:
    """At ``screen``, with the App scrolled to the top, press End on ``slider``: it must select ``last``
    (its last option as the kernel has it now) and redraw the view; the App must fit the notebook's
    visible height and ``selected`` (a CSS selector in the view) must be in view."""
    page = lp.page
    show_file_browser(page)
    page.set_viewport_size(screen.viewport)
    page.evaluate(_SETTLED)
    _, handle = lp.slider(app, slider)
    view_before = app.evaluate(_VIEW_HTML)
    app.evaluate("el => el.scrollIntoView({block: 'start'})")  # the learner has scrolled to the App
    page.evaluate(_SETTLED)
    handle.focus()
    page.keyboard.press("End")
    problems = []
    shown_value = lp.readout(app, slider)
    if shown_value != last:
        at, top = handle.get_attribute("aria-valuenow"), handle.get_attribute("aria-valuemax")
        problems.append(f"{title}: End on {slider!r} shows {shown_value!r} (position {at} of {top}), "
                        f"not its last option {last!r}")
    try:
        page.wait_for_function(_VIEW_CHANGED, arg=[app.element_handle(), view_before], timeout=30_000,
                               polling=100)
    except Exception:
        problems.append(f"{title}: End on {slider!r} did not redraw the view in 30 s")
    page.evaluate(_SETTLED)
    shown = app.evaluate(_SCROLLER)
    box = app.bounding_box()
    if box["height"] > shown["height"] + 0.5:
        problems.append(f"{title} at {screen.name}: {box['height']:.0f} px tall, the notebook shows "
                        f"{shown['height']:.0f} px")
    mark = app.locator(selected).first.bounding_box()
    if mark is None or mark["y"] < shown["top"] - 0.5 or mark["y"] + mark["height"] > shown["bottom"] + 0.5:
        top = None if mark is None else mark["y"] - shown["top"]
        where = "not drawn" if mark is None else (f"at y {top:.0f}..{top + mark['height']:.0f} px of the "
                                                  f"{shown['height']:.0f} px shown")
        problems.append(f"{title} at {screen.name}: after End on {slider!r} the selection is {where}")
    return problems
