"""Notebook 06's joint task with one more separable block (Sec. 1.1), as stored: a separable net's kernel
is a channel mix times one spatial filter per channel, so one layer of it cannot detect "this colour pattern
AND this spatial pattern"; a second separable block after a ReLU can combine what the first mapped apart.
Six seeds take longer than the notebook's minute, so the run is stored here, with the command that made it
(``experiments/depth.py``); ``depth_table`` shows it beside the notebook's live table."""
from __future__ import annotations

import statistics

from ..experiments.summary import band_verdict

COMMAND = "python -m xception_edu.experiments.depth --seeds 6"
"""The command that made ``STORED`` (its JSON output, written as a Python dict)."""

STORED = {'settings': {'task': 'joint',
                       'seeds': [0, 1, 2, 3, 4, 5],
                       'n_train': 1024,
                       'n_val': 512,
                       'image_size': 32,
                       'epochs': 4,
                       'budget': 24000,
                       'batch_size': 64},
          'params': {'regular': 23956, 'separable': 23951, 'separable + 1 block': 24451},
          'val_acc': {'regular': [0.6328, 0.6016, 0.5996, 0.6133, 0.6348, 0.5664],
                      'separable': [0.5039, 0.4062, 0.5566, 0.5, 0.4062, 0.3945],
                      'separable + 1 block': [0.668, 0.5879, 0.5273, 0.6543, 0.6211, 0.6504]}}
"""``experiments.depth.joint_task_depth`` over seeds 0-5: settings, parameters and validation accuracy per
seed of the regular net, the separable net and the separable net with one more block."""


def paired_wins(a, b) -> int:
    """In how many seeds ``a`` scored above ``b`` (the nets of one seed share data and initial seed)."""
    return sum(x > y for x, y in zip(a, b, strict=True))


def depth_table(stored: dict = STORED) -> str:
    """Each net on the joint task: mean, lowest and highest seed, and against the 3-stage separable net and
    the regular net the band rule's verdict (every seed above every seed) and the seeds it wins, paired."""
    acc = stored["val_acc"]
    n = len(stored["settings"]["seeds"])
    lines = [f"{'network':<21}{'params':>7}{'mean':>6}{'lowest-highest':>16}   "
             f"{'vs separable: rule, paired':<30}vs regular: rule, paired"]
    for name, values in acc.items():
        cells = ["—" if name == other else
                 f"{band_verdict(values, acc[other])}, {paired_wins(values, acc[other])} of {n}"
                 for other in ("separable", "regular")]
        lines.append(f"{name:<21}{stored['params'][name]:>7,}{statistics.mean(values):>6.2f}"
                     f"{min(values):>11.2f}-{max(values):.2f}   {cells[0]:<30}{cells[1]}")
    lines.append(f"(joint task, validation accuracy, {n} seeds; chance = 0.25; stored by: {COMMAND})")
    return "\n".join(lines)
