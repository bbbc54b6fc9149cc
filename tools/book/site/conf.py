"""Sphinx's configuration for the course site (``python -m tools.book.build`` stages the sources): the stored
notebooks as they are (nothing executed), sphinx-book-theme with launch buttons to Binder and Colab, and
every script from the site's own folder: MathJax 2 and the ipywidgets HTML manager under _static/_assets."""
from tools.book import launch
from tools.course import web_assets

project = "xception-edu"
author = "xception-edu"
copyright = "xception-edu contributors, MIT licence"
extensions = ["myst_nb", "sphinx.ext.githubpages"]  # githubpages: .nojekyll, so Pages serves _static/
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_title = "Xception, step by step"
html_copy_source = False  # the notebooks are on GitHub, a launch button away
html_show_sourcelink = False

nb_execution_mode = "off"  # the stored outputs and widget state, as committed
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # the instructor notes open at level 2, as on GitHub

_urls = web_assets.urls(web_assets.ASSETS)  # relative to _static/, where build.py copies the assets
mathjax_path = _urls["mathjax_url"]
mathjax2_config = {"tex2jax": {"inlineMath": [["$", "$"], ["\\(", "\\)"]], "processEscapes": True},
                   "HTML-CSS": web_assets.MATHJAX2_FONTS}
nb_ipywidgets_js = {_urls["require_js_url"]: {}, "widget-paths.js": {}, _urls["widget_renderer_url"]: {}}

_where = launch.from_readme()
html_theme = "sphinx_book_theme"
html_theme_options = {
    "repository_url": _where.repository,
    "repository_branch": _where.branch,
    "path_to_docs": "",
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com",
                       "notebook_interface": "jupyterlab"},
    "use_download_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
}
html_context = {"default_mode": "light"}  # the stored figures and widgets are drawn on white
