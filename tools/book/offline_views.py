"""Widgets that still respond on the static site: for an App whose controls span a small grid, every view
is computed at build time by the App itself and the page switches between them with no kernel.

``REGISTRY`` names those Apps. ``substitute(nb, name, run_live_html)`` replaces each registered App's stored
display in a notebook by its explorer: the grid walked from the stored values (``offline_grid``) and
written as a page whose note names where to run the notebook live (``offline_page``; the links the caller
gives: the site's Binder and Colab ones).
"""
from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

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

from .offline_grid import Explorer, Offline, explore
from .offline_page import explorer_html

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
