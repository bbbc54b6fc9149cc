"""Widgets that still respond on the static site: for an App whose controls span a small grid, every view
is computed at build time by the App itself and the page switches between them with no kernel.

``substitute(nb, name, run_live_html)`` replaces each registered App's stored display in a notebook by an
explorer: native controls (``<input type=range>`` or ``<select>``, each with a visible label), the values in
words, a live region showing the precomputed view of the current setting, and a note naming where to run the
notebook live (the links the caller gives: the site's Binder and Colab ones). The walk over the grid is the
App's own: each state is reached with ``App.set`` and each move made with it, so a control whose options
depend on another (Fig. 5's blocks on the middle repeats) lands where the kernel lands. Identical views are
stored once, each in a ``<template>``, so that only the shown one is in the page.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as W
import nbformat

from xception_edu.lessons import (
    fig5,
    nb00_start_here,
    nb02_inception_module,
    nb03_reformulation,
    nb04_extreme_inception,
    nb05_depthwise_separable,
    nb11_why_xception_works,
)
from xception_edu.lessons.app import App

MAX_STATES = 1000
"""More states than this is not a small grid: the page would carry megabytes of views."""


@dataclass(frozen=True)
class Offline:
    """One App that responds offline: its notebook, the factory the notebook calls, the controls whose
    every value is precomputed (the others stay at the stored values), optionally the view function to
    call instead of the App's (same arguments) and a sentence on what that leaves out."""
    notebook: str
    factory: Callable[[], App]
    vary: tuple[str, ...]
    view: Callable | None = None
    leaves_out: str = ""

    @functools.cached_property
    def title(self) -> str:
        return self.factory().title


REGISTRY = (
    Offline("00_start_here", nb00_start_here.savings_teaser, ("channels", "kernel_size")),
    Offline("02_inception_module", nb02_inception_module.inception_towers, ("towers", "width", "cin")),
    Offline("03_reformulation", nb03_reformulation.reformulation, ("towers",)),
    Offline("04_extreme_inception", nb04_extreme_inception.spectrum, ("groups",),
            view=functools.partial(nb04_extreme_inception.spectrum_view, time_it=False),
            leaves_out="The forward-pass time is measured only when the notebook runs."),
    Offline("05_depthwise_separable", nb05_depthwise_separable.regroup, ("blocks",)),
    Offline("08_xception_architecture", fig5.fig5_app, ("middle_repeats", "block")),
    Offline("11_why_xception_works", nb11_why_xception_works.budget_explorer, ("budget", "groups"),
            view=functools.partial(nb11_why_xception_works.budget_view, time_it=False),
            leaves_out="The forward-pass time is measured only when the notebook runs."),
)


def _options(control) -> tuple[list[str], list]:
    """A control's option labels and values (a selection control's own ``(label, value)`` pairs)."""
    if not isinstance(control, (W.SelectionSlider, W.Dropdown, W.Select, W.RadioButtons, W.ToggleButtons)):
        raise ValueError(f"control {control.description!r} is a {type(control).__name__}: an offline "
                         "explorer offers only a selection control's options")
    return list(control._options_labels), list(control._options_values)


@dataclass
class Explorer:
    """The precomputed grid of one App: ``states`` (the varied controls' values), per state the index of
    its view in ``views`` (each distinct rendering once), and ``moves[s][c][i]``: the state the App
    reaches from state ``s`` when control ``c`` takes its ``i``-th current option."""
    entry: Offline
    app: App
    initial: dict
    states: list[tuple]
    view_of: list[int]
    views: list[str]
    options: list[list[list]]  # per state, per varied control: the values it offers there
    moves: list[list[list[int]]]
    labels: dict[str, dict]  # per control, each value met: its label, as the control shows it

    def move(self, state: int, control: str, value) -> int:
        c = self.entry.vary.index(control)
        return self.moves[state][c][self.options[state][c].index(value)]


