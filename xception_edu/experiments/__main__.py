"""``python -m xception_edu.experiments``: see ``cli.py``."""
from .cli import main

main()
