"""The course as an offline website (``make book``): Sphinx, myst-nb and sphinx-book-theme over the stored
notebooks, nothing executed; ``build`` stages the sources and runs Sphinx, ``site/`` is its configuration."""
