"""The page of one offline explorer: native controls (``<input type=range>`` or ``<select>``, each with a
visible label), the values in words, a live region showing the precomputed view of the current setting, a
note naming where to run the notebook live, each distinct view in a ``<template>`` (only the shown one is
in the page), the grid as JSON and the script that moves through it with no kernel.
"""
from __future__ import annotations

import html
import json

import ipywidgets as W

from .offline_grid import Explorer

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
