"""For instructors: the student and instructor editions of the notebooks (``editions``, ``make editions``)
and the Colab first cell every notebook opens with (``colab``)."""
