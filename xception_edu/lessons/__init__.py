"""One module per notebook, named like it: ``notebooks/04_extreme_inception.ipynb`` imports
``xception_edu.lessons.nb04_extreme_inception`` as ``lesson`` and calls its figures, widget apps and
exercise checks as ``lesson.<name>``. Nothing here is imported by ``import xception_edu``: these modules
need the notebook tools (ipywidgets, IPython, matplotlib).

    app.py           the widget pattern (a pure view function, controls, a static fallback)
    svg.py           the inline SVG charts and HTML bars the widgets draw (svg_parts.py: their pieces;
                     svg_grids.py: matrices and heatmaps; svg_display.py: a drawing as a notebook output)
    html_table.py    the widgets' tables: a real table whose rows stack in a narrow output area
    figures.py       every matplotlib figure with its text alternative; the style check
    checking.py      how exercise checks try a closed form over a grid and name the mistake
    *_checks.py      a notebook's exercise checks where they are many (01, 04, 05), imported by its module
    fig5.py          Fig. 5 drawn from the model's block table (notebook 08; fig5_data.py: what it draws)
    build_blocks.py  the 08 exercises that build SeparableConv2d and Fig. 5's blocks, checked by behaviour
    build_check.py   how those checks run a learner's class beside the package's module, on the same weights
    evidence.py      the paper's evidence beside this suite's measurements (notebook 11)
"""
import importlib
import pkgutil

NOTEBOOK_MODULES = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name[:2] == "nb")
"""The lesson modules, in notebook order (nb00_start_here ... nb06_, nb06a_ ... nb11_why_xception_works)."""


def load_all() -> list:
    """Import every lesson module (so that every exercise check is registered); returns them in order."""
    return [importlib.import_module(f"{__name__}.{name}") for name in NOTEBOOK_MODULES]
