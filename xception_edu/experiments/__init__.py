"""What notebooks 06, 07 and 10 measure, as code a researcher can run on other models and data:

    correlations.py   cross-channel and spatial correlations of images and feature maps (Sec. 1.1)
    separability.py   how separable (channel x space) a conv's kernels are, against chance
    nets.py           the one small network, from any operator of the continuum (Sec. 1.2)
    operators.py      which operator learns which kind of correlation (notebook 06's experiment)
    timing.py         what separable convs save: closed forms and measured time (Sec. 1.2, notebook 07)
    summary.py        runs over seeds: tables, mean ± std
    ablation_grids.py the grids of configurations: Figs 9 and 10, the spectrum (notebook 10)
    ablations.py      their resumable runner over seeds
"""
