"""The paper's evidence beside ours (notebook 11): one table, each row a claim of the paper with its value
and citation (Tables 1-3, Figs 6-10, Sec. 5 of Chollet, CVPR 2017), what this suite measured and where,
and a verdict: "agrees", "disagrees" or "cannot say", with the reason.

The paper's numbers are copied from its Tables 1-3; ours are counted here (``table3_counts``), read from
docs/benchmarks.md (CPU steps/s), from the stored outputs of notebook 10 (Figs 9 and 10 at small scale) or
from notebook 05's miniature of Fig. 10 under its seeds. The tests check each kind against its source.
``band_verdict`` is the one rule for a comparison over seeds.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..experiments.summary import band_verdict  # noqa: F401  (the one rule over seeds; read here as evidence.band_verdict)

VERDICTS = ("agrees", "disagrees", "cannot say")

# --- the paper's tables, as the reference records them --------------------------------------------------

TABLE1 = {"VGG-16": (0.715, 0.901), "ResNet-152": (0.770, 0.933), "Inception V3": (0.782, 0.941),
          "Xception": (0.790, 0.945)}
"""Table 1: ImageNet, single crop, (top-1, top-5) accuracy."""

TABLE2 = {"Inception V3": (6.36, 6.50), "Xception": (6.70, 6.78)}
"""Table 2: JFT, FastEval14k MAP@100, (without FC layers, with FC layers)."""

TABLE3 = {"Inception V3": (23_626_728, 31), "Xception": (22_855_952, 28)}
"""Table 3: (parameters, training steps/s on 60 K80 GPUs)."""

# --- ours, measured elsewhere in the suite ----------------------------------------------------------------

CPU_MS_PER_STEP = {"ours": 2647, "torchvision inception_v3": 1878}
"""docs/benchmarks.md, CPU (measured 2026-11-23): ms per training step, batch 4 at 299 px, fp32, 2 cores,
both in channels_last (``python -m xception_edu.train.bench``)."""


def steps_per_s(ms_per_step: float) -> float:
    return 1000 / ms_per_step


def table3_counts() -> dict[str, int]:
    """Table 3's parameter counts, counted here: our Xception (Fig. 5, 1000 classes) and torchvision's
    Inception V3 without and with its auxiliary classifier, all built on the meta device (no memory)."""
    import torch
    from torchvision.models import inception_v3

    from ..counting import count_params
    from ..model import Xception

    with torch.device("meta"):
        return {"Xception (ours)": count_params(Xception(num_classes=1000)),
                **{f"Inception V3 (torchvision, aux_logits={aux})":
                   count_params(inception_v3(weights=None, aux_logits=aux, init_weights=False))
                   for aux in (False, True)}}


@dataclass(frozen=True)
class Row:
    """One claim of the paper beside our measurement.

    ``compare``: the two configurations of notebook 10's stored summary tables the verdict is read from
    (the one the paper says is better first; ``band_verdict`` on their seed ranges). ``miniature``: the two
    activations of notebook 05's miniature of Fig. 10 (better first), whose end losses under the
    notebook's seeds give the verdict by the same rule (lower loss is better). Both let the tests check the
    row against its source."""

    claim: str
    paper: str
    cited: str
    ours: str
    where: str
    verdict: str
    why: str
    compare: tuple[str, str] | None = None
    miniature: tuple[str | None, str | None] | None = None

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict={self.verdict!r} is not one of {VERDICTS}")


_X, _I = TABLE3["Xception"], TABLE3["Inception V3"]
_OURS_S, _INC_S = (steps_per_s(CPU_MS_PER_STEP[k]) for k in ("ours", "torchvision inception_v3"))
_NB05 = "a 6,000-parameter separable net, 60 steps, 3 seeds"
_NB10 = "notebook 10, stored outputs (width 0.125, 1 middle block, 160 synthetic images, 3 epochs, 3 seeds)"

ROWS: tuple[Row, ...] = (
    Row("Xception beats Inception V3 on ImageNet",
        f"top-1 {TABLE1['Xception'][0]:.3f} vs {TABLE1['Inception V3'][0]:.3f}, "
        f"top-5 {TABLE1['Xception'][1]:.3f} vs {TABLE1['Inception V3'][1]:.3f} "
        f"(VGG-16 {TABLE1['VGG-16'][0]:.3f}, ResNet-152 {TABLE1['ResNet-152'][0]:.3f} top-1)",
        "Table 1, Sec. 4",
        "not measured", "—", "cannot say",
        "needs full-size ImageNet training (the paper: 60 K80 GPUs, about 3 days); notebook 09 trains a "
        "small model on synthetic images"),
    Row("Xception beats Inception V3 on JFT (FastEval14k)",
        f"MAP@100 {TABLE2['Xception'][0]} vs {TABLE2['Inception V3'][0]} without FC layers, "
        f"{TABLE2['Xception'][1]} vs {TABLE2['Inception V3'][1]} with", "Table 2, Sec. 4",
        "not measured", "—", "cannot say", "JFT is not available to this suite"),
    Row("Training profiles, Xception vs Inception V3: ImageNet (Fig. 6), JFT without and with FC layers "
        "(Figs 7, 8)", "curves (our reference records what they plot, not values read off them)",
        "Figs 6-8, Sec. 4", "not measured", "—", "cannot say",
        "we train no Inception V3; our curves (notebooks 09, 10) are of small models on synthetic data"),
    Row("Xception's size", f"{_X[0]:,} parameters", "Table 3, Sec. 4",
        f"{_X[0]:,} (xe.Xception(), counted)", "notebooks 08 and 11", "agrees",
        "exact; timm's legacy_xception (a port of the author's Keras model) has the same count"),
    Row("Inception V3's size", f"{_I[0]:,} parameters", "Table 3, Sec. 4",
        "23,834,568 without the auxiliary classifier, 27,161,264 with it (torchvision, counted)",
        "notebooks 08 and 11", "cannot say",
        "the reference does not say what the paper's figure includes, and no public implementation "
        "reproduces it (torchvision without aux: 207,840 more, +0.9%)"),
    Row("Xception is slightly smaller than Inception V3", f"{1 - _X[0] / _I[0]:.1%} fewer parameters",
        "Table 3, Sec. 4", f"{1 - _X[0] / 23_834_568:.1%} fewer than torchvision's (no aux)",
        "notebooks 08 and 11", "agrees", "smaller whichever Inception V3 count is taken"),
    Row("Xception trains somewhat slower than Inception V3", f"{_X[1]} vs {_I[1]} steps/s on 60 K80 GPUs",
        "Table 3, Sec. 4",
        f"{_OURS_S:.2f} vs {_INC_S:.2f} steps/s ({CPU_MS_PER_STEP['ours']} vs "
        f"{CPU_MS_PER_STEP['torchvision inception_v3']} ms per step, batch 4 at 299 px, 2 CPU cores)",
        "docs/benchmarks.md (CPU, 2026-11-23)", "agrees", "the same direction, on other hardware"),
    Row("... by how much", f"Inception V3 {_I[1] / _X[1]:.2f}x as many steps/s", "Table 3, Sec. 4",
        f"{_INC_S / _OURS_S:.2f}x on the CPU", "docs/benchmarks.md (CPU)", "cannot say",
        "a CPU is not a K80; the GPU measurement (scripts/gpu-check.sh) is prepared but has not run"),
    Row("Residual connections are essential for convergence speed and final accuracy",
        '"clearly essential" (ImageNet, full size)', "Fig. 9, Sec. 4",
        "val. accuracy 0.576 ± 0.052 with vs 0.250 ± 0.072 without; the worst seed with residuals above the "
        "best without", _NB10 + "; verdicts computed there (numbers vary by machine)", "agrees",
        "in direction, at a tiny scale (15 conv layers on the deepest path, not 36)",
        compare=("residual", "no residual")),
    Row("No activation between depthwise and pointwise beats ELU",
        "faster convergence, better final accuracy", "Fig. 10, Sec. 4",
        "val. accuracy 0.576 ± 0.052 vs 0.458 ± 0.075; the seed ranges touch", _NB10, "cannot say",
        "3 seeds cannot rank the two at this size (one validation image short of separating)",
        compare=("no activation", "ELU")),
    Row("ELU beats ReLU there", "none > ELU > ReLU", "Fig. 10, Sec. 4",
        "val. accuracy 0.458 ± 0.075 vs 0.372 ± 0.051; the worst seed of ELU below the best of ReLU", _NB10,
        "cannot say", "fragile at this size: a CPU with other vector instructions (AVX-512), rounding "
        "differently, trained the same seeds apart (agrees)", compare=("ELU", "ReLU")),
    Row("No activation beats ReLU there", "none > ELU > ReLU", "Fig. 10, Sec. 4",
        "val. accuracy 0.576 ± 0.052 vs 0.372 ± 0.051; every seed of no activation above every seed of ReLU",
        _NB10, "agrees", "in direction, at a tiny scale", compare=("no activation", "ReLU")),
    Row("ELU beats ReLU between the steps (in miniature)", "none > ELU > ReLU", "Fig. 10, Sec. 4",
        f"{_NB05}: every seed of ELU ends below every seed of ReLU", "notebook 05", "agrees",
        "in direction, in miniature", miniature=("elu", "relu")),
    Row("No activation beats ReLU between the steps (in miniature)", "none > ELU > ReLU", "Fig. 10, Sec. 4",
        f"{_NB05}: every seed of no activation ends below every seed of ReLU, by less than 0.01",
        "notebook 05", "agrees", "fragile: the gap is far smaller than the seeds' spread, and on a CPU with "
        "other vector instructions (AVX-512) the same seeds overlap (cannot say)", miniature=(None, "relu")),
    Row("No activation beats ELU (in miniature)", "none > ELU > ReLU", "Fig. 10, Sec. 4",
        f"{_NB05}: the seed ranges of no activation and ELU overlap", "notebook 05", "cannot say",
        "ELU has the lower mean end loss, against the paper's order, but a mean is not the rule: the best "
        "seed of no activation ends below ELU's worst", miniature=(None, "elu")),
    Row("Intermediate points of the spectrum may hold further advantages (left open)",
        "no measurement: a question", "Sec. 5",
        "at an equal parameter budget: g = 8 0.472 ± 0.067 vs depthwise 0.576 ± 0.052, the ranges touching; "
        "g = 1 clearly worst (0.365 ± 0.058)", _NB10, "cannot say",
        "the ranges touch: open here too, and only answered for this small problem",
        compare=("g=8", "depthwise (g=C)")),
)

CAVEATS = (
    ('Sec. 4.2: the optimization configuration, for both datasets, was "tuned for best performance with '
     'Inception V3"; no optimization hyperparameters were tuned for Xception',
     "so any advantage of tuning went to Inception V3; notebook 10 likewise trains every variant with one "
     "recipe"),
    ('Abstract and Sec. 4.5: ImageNet is the dataset "which Inception V3 was designed for"; the gain there '
     "is small, the gain on JFT large",
     f"Table 1: top-1 {TABLE1['Xception'][0]:.3f} against {TABLE1['Inception V3'][0]:.3f}; Table 2: MAP@100 "
     f"{TABLE2['Xception'][0]:.2f} against {TABLE2['Inception V3'][0]:.2f} without FC layers"),
    ("Abstract: the two nets have about the same number of parameters, so the gains are "
     '"not due to increased capacity but rather to a more efficient use of model parameters"',
     f"Table 3: {TABLE3['Xception'][0]:,} against {TABLE3['Inception V3'][0]:,} parameters"),
    ("Table 3's speeds are training steps per second on 60 K80 GPUs, not images per second on one device",
     "so our CPU steps per second can agree with them in direction only"),
    ("JFT was trained with another recipe than ImageNet (Sec. 4.2)",
     "RMSprop, momentum 0.9, lr 0.001 decayed by 0.9 every 3,000,000 samples, no dropout, asynchronous "
     "(ImageNet: synchronous SGD, lr 0.045, dropout 0.5)"),
    ("What the paper leaves out", "batch size, epochs and BN settings are not stated in the paper"),
)
"""The paper's caveats (Secs 4.2 and 4.5, the abstract, Table 3), each with what it means for this table."""


def verdict_counts(rows=ROWS) -> dict[str, int]:
    return {v: sum(r.verdict == v for r in rows) for v in VERDICTS}
