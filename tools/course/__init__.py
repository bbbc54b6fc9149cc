"""For instructors: the student and instructor editions of the notebooks and the nbgrader course
(``editions``, ``nbgrader``, ``hidden_tests``; ``make editions``), the folded solutions of the stored
notebooks (``folding``), their measured run times (``runs``), the Colab first cell every notebook opens
with (``colab``), and the accessibility audit: the notebooks as HTML with local maths and widget scripts
(``html_export``, ``web_assets``), checked with axe-core in headless Chromium (``a11y_audit``)."""
