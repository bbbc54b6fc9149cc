"""The precomputed grid of one App: every setting of the controls it varies, reached from the stored one with
the App's own moves (``App.set``), so that a control whose options depend on another (Fig. 5's blocks on
the middle repeats) lands where the kernel lands; and every setting's view, rendered by the App and each
distinct one kept once. ``offline_views`` registers the Apps; ``offline_page`` writes the page.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as W

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
