"""Training Xception (Sec. 4): the recipe, the engine, checkpoints, several GPUs, the history, the benchmark,
and the command line (``python -m xception_edu.train``; ``--help`` lists every option)."""
from .cli import main
from .config import RECIPES, TrainConfig, ema_decay_for, recipe
from .divergence import NonFiniteLoss
from .engine import Trainer, fit

__all__ = ["NonFiniteLoss", "RECIPES", "TrainConfig", "Trainer", "ema_decay_for", "fit", "main", "recipe"]
