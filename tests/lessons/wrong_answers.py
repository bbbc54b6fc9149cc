"""Known-wrong answers to every exercise: exercise id -> [(wrong answer, a phrase its hint must
contain)]. Each wrong answer is a plausible mistake a learner makes, written as the learner would (a
function, or a function that builds a module); the phrase is what names that mistake in the check's hint.
``test_every_check_can_fail.py`` fails for a registered exercise that has no entry here."""
import statistics

import torch
import torch.nn as nn
import torch.nn.functional as F
import wrong_weights  # a sibling module
from silence_answers import (  # a sibling module
    forgets_return,
    zero_body_convs,
    zero_everything,
    zero_last_child,
    zeroing,
)
from wrong_functions import (  # a sibling module
    cat,
    cosine,
    depthwise_weights,
    exit_side,
    mean_std_pop,
    mean_std_sample,
    mean_std_var,
    pearson,
    pearson_guarded,
    segment_connectivity,
    separability_by_eigenvalues,
    shift_truncated,
    square_3x3,
    std_bands,
    transplant,
    width,
    window,
)
from wrong_modules import (  # a sibling module, like this one
    EntryBareShortcut,
    EntryBnOnInput,
    EntryNoPool,
    EntryRebound,
    MiddleInOut,
    MiddleNoShortcut,
    MiddleRebound,
    MiddleReluLast,
    SeparableBiased,
    SeparableFig4Order,
    SeparableOneWidth,
    SeparablePointwiseOnOut,
    SeparableWithBN,
    fig2,
    fig2_spatial_reads_input,
    fig4,
    fig4_depthwise_on_input,
    fig4_spatial_first,
    fig4_spatial_reads_input,
)

