"""Right answers written otherwise than the notebook's solution: exercise id -> [(answer, what makes it
different)]. A check judges the computation, not how it is written: each must pass
(``test_every_check_can_fail.py``)."""
import statistics

import torch
from wrong_modules import SeparableFunctional, SpatialFirstTower, Towers  # a sibling module

RIGHT = {
    "08.separable_conv2d": [(SeparableFunctional, "a functional forward: F.conv2d with weights of its own")],
    "02.build_simplified": [
        (lambda cin, cout, n: Towers(SpatialFirstTower(cin, cout // n) for _ in range(n)),
         "each tower defines its 3x3 conv before its 1x1"),
    ],
    "03.transplant": [
        (lambda m: [torch.cat([t[0].weight for t in m.branches]).detach(),
                    torch.cat([t[2].weight for t in m.branches]).detach()], "a list, not a tuple"),
    ],
    "10.mean_std": [
        (lambda v: (statistics.mean(v), statistics.stdev(v)), "the statistics module the cell imports"),
        (lambda v: (float(torch.tensor(v).mean()), float(torch.tensor(v).std())), "torch's std() (n - 1), "
         "in float32"),
    ],
}