def _go(app: App, vary: tuple[str, ...], values: tuple) -> None:
    """Put the App at a state, its controls set in the App's order (a dependent control after the one
    its options follow)."""
    wanted = dict(zip(vary, values))
    app.set(**{n: wanted[n] for n in app.controls if n in wanted and app.controls[n].value != wanted[n]})
    here = tuple(app.controls[n].value for n in vary)
    if here != values:
        raise RuntimeError(f"{app.title!r}: set to {wanted}, the App shows {dict(zip(vary, here))}")


def _move(app: App, vary: tuple[str, ...], state: tuple, name: str, value, initial: dict) -> tuple:
    """The state the App reaches from ``state`` when control ``name`` takes ``value``; an error when the
    move changes a control the explorer keeps at its stored value."""
    _go(app, vary, state)
    app.set(**{name: value})
    moved = {n: c.value for n, c in app.controls.items() if n not in vary and c.value != initial[n]}
    if moved:
        raise ValueError(f"{app.title!r}: {name} = {value!r} moves {moved}, which the explorer keeps fixed: "
                         "vary it too")
    return tuple(app.controls[n].value for n in vary)


def explore(entry: Offline, initial: dict) -> Explorer:
    """Walk the App's grid from ``initial`` (the stored widget's values), with the App's own moves, then
    render every state reached."""
    app = entry.factory()
    unknown = sorted(set(entry.vary) - set(app.controls))
    if unknown:
        raise ValueError(f"{entry.title!r} has no control {unknown}; controls: {sorted(app.controls)}")
    if set(initial) != set(app.controls):
        raise ValueError(f"{entry.title!r}: stored values {initial} do not name its controls "
                         f"{list(app.controls)}")
    app.update = lambda: None  # the walk makes thousands of moves; views are rendered once per state below
    app.set(**initial)
    if app.values != initial:
        raise RuntimeError(f"{entry.title!r}: set to {initial}, the App shows {app.values}")
    vary = tuple(n for n in app.controls if n in entry.vary)
    entry = Offline(entry.notebook, entry.factory, vary, entry.view, entry.leaves_out)
    states, index, options, moves = [], {}, [], []
    labels = {n: dict(zip(*reversed(_options(c)))) for n, c in app.controls.items()}
    start = tuple(initial[n] for n in vary)
    todo = [start]
    index[start] = 0
    states.append(start)
    while todo:
        state = todo.pop(0)
        _go(app, vary, state)
        offered = [_options(app.controls[n])[1] for n in vary]
        for n in vary:
            labels[n].update(zip(*reversed(_options(app.controls[n]))))
        row = []
        for name, values in zip(vary, offered):
            targets = []
            for v in values:
                reached = _move(app, vary, state, name, v, initial)
                if reached not in index:
                    if len(states) >= MAX_STATES:
                        raise ValueError(f"{entry.title!r} has more than {MAX_STATES} states over {vary}: "
                                         "too big a grid to precompute")
                    index[reached] = len(states)
                    states.append(reached)
                    todo.append(reached)
                targets.append(index[reached])
            row.append(targets)
        options.append(offered)
        moves.append(row)
    views, view_index, view_of = [], {}, []
    for state in states:
        _go(app, vary, state)
        text = entry.view(**app.values) if entry.view else app.rendering().get("text/html")
        if not isinstance(text, str):
            raise ValueError(f"{entry.title!r}: the view at {app.values} is not HTML")
        view_of.append(view_index.setdefault(text, len(views)))
        if view_of[-1] == len(views):
            views.append(text)
    return Explorer(entry, app, dict(initial), states, view_of, views, options, moves, labels)