WRONG = {
    "00.savings_ratio": [
        (lambda c, k: (k * k * c * c) / (k * k * c + c * c), "how many times fewer"),
        (lambda c, k: 1 - (k * k * c + c * c) / (k * k * c * c), "share SAVED"),
        (lambda c, k: 1 / (k * k), "leaves out the depthwise step"),
        (lambda c, k: 1 / c, "leaves out the 1x1 mix"),
        (lambda c, k: 1 / k + 1 / c, "not k"),
        (lambda c, k: 1 / c + 1 / 9, "Count both convs"),  # right for 3x3 only
    ],
    "01.one_output": [
        (lambda x, w, i, j: (window(x, w, i, j)[0] * w[0]).sum(), "only the first channel"),
        (lambda x, w, i, j: (x[:, j:j + w.shape[-1], i:i + w.shape[-1]] * w).sum(), "swapped"),
        (lambda x, w, i, j: (window(x, w, i, j) * w.flip(-1, -2)).sum(), "flipped the kernel"),
        (lambda x, w, i, j: (window(x, w, i, j) * w).mean(), "SUM"),
        (lambda x, w, i, j: (window(x, w, i, j) * w).sum(dim=(1, 2)), "ONE number"),
        (lambda x, w, i, j: F.conv2d(x[None], w[None], padding=w.shape[-1] // 2)[0, 0, i, j], "centred"),
    ],
    "01.conv_params": [
        (lambda cin, cout, k: k * k * cin, "one kernel per output channel"),
        (lambda cin, cout, k: k * k * cout, "Each kernel spans ALL the input channels"),
        (lambda cin, cout, k: k * cin * cout, "not k"),
        (lambda cin, cout, k: cin * cout, "1x1 conv"),
        (lambda cin, cout, k: k * k * cin * cout + cout, "bias"),
        (lambda cin, cout, k: 9 * cin * cout, "Count the weights of one kernel"),  # right for 3x3 only
    ],
    "01.unfold_conv": [
        (wrong_weights.unfold_conv(order="positions"), "another order than the rows of F.unfold"),
        (wrong_weights.unfold_conv(result="channels_last"), "Right numbers, wrong places"),
        (wrong_weights.unfold_conv(out_channels="cin"), "Cout is not Cin here"),
        (wrong_weights.unfold_conv(width="h"), "the output width comes from W"),
        (wrong_weights.unfold_conv(stride=False), "size without the stride"),
        (wrong_weights.unfold_conv(padding=False), "size without the padding"),
    ],
    "02.what_counts_tell": [
        (lambda table: {"A", "B"}, "B does not hold on this table"),  # the first table's answer, by heart
        (lambda table: {"A", "B", "C"}, "not a time"),
        (lambda table: {"A", "B", "D"}, "what a module learns"),
        (lambda table: {"B"} if table["Fig. 2"].macs < table["regular 3x3"].macs else set(), "A holds"),
        (lambda table: {"A"} if table["Fig. 1"].params < table["regular 3x3"].params else set(), "B holds"),
        (lambda table: ["A", "E"], "is not a claim"),
    ],
    "02.simplified_params": [
        (lambda cin, cout, k, n: n * (cin * cout + k * k * cout * cout), "wide, not cout"),
        (lambda cin, cout, k, n: cin * cout + k * k * cout * cout, "ONE tower as wide as the module"),
        (lambda cin, cout, k, n: n * (cin * (cout // n) + k * k * cin * (cout // n)), "own cout/towers"),
        (lambda cin, cout, k, n: cin * (cout // n) + n * k * k * (cout // n) ** 2, "its own 1x1"),
        # right for 3x3 only
        (lambda cin, cout, k, n: n * (cin * (cout // n) + 9 * (cout // n) ** 2), "Count one tower"),
    ],
    "02.build_simplified": [
        (fig2(out=nn.Identity), "after each tower's 3x3"),
        (fig2(mid=nn.Identity), "between each tower's 1x1 conv and its 3x3"),
        (fig2(mid=nn.Identity, out=nn.Identity), "no ReLU at all"),
        (fig2(mid=nn.Identity, front=nn.ReLU), "before the 1x1"),
        (fig2(out=nn.Sigmoid), "Sigmoid"),
        (fig2(mid=nn.Tanh), "Tanh"),
        (fig2(bias=True), "have a bias; Fig. 2's have none"),
        (fig2(width=lambda cout, n: cout), "cout // towers wide"),
        (lambda cin, cout, n: fig2()(cin, cout, 1), "1x1 conv, then a 3x3 conv on that tower's own"),
        (fig2(padding=0), "keeps its size"),
        (fig2(spatial_bias=True), "Your 3x3 convs have a bias; Fig. 2's have none"),
        (fig2(norm=nn.BatchNorm2d), "normalizes with BatchNorm2d"),
        (fig2(norm=lambda w: nn.BatchNorm2d(w, affine=False)), "normalizes with BatchNorm2d"),  # no weights
        # crashes while the check builds or runs the module: misses naming the call
        (fig2(width=lambda cout, n: cout / n), "build_simplified(16, 24, 3): your code raised TypeError"),
        (fig2_spatial_reads_input, "run on an input of shape (2, 16, 9, 9): your code raised RuntimeError"),
    ],
    "03.dense_weight": [
        (lambda weight, groups: weight.repeat(1, groups, 1, 1), "Every filter sees every input channel"),
        (wrong_weights.dense_weight(wrong_weights.other_diagonal), "other diagonal"),
        (wrong_weights.dense_weight(wrong_weights.every_groups_th), "CONSECUTIVE"),
        (wrong_weights.dense_weight(wrong_weights.output_step_for_inputs), "an input run is cin // groups"),
        (lambda weight, groups: weight, "the grouped weight as it is"),
    ],
    "03.connectivity": [
        (segment_connectivity(lambda c, g: g), "segments of `groups` channels"),
        (lambda c, g: torch.arange(c)[:, None] % g == torch.arange(c)[None, :] % g, "CONSECUTIVE"),
        (lambda c, g: torch.eye(c, dtype=torch.bool), "the identity"),
        (lambda c, g: torch.ones(c, c, dtype=torch.bool), "all True"),
        (lambda c, g: torch.ones(c, c // g, dtype=torch.bool), "rows = outputs"),
    ],
    "03.transplant": [
        (transplant(cat(0, order=lambda ts: ts[:1]), cat(2)), "only the first tower"),
        (transplant(cat(0, dim=1), cat(2)), "OUTPUT channels (dim 0)"),
        (transplant(cat(0), cat(2, order=lambda ts: ts[::-1])), "reverse order"),
        (lambda m: cat(0)(m), "return a tuple"),
        (transplant(cat(2), cat(0)), "spatial weight first"),  # the two weights swapped
    ],
    "04.macs_speedup": [
        (lambda cin, c, k, g: g, "The 1x1 conv costs the same"),
        (lambda cin, c, k, g: (cin * c + k * k * c * c / g) / (cin * c + k * k * c * c),
         "how many times FEWER"),
        (lambda cin, c, k, g: (cin * c + k * k * c * c) / (cin * c + k * k * c), "use the g you are given"),
        (lambda cin, c, k, g: (cin * c + k * k * c * c) / (cin * c + k * k * c * c / g**2),
         "divided by g twice"),
        (lambda cin, c, k, g: (cin * c + k * c * c) / (cin * c + k * c * c / g), "not k"),
        (lambda cin, c, k, g: (cin * c + k * k * cin * c) / (cin * c + k * k * cin * c / g), "AFTER the 1x1"),
        (lambda cin, c, k, g: (cin * c + 9 * c * c) / (cin * c + 9 * c * c / g), "then divide"),  # 3x3 only
    ],
    "04.valid_groups": [
        (lambda c: [g for g in range(1, c) if c % g == 0], "c itself is missing"),
        (lambda c: [g for g in range(2, c + 1) if c % g == 0], "1 is missing"),
        (lambda c: [g for g in range(2, c) if c % g == 0], "both missing"),
        (lambda c: [g for g in range(c, 0, -1) if c % g == 0], "increasing order"),
        (lambda c: [2 ** i for i in range(c.bit_length()) if c % 2 ** i == 0], "power of two"),
        (lambda c: [g for g in range(1, c + 1) if g % 2 == 0 or g == 1], "g divides c"),
    ],
    "04.build_extreme": [
        (fig4(second=nn.Identity), "no ReLU after the 3x3"),
        (fig4(first=nn.Identity), "no ReLU between the 1x1 conv and the 3x3"),
        (fig4(nn.Identity, nn.Identity), "no ReLU at all"),
        (lambda cin, c: nn.Sequential(nn.ReLU(), *fig4(first=nn.Identity)(cin, c)), "before the 1x1"),
        (fig4(second=nn.Sigmoid), "Sigmoid"),
        (fig4(second=nn.Tanh), "Tanh"),
        (fig4(groups=lambda c: 1), "how many groups"),
        (fig4(bias=True), "have a bias; Fig. 4's have none"),
        (fig4(padding=0), "keeps its size"),
        (fig4(spatial_bias=True), "Your 3x3 convs have a bias; Fig. 4's have none"),
        (fig4_spatial_first, "calls the 3x3 conv first"),
        (fig4(groups=lambda c: c // 2), "how many groups"),
        (fig4_spatial_reads_input, "build_extreme(8, 12): your code raised ValueError"),  # crashes
        (fig4_depthwise_on_input, "run on an input of shape (1, 8, 7, 7): your code raised RuntimeError"),
    ],
    "05.separable_as_regular": [
        (lambda d, p: p * d, "filter of the OUTPUT channel"),
        (lambda d, p: p.transpose(0, 1) * d.transpose(0, 1), "took its transpose"),
        (lambda d, p: (p * d.transpose(0, 1)).sum(1, keepdim=True), "added up over the input channels"),
        (lambda d, p: d.transpose(0, 1).expand(p.shape[0], -1, -1, -1), "leaves the pointwise weights out"),
    ],
    "05.depthwise_conv": [
        (lambda c, k: nn.Conv2d(c, c, k, padding=k // 2, bias=False), "ONE input channel"),
        (lambda c, k: nn.Conv2d(c, c, k, groups=c, bias=False), "'same' padding"),
        (lambda c, k: nn.Conv2d(c, c, k, padding=1, groups=c, bias=False), "'same' padding"),  # 3x3 only
        (lambda c, k: nn.Conv2d(c, c, k, padding=k // 2, groups=c), "bias"),
        (lambda c, k: nn.Conv2d(c, c, k, padding=k // 2, groups=c, bias=False, padding_mode="reflect"),
         "padding_mode"),
        (lambda c, k: nn.Sequential(nn.Conv2d(c, c, k, padding=k // 2, groups=c, bias=False)), "nn.Conv2d"),
    ],
    "05.depthwise_by_hand": [
        (lambda x, w: torch.cat([F.conv2d(x[:, i:i + 1], w[:1], padding=1) for i in range(x.shape[1])], 1),
         "kernel 0 for every channel"),
        (lambda x, w: F.conv2d(x, w.transpose(0, 1).expand(x.shape[1], -1, -1, -1), padding=1),
         "mix the channels"),
        (lambda x, w: F.conv2d(x, w.flip(-1, -2), padding=1, groups=x.shape[1]), "flipped"),
        (lambda x, w: torch.cat([F.conv2d(x[:, i:i + 1], w[i:i + 1]) for i in range(x.shape[1])], 1),
         "padding=1"),
        (lambda x, w: torch.stack([F.conv2d(x[:, i:i + 1], w[i:i + 1], padding=1)
                                   for i in range(x.shape[1])]),
         "concatenated on dim=1"),
    ],
    "07.separable_ratio": [
        (lambda cout, k: 1 / k**2, "pointwise step costs something"),
        (lambda cout, k: 1 / cout, "depthwise step costs something"),
        (lambda cout, k: 1 / cout + 1 / k, "not 1/k"),
        (lambda cout, k: 1 / (1 / cout + 1 / k**2), "how many times cheaper"),
        (lambda cout, k: 1 / (cout + k**2), "each term separately"),
        (lambda cout, k: 1 / cout + 1 / 9, "cancel Cin"),  # right for 3x3 only
    ],
    "07.intensity": [
        (lambda cin, cout, k, h, w: (k * k * cin * h * w / (2 * cin * h * w),
                                     cin * cout * h * w / ((cin + cout) * h * w)), "Count the weights too"),
        (lambda cin, cout, k, h, w: (k * k * cin * h * w / (cin * h * w + k * k * cin),
                                     cin * cout * h * w / (cin * h * w + cin * cout)),
         "Count the output map too"),
        (lambda cin, cout, k, h, w: (k * k * cin * h * w / (4 * (2 * cin * h * w + k * k * cin)),
                                     cin * cout * h * w / (4 * (cin * h * w + cin * cout + cout * h * w))),
         "not per byte"),
        (lambda cin, cout, k, h, w: (cin * cout * h * w / (cin * h * w + cin * cout + cout * h * w),
                                     k * k * cin * h * w / (2 * cin * h * w + k * k * cin)),
         "depthwise step first"),
        (lambda cin, cout, k, h, w: (k * k * cin / (2 * cin * h * w + k * k * cin),
                                     cin * cout / (cin * h * w + cin * cout + cout * h * w)), "not weights"),
        (lambda cin, cout, k, h, w: (k * k * cin * cin * h * w / (2 * cin * h * w + k * k * cin),
                                     cin * cout * h * w / (cin * h * w + cin * cout + cout * h * w)),
         "ONE k x k filter per channel"),
    ],
    "07.channels_last_strides": [
        (lambda n, c, h, w: (c * h * w, h * w, w, 1), "NCHW"),
        (lambda n, c, h, w: torch.empty(n, c, h, w).stride(), "NCHW"),  # torch's default layout
        (lambda n, c, h, w: (4 * h * w * c, 4, 4 * w * c, 4 * c), "not bytes"),
        (lambda n, c, h, w: (h * w * c, w * c, c, 1), "order of the dimensions"),
        (lambda n, c, h, w: (h * w * c, 1, h * c, c), "skips a whole row"),
        (lambda n, c, h, w: (h * w * c, 1, w, c), "A row holds w pixels"),
    ],
    "10.supported": [
        (lambda a, b: {"first ahead", "imagenet"} if min(a) > max(b) else set(),
         "says nothing about the full"),
        (lambda a, b: ({"first ahead", "why"} if min(a) > max(b) else
                       {"second ahead"} if min(b) > max(a) else set()), "not why"),
        (lambda a, b: ({"first ahead", "any budget"} if min(a) > max(b) else
                       {"second ahead"} if min(b) > max(a) else set()), "nothing in this grid varies them"),
        (lambda a, b: ({"first ahead"} if statistics.mean(a) > statistics.mean(b) else {"second ahead"}
                       if statistics.mean(b) > statistics.mean(a) else set()), "not the means"),
        (lambda a, b: ({"first ahead"} if min(a) > max(b) else {"second ahead"} if min(b) > max(a)
                       else {"equal"}), "do not show that the two are equal"),
        (lambda a, b: ({"first ahead"} if min(a) >= max(b) else {"second ahead"} if min(b) >= max(a)
                       else set()), "touching ends are no verdict"),
        (lambda a, b: {"first ahead"} if min(a) > max(b) else set(), "that ordering IS supported"),
        (lambda a, b: "first ahead" if min(a) > max(b) else "", "return a set of keys"),
    ],
    "10.mean_std": [
        (mean_std_pop, "population std"),
        (mean_std_var, "variance"),
        (lambda v: mean_std_sample(v)[::-1], "(std, mean)"),
        (lambda v: (statistics.median(v), mean_std_sample(v)[1]), "median"),
        (lambda v: (v.mean(), v.std()), "your code raised AttributeError"),  # a list, not a tensor
    ],
    "06.channel_correlation": [
        (lambda im, a, b: float((im[a].flatten() @ im[b].flatten()) / (im[a].norm() * im[b].norm())),
         "subtract each channel's mean"),
        (lambda im, a, b: float(((im[a] - im[a].mean()) * (im[b] - im[b].mean())).sum()),
         "NORMALIZED by the spread"),
        (lambda im, a, b: im[[a, b]].flatten(1), "ONE number"),
        (pearson_guarded, "not a number"),
    ],
    "06.shift_correlation": [
        (lambda im, c, d: pearson(im[c], im[c].roll(d, -1)), "torch.roll wraps around"),
        (lambda im, c, d: pearson(im[c, : im.shape[-2] - d], im[c, d:]), "HEIGHT"),
        (lambda im, c, d: cosine(im[c, :, : im.shape[-1] - d], im[c, :, d:]), "took their cosine"),
        (lambda im, c, d: pearson(im[c, :, d:], im[c, :, d:]), "Pair every pixel"),  # no shift at all
        (shift_truncated, "not a number (nan"),
        (lambda im, c, d: pearson(im[c, :, :-d], im[c, :, d:]), "at d = 0: your code raised RuntimeError"),
    ],
    "06a.filter_separability": [
        (lambda f: float((s := torch.linalg.svdvals(f.reshape(f.shape[0], -1)))[0] / s.sum()), "SQUARED"),
        (lambda f: float((s := torch.linalg.svdvals(f.reshape(-1, f.shape[-1])))[0] ** 2 / (s ** 2).sum()),
         "Which matrix did you decompose"),
        (separability_by_eigenvalues, "not a number"),
    ],
    "06a.rank1_kernel": [
        (lambda ch, sp: ch[:, :, None] * sp[:, None, :, 0], "weight of shape (C_out, C_in, k, k)"),
        (lambda ch, sp: ch[:, :, None, None] * sp.transpose(1, 2)[:, None],
         "which axis of each factor lines up"),
    ],
    "08.silence_body": [
        (zeroing("weight"), "shift (its bias) is still added"),
        (zeroing("bias"), "scale (its weight) still multiplies"),
        (zeroing("weight", "bias", pick=lambda bns: bns[0]), "Silence the LAST layer"),
        (zero_body_convs, "Silence the LAST layer"),
        (zero_everything, "changed the shortcut too"),
        (zero_last_child, "raised AttributeError"),
        (forgets_return, "returned NoneType"),
        (lambda block: block, "changed nothing"),
    ],
    "08.exit_map_size": [
        (lambda n: exit_side(n, round_up=False), "rounding UP"),
        (lambda n: n // 32, "VALID (no padding)"),
        (lambda n: exit_side(n, pools=3), "blocks 2, 3, 4"),  # block 13's pool forgotten
        (lambda n: exit_side(n, stem=lambda n: n // 2 - 2), "does not simply halve"),  # stride 2 read as n/2
        (lambda n: exit_side(n, stem=lambda n: (n + 1) // 2 - 2), "'valid', not 'same'"),  # padded stem
        (lambda n: exit_side(n, rounding=round), "round()"),
    ],
    "08.depthwise_params": [
        (lambda m: depthwise_weights(m, lambda c: True), "counts every conv"),
        (lambda m: depthwise_weights(m, lambda c: c.kernel_size == (1, 1)), "the 1x1 (pointwise) convs"),
        (lambda m: depthwise_weights(m, lambda c: c.kernel_size == (3, 3)), "the stem's regular 3x3 convs"),
        (lambda m: depthwise_weights(m, square_3x3), "as many inputs as outputs"),  # by shape, not groups
    ],
    "08.separable_conv2d": [
        (SeparableFig4Order, "Fig. 4's order"),
        (SeparableBiased, "have a bias"),
        (SeparableFig4Order(8, 16), "pass your class itself"),
        (SeparableWithBN, "the BN comes after the separable conv"),
        (SeparableOneWidth, "SeparableOneWidth(8, 16, 3): your code raised TypeError"),  # crashes
        (SeparablePointwiseOnOut, "your forward raised RuntimeError"),
    ],
    "08.middle_block": [
        (MiddleNoShortcut, "where is the shortcut"),
        (MiddleReluLast, "BEGINS with the ReLU"),
        (MiddleRebound, "`x = self.relu(x)` gives the name x"),
        (MiddleInOut, "MiddleInOut(48): your code raised TypeError"),  # built as cls(channels): crashes
    ],
    "08.entry_block": [
        (EntryNoPool, "max-pool of stride 2"),
        (EntryBareShortcut, "bare 1x1 conv"),
        (EntryRebound, "`x = self.relu(x)` gives the name x"),
        (EntryBnOnInput, "your forward raised RuntimeError"),  # stops before its pool and its shortcut
    ],
    "09.scaled_lr": [
        (lambda batch, gpus: 0.045 * batch / 256, "ALL the GPUs"),
        (lambda batch, gpus: 0.045, "scales it in proportion"),
        (lambda batch, gpus: 0.045 * (batch * gpus / 256) ** 0.5, "square-root rule"),
        (lambda batch, gpus: 0.045 * 256 / (batch * gpus), "LARGER rate"),
        (lambda batch, gpus: 0.1 * batch * gpus / 256, "from 0.045 at the recipe's reference batch"),
    ],
    "09.lr_at_epoch": [
        (lambda lr0, epoch: lr0 * 0.94 ** epoch, "every 2 epochs, not every epoch"),
        (lambda lr0, epoch: lr0 * 0.94 ** (epoch / 2), "drops in steps"),
        (lambda lr0, epoch: lr0 * 0.94 ** (epoch // 2 + 1), "Epochs count from 0"),
        (lambda lr0, epoch: lr0 * 0.94 ** ((epoch + 1) // 2), "at the END of each 2-epoch period"),
    ],
    "11.width_at_budget": [
        (lambda budget, g: width(budget, g, multiple=False), "every group gets C/g whole channels"),
        (lambda budget, g: width(budget, g, one_short=True), "Not the widest"),
        (lambda budget, g: width(budget * g, g), "Too wide"),
        (lambda budget, g: width(budget, g, strict=True), "not strictly under it"),
        (lambda budget, g: width(budget, g, groups=False), "ignores the groups"),
    ],
    "11.verdict": [
        (lambda better, worse: "agrees" if sum(better) > sum(worse) else "disagrees", "Compare the ranges"),
        (lambda better, worse: "agrees" if min(better) >= max(worse) else
         "disagrees" if min(worse) >= max(better) else "cannot say",
         "Ranges that touch"),  # '>=' for '>': the touching pair fails, and the hint says why
        (lambda better, worse: "agrees" if min(better) > max(worse) else "disagrees",
         "'cannot say' unless they are apart"),  # no third verdict
        (std_bands(statistics.stdev), "mean ± std bands"),
        (std_bands(statistics.pstdev), "mean ± std bands"),
    ],
}
