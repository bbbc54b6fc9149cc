"""``python -m xception_edu.train``: the training command line (``cli.py``)."""
from .cli import main

raise SystemExit(main())