SCRIPT = """(() => {
  if (window.xeOfflineApps) { window.xeOfflineApps(); return; }
  const setup = root => {
    root.dataset.xeReady = '1';
    const d = JSON.parse(root.querySelector('script.xe-offline-data').textContent);
    const view = root.querySelector('.xe-offline-view'), words = root.querySelector('.xe-offline-values');
    const inputs = d.controls.map((c, k) => root.querySelector('[data-xe-control="' + k + '"]'));
    let state = d.initial;
    const show = () => {
      const said = [];
      d.controls.forEach((c, k) => {
        const list = d.optionLists[d.stateOptions[state][k]], u = d.states[state][k], el = inputs[k];
        const pos = list.indexOf(u), label = c.labels[u];
        if (el.tagName === 'SELECT') {
          if (el.dataset.list !== String(d.stateOptions[state][k])) {
            el.replaceChildren(...list.map((v, i) => new Option(c.labels[v], String(i))));
            el.dataset.list = String(d.stateOptions[state][k]);
          }
        } else {
          el.max = String(list.length - 1);
          el.setAttribute('aria-valuetext', label);
          root.querySelector('output[data-xe-readout="' + k + '"]').textContent = label;
        }
        el.value = String(pos);
        said.push(c.description + ' = ' + label);
      });
      words.textContent = 'Shown at ' + said.concat(d.fixed).join('; ') + '.';
      const t = root.querySelector('template[data-xe-view="' + d.views[state] + '"]');
      view.replaceChildren(t.content.cloneNode(true));
    };
    inputs.forEach((el, k) => el.addEventListener('input', () => {
      const next = d.moves[state][k][Number(el.value)];
      if (next !== undefined && next !== state) { state = next; show(); }
    }));
  };
  window.xeOfflineApps = () =>
    document.querySelectorAll('.xe-offline-app:not([data-xe-ready])').forEach(setup);
  window.xeOfflineApps();
})();"""
"""Shared by every explorer of a page: each explorer carries it, and the first copy run defines it."""


def explorer_html(ex: Explorer, uid: str, run_live_html: str = "") -> str:
    """The explorer: title, controls, values in words, the live view, a note, the views and the data.
    ``run_live_html``: where the notebook runs live, as HTML (the site's links), said in the note."""
    app, vary = ex.app, ex.entry.vary
    union = {n: [] for n in vary}  # every value a control offers in some state, in the order first met
    for per_state in ex.options:
        for n, values in zip(vary, per_state):
            union[n] += [v for v in values if v not in union[n]]
    lists, list_index = [], {}
    state_options = []
    for per_state in ex.options:
        ids = []
        for n, values in zip(vary, per_state):
            key = (n, tuple(values))
            if key not in list_index:
                list_index[key] = len(lists)
                lists.append([union[n].index(v) for v in values])
            ids.append(list_index[key])
        state_options.append(ids)
    start = ex.states[0]
    fixed = [f"{app.controls[n].description} = {ex.labels[n][ex.initial[n]]}"
             for n in app.controls if n not in vary]
    data = {
        "controls": [{"description": app.controls[n].description,
                      "labels": [ex.labels[n][v] for v in union[n]]} for n in vary],
        "states": [[union[n].index(v) for n, v in zip(vary, s)] for s in ex.states],
        "optionLists": lists, "stateOptions": state_options, "views": ex.view_of, "moves": ex.moves,
        "initial": 0, "fixed": fixed,
    }
    controls = []
    for k, n in enumerate(vary):
        c, cid = app.controls[n], f"{uid}-c{k}"
        values = ex.options[0][k]
        pos, label = values.index(start[k]), ex.labels[n][start[k]]
        label_tag = f'<label for="{cid}">{html.escape(c.description)}</label> '
        if isinstance(c, W.SelectionSlider):
            field = (f'<input type="range" id="{cid}" data-xe-control="{k}" min="0" max="{len(values) - 1}" '
                     f'step="1" value="{pos}" aria-valuetext="{html.escape(label, quote=True)}"> '
                     f'<output for="{cid}" data-xe-readout="{k}">{html.escape(label)}</output>')
        else:
            items = "".join(f'<option value="{i}"{" selected" if i == pos else ""}>'
                            f'{html.escape(ex.labels[n][v])}</option>' for i, v in enumerate(values))
            field = (f'<select id="{cid}" data-xe-control="{k}" data-list="{state_options[0][k]}">'
                     f"{items}</select>")
        controls.append(f'<div class="xe-offline-control">{label_tag}{field}</div>')
    said = [f"{app.controls[n].description} = {ex.labels[n][v]}" for n, v in zip(vary, start)] + fixed
    kept = f" Kept at their stored values: {'; '.join(fixed)}." if fixed else ""
    note = (f"These {len(ex.views)} views were computed when this page was built, by the notebook's own "
            f"code; no kernel runs here.{kept} {ex.entry.leaves_out} Run the notebook")
    run_live = f" live in {run_live_html}" if run_live_html else ""
    templates = "".join(f'<template data-xe-view="{i}">{v}</template>' for i, v in enumerate(ex.views))
    payload = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
    return (
        f'<div class="xe-offline-app" role="group" aria-labelledby="{uid}-t">'
        f'<p id="{uid}-t"><b>{html.escape(app.title)}</b></p>'
        '<style>.xe-offline-control{display:inline-flex;gap:8px;align-items:center;margin:2px 16px 2px 0}'
        '.xe-offline-control input{width:min(240px,60vw)}</style>'
        + "".join(controls)
        + f'<p class="xe-offline-values">Shown at {html.escape("; ".join(said))}.</p>'
        f'<div class="xe-offline-view" aria-live="polite">{ex.views[ex.view_of[0]]}</div>'
        f'<p class="xe-offline-note"><i>{html.escape(" ".join(note.split()))}{run_live} to move every '
        "control.</i></p>"
        f'{templates}<script type="application/json" class="xe-offline-data">{payload}</script>'
        f"<script>{SCRIPT}</script></div>"
    )


