"""For instructors: the student and instructor editions of the notebooks and the nbgrader course
(``editions``, ``nbgrader``, ``hidden_tests``; ``make editions``), the folded solutions of the stored
notebooks (``folding``), their measured run times (``runs``) and the Colab first cell every notebook opens
with (``colab``)."""
