"""Maintainer and instructor tools, run from a checkout (``python -m tools...``); not installed with the
package: they import ``xception_edu``, never the other way round.

    course/        student and instructor editions, the nbgrader course, folded solutions, measured
                   notebook run times, the Colab first cell (``make editions``, ``make notebooks``,
                   ``make runs``)
    gpu_check.py   the one prepared GPU check (``bash scripts/gpu-check.sh OUTDIR``)
    epoch_cost.py  what an epoch of notebook 09's CPU mode costs on real images, from stand-in files
"""