def _stored_values(text: str, title: str) -> dict | None:
    """The values in an App's stored ``<title: {values}>`` line, or None when the line is another's."""
    head = f"<{title}: "
    if not (text.startswith(head) and text.endswith(">")):
        return None
    return ast.literal_eval(text[len(head):-1])


@functools.lru_cache(maxsize=32)
def explored(entry: Offline, initial: str) -> Explorer:
    """``explore`` once per App and stored values (given as their ``repr``)."""
    return explore(entry, ast.literal_eval(initial))


def stored(nb: nbformat.NotebookNode, notebook_name: str) -> list[tuple[Offline, dict, dict]]:
    """Each registered App's stored displays in ``nb``: (entry, the output's data, the stored values).
    A registered App missing from its notebook is an error naming it."""
    name = Path(notebook_name).stem
    found = []
    for entry in (e for e in REGISTRY if e.notebook == name):
        mine = []
        for cell in nb.cells:
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                text = out.get("data", {}).get("text/plain", "")
                values = _stored_values("".join(text) if isinstance(text, list) else text, entry.title)
                if values is not None:
                    mine.append((entry, out, values))
        if not mine:
            raise ValueError(f"{name}: the registered offline widget {entry.title!r} is not among its stored "
                             "outputs (was the cell changed, or the notebook not run?)")
        found += mine
    return found


def substitute(nb: nbformat.NotebookNode, notebook_name: str, run_live_html: str = "") -> list[str]:
    """Replace, in ``nb`` (a copy: it is modified), each registered App's stored display by its offline
    explorer, its note naming ``run_live_html`` (HTML: where the notebook runs live) when given; return the
    titles substituted. A registered App missing from its notebook is an error."""
    name = Path(notebook_name).stem
    done = []
    for n, (entry, out, values) in enumerate(stored(nb, name)):
        text = out["data"]["text/plain"]
        uid = "xe-off-" + hashlib.sha1(f"{name}|{entry.title}|{n}".encode()).hexdigest()[:8]
        out["data"] = {"text/html": explorer_html(explored(entry, repr(values)), uid, run_live_html),
                       "text/plain": "".join(text) if isinstance(text, list) else text}
        done.append(entry.title)
    return done
