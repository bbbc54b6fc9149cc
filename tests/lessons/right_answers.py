"""Right answers written otherwise than the notebook's solution: exercise id -> [(answer, what makes it
different)]. A check judges the computation, not how it is written: each must pass
(``test_every_check_can_fail.py``)."""
import statistics

import torch
import torch.nn.functional as F
import wrong_weights  # a sibling module
from silence_answers import silenced_copy  # a sibling module
from wrong_modules import SeparableFunctional, SpatialFirstTower, Towers  # a sibling module

import xception_edu as xe

RIGHT = {
    "00.savings_ratio": [
        (lambda c, k: 1 / c + 1 / k ** 2, "the ratio simplified"),
        (lambda c, k: xe.count_params(xe.SeparableConv2d(c, c, kernel_size=k)) /
         xe.count_params(xe.StandardConv(c, c, kernel_size=k)), "measured on the modules"),
    ],
    "01.unfold_conv": [
        (lambda x, w, s=1, p=0: torch.einsum("ok,nkl->nol", w.flatten(1), F.unfold(x, w.shape[-1], padding=p,
                                                                                   stride=s)).unflatten(
            2, ((x.shape[2] + 2 * p - w.shape[-1]) // s + 1, -1)), "einsum, and the width left to unflatten"),
    ],
    "02.what_counts_tell": [
        (lambda t: [c for c, shown in [("A", min(t, key=lambda n: t[n].params) == "Fig. 1"),
                                       ("B", t["Fig. 2"].macs < t["regular 3x3"].macs)] if shown],
         "a list, Fig. 1 found as the name of the fewest parameters"),
    ],
    "03.dense_weight": [(wrong_weights.masked, "the weight repeated over every input run, times a mask")],
    "05.separable_as_regular": [
        (lambda d, p: torch.einsum("oc,ckl->ockl", p[:, :, 0, 0], d[:, 0]), "einsum"),
    ],
    "08.separable_conv2d": [(SeparableFunctional, "a functional forward: F.conv2d with weights of its own")],
    "02.build_simplified": [
        (lambda cin, cout, n: Towers(SpatialFirstTower(cin, cout // n) for _ in range(n)),
         "each tower defines its 3x3 conv before its 1x1"),
    ],
    "03.transplant": [
        (lambda m: [torch.cat([t[0].weight for t in m.branches]).detach(),
                    torch.cat([t[2].weight for t in m.branches]).detach()], "a list, not a tuple"),
    ],
    "04.macs_speedup": [
        (lambda cin, c, k, g: xe.SpectrumConv(cin, c, k, groups=1).counts(1, 1).macs /
         xe.SpectrumConv(cin, c, k, groups=g).counts(1, 1).macs, "counted on the package's modules"),
    ],
    "07.channels_last_strides": [
        (lambda n, c, h, w: torch.empty(n, c, h, w).to(memory_format=torch.channels_last).stride(),
         "torch's own strides of a channels_last tensor"),
    ],
    "08.silence_body": [(silenced_copy, "a silenced copy, zeroed with nn.init")],
    "10.supported": [
        (lambda a, b: [{"agrees": "first ahead", "disagrees": "second ahead"}[v]] if (
            v := xe.experiments.summary.band_verdict(a, b)) != "cannot say" else [],
         "a list, from the package's band_verdict"),
    ],
    "10.mean_std": [
        (lambda v: (statistics.mean(v), statistics.stdev(v)), "the statistics module the cell imports"),
        (lambda v: (float(torch.tensor(v).mean()), float(torch.tensor(v).std())), "torch's std() (n - 1), "
         "in float32"),
    ],
}
