"""The checks behind every notebook exercise, grouped by notebook (see ``exercises``).

Each check calls the learner's answer on a few cases and compares with the package's own
computation, raising ``Mismatch`` with a hint that points at the likely mistake.
"""
from __future__ import annotations

from . import counting
from .exercises import Mismatch, register


# --- 01 standard convolution ---------------------------------------------------------------------

@register("01.conv_params")
def _conv_params(fn):
    for cin, cout, k in [(3, 8, 3), (64, 128, 3), (16, 16, 5), (1, 1, 1)]:
        got, want = fn(cin, cout, k), counting.standard(cin, cout, k, (1, 1)).params
        if got != want:
            hint = " Did you count one k x k filter per input AND per output channel?" if got in (k * k * cin, k * k * cout) else ""
            raise Mismatch(f"conv_params({cin}, {cout}, {k}) returned {got}, expected {want}.{hint}")


@register("01.conv_macs")
def _conv_macs(fn):
    for cin, cout, k, h, w in [(3, 8, 3, 32, 32), (64, 128, 3, 56, 56), (16, 32, 5, 7, 9), (1, 1, 1, 1, 1)]:
        got, want = fn(cin, cout, k, h, w), counting.standard(cin, cout, k, (h, w)).macs
        if got != want:
            params = counting.standard(cin, cout, k, (1, 1)).params
            if got == params:
                hint = " That is the number of weights: each one is used at every one of the h*w output pixels."
            elif got == params * h:
                hint = " Multiply by BOTH h and w."
            else:
                hint = " Count the weights first, then how many times each is used."
            raise Mismatch(f"conv_macs({cin}, {cout}, {k}, {h}, {w}) returned {got}, expected {want}.{hint}")


@register("01.one_output")
def _one_output(fn):
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(0)
    for cin, k, i, j in [(3, 3, 0, 0), (3, 3, 4, 2), (5, 1, 2, 3), (2, 5, 1, 1)]:
        x = torch.randn(cin, 8, 8, generator=g)
        weight = torch.randn(cin, k, k, generator=g)
        want = F.conv2d(x[None], weight[None])[0, 0, i, j]
        got = torch.as_tensor(fn(x, weight, i, j), dtype=want.dtype)
        if got.numel() != 1:
            raise Mismatch(f"one output value is ONE number, got a tensor of shape {tuple(got.shape)}: "
                           "sum over the channels as well as over the k x k window.")
        if not torch.allclose(got.reshape(()), want, atol=1e-4):
            per_channel = [float((x[c, i:i + k, j:j + k] * weight[c]).sum()) for c in range(cin)]
            hint = (" You seem to use only the first channel: a kernel spans ALL input channels."
                    if abs(float(got) - per_channel[0]) < 1e-4 and cin > 1 else
                    " The window is x[:, i:i+k, j:j+k]; multiply it element-wise by the kernel and add everything.")
            raise Mismatch(f"for Cin={cin}, k={k} at (i, j)=({i}, {j}) you returned {float(got):.4f}, "
                           f"expected {float(want):.4f}.{hint}")


# --- 02 the Inception module ------------------------------------------------------------------------

@register("02.tower_params")
def _tower_params(fn):
    for cin, w, k in [(256, 64, 3), (64, 32, 5), (3, 1, 1), (728, 96, 3)]:
        got = fn(cin, w, k)
        want = counting.conv(cin, w, 1, (1, 1)).params + counting.conv(w, w, k, (1, 1)).params
        if got != want:
            hint = ""
            if got == k * k * cin * w:
                hint = " That is a single kxk conv from cin: the tower's kxk conv sees only the w channels of its 1x1."
            elif got == cin * w or got == k * k * w * w:
                hint = " Count BOTH convs of the tower: the 1x1 (cin -> w) and the kxk (w -> w)."
            raise Mismatch(f"tower_params({cin}, {w}, {k}) returned {got}, expected {want}.{hint}")


@register("02.simplified_params")
def _simplified_params(fn):
    for cin, cout, k, n in [(256, 192, 3, 3), (64, 64, 3, 4), (32, 96, 5, 2), (16, 16, 3, 1)]:
        got, want = fn(cin, cout, k, n), counting.spectrum(cin, cout, k, n, (1, 1)).params
        if got != want:
            w = cout // n
            hint = (" Each tower is cout/towers wide, not cout." if got == n * (cin * cout + k * k * cout * cout)
                    else f" {n} towers, each a 1x1 conv {cin}->{w} and a {k}x{k} conv {w}->{w}.")
            raise Mismatch(f"simplified_params({cin}, {cout}, {k}, {n}) returned {got}, expected {want}.{hint}")


@register("02.build_simplified")
def _build_simplified(fn):
    import torch

    for cin, cout, n in [(16, 24, 3), (8, 8, 2), (4, 12, 1)]:
        module = fn(cin, cout, n)
        if not isinstance(module, torch.nn.Module):
            raise Mismatch(f"build_simplified({cin}, {cout}, {n}) returned a {type(module).__name__}, not an nn.Module")
        with torch.no_grad():
            y = module(torch.randn(2, cin, 9, 9))
        if tuple(y.shape) != (2, cout, 9, 9):
            raise Mismatch(f"build_simplified({cin}, {cout}, {n}) maps (2, {cin}, 9, 9) to {tuple(y.shape)}, "
                           f"expected (2, {cout}, 9, 9): concatenate the towers on dim=1 and pad the 3x3 convs (padding=1).")
        got = sum(p.numel() for p in module.parameters())
        want = counting.spectrum(cin, cout, 3, n, (1, 1)).params
        if got != want:
            hint = " Use bias=False in every conv." if got == want + 2 * cout else \
                f" Expected {n} towers of 1x1 ({cin}->{cout // n}) then 3x3 ({cout // n}->{cout // n})."
            raise Mismatch(f"build_simplified({cin}, {cout}, {n}) has {got} parameters, expected {want}.{hint}")


# --- 03 the reformulation --------------------------------------------------------------------------

@register("03.grouped_params")
def _grouped_params(fn):
    for cin, cout, k, g in [(12, 12, 3, 3), (64, 128, 3, 4), (32, 32, 5, 32), (8, 16, 1, 1)]:
        got, want = fn(cin, cout, k, g), counting.conv(cin, cout, k, (1, 1), groups=g).params
        if got != want:
            hint = " Each output channel sees only cin // groups input channels." if got == k * k * cin * cout else \
                " Divide by the number of groups once, not twice." if got == want // g else ""
            raise Mismatch(f"grouped_params({cin}, {cout}, {k}, {g}) returned {got}, expected {want}.{hint}")


@register("03.connectivity")
def _connectivity(fn):
    import torch

    from .viz import connectivity_matrix

    for c, g in [(6, 3), (12, 1), (12, 12), (8, 2)]:
        got = torch.as_tensor(fn(c, g)).bool()
        want = torch.from_numpy(connectivity_matrix(c, g))
        if got.shape != want.shape:
            raise Mismatch(f"connectivity({c}, {g}) has shape {tuple(got.shape)}, expected ({c}, {c}): rows = outputs, columns = inputs")
        if not torch.equal(got, want):
            raise Mismatch(f"connectivity({c}, {g}) is wrong at {int((got != want).sum())} places: output o reads input i "
                           f"when o // {c // g} == i // {c // g} (both in the same segment of {c // g} channels)")


@register("03.transplant")
def _transplant(fn):
    import torch

    from .convs import SimplifiedInception
    from .reformulate import reformulate

    torch.manual_seed(0)
    fig2 = SimplifiedInception(5, 6, towers=3)
    want = reformulate(fig2)
    got = fn(fig2)
    if not (isinstance(got, tuple) and len(got) == 2):
        raise Mismatch("return a tuple (pointwise_weight, spatial_weight)")
    for name, g, w in (("pointwise", got[0], want.pointwise.weight), ("spatial", got[1], want.spatial.weight)):
        g = torch.as_tensor(g)
        if g.shape != w.shape:
            raise Mismatch(f"the {name} weight has shape {tuple(g.shape)}, expected {tuple(w.shape)}: "
                           "stack the towers' weights along the output channels (dim 0)")
        if not torch.equal(g, w.detach()):
            raise Mismatch(f"the {name} weight has the right shape but not the right values: tower i's filters "
                           f"must become output channels i*w ... (i+1)*w-1, in tower order")


# --- 04 extreme Inception and the spectrum -------------------------------------------------------------

@register("04.spectrum_params")
def _spectrum_params(fn):
    for cin, c, k, g in [(48, 48, 3, 1), (48, 48, 3, 3), (48, 48, 3, 48), (32, 64, 5, 8)]:
        got, want = fn(cin, c, k, g), counting.spectrum(cin, c, k, g, (1, 1)).params
        if got != want:
            hint = " Don't forget the 1x1 conv (cin*c)." if got == k * k * c * c // g else \
                " The kxk stage has k*k*(c/g)*c weights." if got == cin * c else ""
            raise Mismatch(f"spectrum_params({cin}, {c}, {k}, {g}) returned {got}, expected {want}.{hint}")


@register("04.valid_groups")
def _valid_groups(fn):
    from ._checks import divisors

    for c in (1, 12, 48, 728, 97):
        got, want = list(fn(c)), divisors(c)
        if got != want:
            raise Mismatch(f"valid_groups({c}) returned {got[:12]}{'...' if len(got) > 12 else ''}, expected {want}: "
                           "every g from 1 to c (both included) that divides c, in increasing order")


@register("04.build_extreme")
def _build_extreme(fn):
    import torch

    from .viz import connectivity_matrix, measured_connectivity

    for cin, c in [(8, 12), (16, 16)]:
        module = fn(cin, c)
        with torch.no_grad():
            y = module(torch.randn(1, cin, 7, 7))
        if tuple(y.shape) != (1, c, 7, 7):
            raise Mismatch(f"build_extreme({cin}, {c}) maps (1, {cin}, 7, 7) to {tuple(y.shape)}, expected (1, {c}, 7, 7)")
        got, want = sum(p.numel() for p in module.parameters()), counting.spectrum(cin, c, 3, c, (1, 1)).params
        if got != want:
            raise Mismatch(f"build_extreme({cin}, {c}) has {got} parameters, expected {want} "
                           f"(1x1: {cin}*{c}, then ONE 3x3 filter per channel: 9*{c}; no bias)")
        spatial = [m for m in module.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size[0] == 3]
        if len(spatial) != 1 or not (measured_connectivity(spatial[0]) == connectivity_matrix(c, c)).all():
            raise Mismatch("the 3x3 conv must filter each channel on its own: groups equal to its channel count")


# --- 05 depthwise separable convolution -------------------------------------------------------------

@register("05.separable_params")
def _separable_params(fn):
    for cin, cout, k in [(728, 728, 3), (64, 128, 3), (32, 16, 5), (1, 1, 1)]:
        got, want = fn(cin, cout, k), counting.separable(cin, cout, k, (1, 1)).params
        if got != want:
            hint = " The depthwise step has ONE k x k filter per input channel: k*k*cin, not k*k*cin*cin." \
                if got == k * k * cin * cin + cin * cout else " Depthwise (k*k*cin) plus pointwise (cin*cout)."
            raise Mismatch(f"separable_params({cin}, {cout}, {k}) returned {got}, expected {want}.{hint}")


@register("05.depthwise_conv")
def _depthwise_conv(fn):
    import torch

    from .viz import connectivity_matrix, measured_connectivity

    for c, k in [(6, 3), (16, 5)]:
        conv = fn(c, k)
        if not isinstance(conv, torch.nn.Conv2d):
            raise Mismatch(f"depthwise_conv({c}, {k}) should return an nn.Conv2d, got {type(conv).__name__}")
        if tuple(conv.weight.shape) != (c, 1, k, k):
            raise Mismatch(f"the weight has shape {tuple(conv.weight.shape)}, expected ({c}, 1, {k}, {k}): "
                           f"groups={c} gives each of the {c} filters ONE input channel")
        if not (measured_connectivity(conv) == connectivity_matrix(c, c)).all():
            raise Mismatch("each output channel must read only its own input channel")
        y = conv(torch.zeros(1, c, 9, 9))
        if y.shape[-2:] != (9, 9):
            raise Mismatch(f"use padding={k // 2} to keep the 9x9 size, got {tuple(y.shape[-2:])}")


@register("05.depthwise_by_hand")
def _depthwise_by_hand(fn):
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(0)
    for c in (3, 5):
        x, w = torch.randn(2, c, 7, 7, generator=g), torch.randn(c, 1, 3, 3, generator=g)
        want = F.conv2d(x, w, padding=1, groups=c)
        got = torch.as_tensor(fn(x, w))
        if got.shape != want.shape:
            raise Mismatch(f"for x of shape {tuple(x.shape)} you returned shape {tuple(got.shape)}, expected {tuple(want.shape)}")
        if not torch.allclose(got, want, atol=1e-5):
            shared = torch.cat([F.conv2d(x[:, i:i + 1], w[:1], padding=1) for i in range(c)], dim=1)
            hint = " You used kernel 0 for every channel: channel i has its OWN kernel weight[i]." \
                if torch.allclose(got, shared, atol=1e-5) else " Filter channel i with weight[i] only (padding=1)."
            raise Mismatch(f"wrong values for {c} channels.{hint}")


# --- 07 parameter savings, measured ----------------------------------------------------------------------

@register("07.separable_ratio")
def _separable_ratio(fn):
    for cout, k in [(728, 3), (64, 3), (256, 5), (8, 1), (2048, 7)]:
        got, want = fn(cout, k), counting.separable_ratio(cout, k)
        if not isinstance(got, (int, float)) or abs(got - want) > 1e-9:
            hint = " Divide BOTH terms of the separable cost, k²·Cin + Cin·Cout, by the regular cost k²·Cin·Cout." \
                if isinstance(got, (int, float)) and abs(got - 1 / k**2) < 1e-9 else ""
            raise Mismatch(f"separable_ratio({cout}, {k}) returned {got!r}, expected {want:.6f}.{hint}")


@register("07.extreme_macs")
def _extreme_macs(fn):
    from . import savings

    for cin, cout, k, h, w in [(64, 64, 3, 56, 56), (32, 128, 5, 7, 9), (728, 728, 3, 19, 19), (3, 8, 1, 1, 1)]:
        got, want = fn(cin, cout, k, h, w), savings.variant_counts("extreme", cin, cout, k, hw=(h, w)).macs
        if got != want:
            sep = savings.variant_counts("separable", cin, cout, k, hw=(h, w)).macs
            hint = (" That is the separable conv: Fig. 4 filters the Cout channels AFTER the 1x1, so k²·Cout."
                    if got == sep and cin != cout else
                    " Parameters Cin·Cout + k²·Cout, each used at every one of the h·w output pixels.")
            raise Mismatch(f"extreme_macs({cin}, {cout}, {k}, {h}, {w}) returned {got}, expected {want}.{hint}")


@register("07.regular_in_place")
def _regular_in_place(fn):
    from .convs import SeparableConv2d

    for cin, cout, k, hw in [(728, 728, 3, (19, 19)), (64, 128, 3, (147, 147)), (16, 32, 5, (7, 9))]:
        got = fn(SeparableConv2d(cin, cout, k), hw)
        want = counting.standard(cin, cout, k, hw).macs
        if got != want:
            sep = counting.separable(cin, cout, k, hw).macs
            hint = " That is what the separable conv itself costs: replace it by ONE k x k conv from Cin to Cout." \
                if got == sep else " Read in_channels, out_channels and kernel_size off the module: k·k·Cin·Cout·H·W."
            raise Mismatch(f"for SeparableConv2d({cin}, {cout}, {k}) on a {hw[0]}x{hw[1]} map you returned {got}, "
                           f"expected {want}.{hint}")


# --- 08 the architecture ------------------------------------------------------------------------------------

@register("08.middle_block_params")
def _middle_block_params(fn):
    for c in (728, 182, 64, 8):
        got = fn(c)
        want = 3 * (counting.separable(c, c, 3, (1, 1)).params + counting.batchnorm(c).params)
        if got != want:
            no_bn = 3 * counting.separable(c, c, 3, (1, 1)).params
            hint = " Each separable conv is followed by a BN with 2·C parameters (scale and shift)." if got == no_bn else \
                " Three separable convs C -> C (9·C + C·C each), each followed by BN (2·C)."
            raise Mismatch(f"middle_block_params({c}) returned {got}, expected {want}.{hint}")


@register("08.exit_map_size")
def _exit_map_size(fn):
    import torch

    from .xception import Xception

    tiny = Xception(num_classes=2, middle_repeats=0, width=0.125)
    for n in (71, 80, 128, 224, 299, 331):
        got = fn(n)
        with torch.no_grad():
            want = tiny.eval().forward_features(torch.zeros(1, 3, n, n)).shape[-1]
        if got != want:
            raise Mismatch(f"exit_map_size({n}) returned {got}, expected {want}: a valid 3x3 conv takes 2 px off "
                           "(the first also halves: (n - 3) // 2 + 1), each 'same' max-pool halves, rounding UP")


@register("08.depthwise_params")
def _depthwise_params(fn):
    from .savings import breakdown
    from .xception import Xception

    for kw in (dict(middle_repeats=0, width=0.25), dict(middle_repeats=2, width=0.5)):
        model = Xception(num_classes=10, **kw)
        got, want = fn(model), breakdown(model, 71)["depthwise"].params
        if got != want:
            raise Mismatch(f"for Xception({kw}) you counted {got:,}, expected {want:,}: sum the weights of every "
                           "nn.Conv2d whose groups equal its in_channels (and are more than 1)")


# --- 09 training ---------------------------------------------------------------------------------------------

@register("09.scaled_lr")
def _scaled_lr(fn):
    import math

    from .engine import recipe

    for batch, gpus in ((32, 8), (64, 1), (128, 8), (256, 1), (16, 4)):
        got = fn(batch, gpus)
        want = recipe("paper", batch_size=batch).learning_rate(world_size=gpus)
        if not isinstance(got, (int, float)) or not math.isclose(got, want, rel_tol=1e-9):
            if isinstance(got, (int, float)) and math.isclose(got, 0.045 * batch / 256, rel_tol=1e-9):
                hint = " Each GPU sees batch_per_gpu images, but one step averages the gradient of ALL of them: " \
                       "the global batch is batch_per_gpu x gpus."
            elif isinstance(got, (int, float)) and math.isclose(got, 0.045, rel_tol=1e-9):
                hint = " 0.045 is the rate for a global batch of 256: scale it in proportion to the global batch."
            else:
                hint = " lr = 0.045 x (batch_per_gpu x gpus) / 256."
            raise Mismatch(f"scaled_lr({batch}, {gpus}) returned {got!r}, expected {want:g}.{hint}")


@register("09.lr_at_epoch")
def _lr_at_epoch(fn):
    import math

    import torch

    from .engine import recipe

    cfg = recipe("paper")
    for lr0 in (0.045, 0.18):
        param = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([param], lr=lr0)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.decay_every, gamma=cfg.lr_decay)
        for epoch in range(100):
            want = opt.param_groups[0]["lr"]  # the rate used during this epoch (counted from 0)
            if epoch in (0, 1, 2, 3, 4, 5, 9, 30, 99):
                got = fn(lr0, epoch)
                if not isinstance(got, (int, float)) or not math.isclose(got, want, rel_tol=1e-9):
                    if isinstance(got, (int, float)) and math.isclose(got, lr0 * 0.94 ** epoch, rel_tol=1e-9):
                        hint = " The rate is multiplied by 0.94 every 2 epochs, not every epoch."
                    elif isinstance(got, (int, float)) and math.isclose(got, lr0 * 0.94 ** (epoch / 2), rel_tol=1e-9):
                        hint = " The rate drops in steps: count only completed 2-epoch periods (epoch // 2)."
                    else:
                        hint = " Epochs count from 0, which trains at lr0; epochs 2 and 3 at lr0 x 0.94; and so on."
                    raise Mismatch(f"lr_at_epoch({lr0}, {epoch}) returned {got!r}, expected {want:.6g}.{hint}")
            opt.step()
            sched.step()


# --- 10 ablations and the spectrum -------------------------------------------------------------------

@register("10.group_params")
def _group_params(fn):
    import torch.nn as nn

    for c, g, k in [(8, 8, 3), (8, 1, 3), (32, 4, 3), (184, 8, 3), (16, 2, 5)]:
        got, want = fn(c, g, k), counting.count_params(nn.Conv2d(c, c, k, groups=g, bias=False))
        if got != want:
            hint = (" Each of the g groups maps c/g channels to c/g channels: g x (c/g)^2 x k^2 weights."
                    if got in (k * k * c * c, k * k * c * g) else " Count one group first, then multiply by g.")
            raise Mismatch(f"group_params({c}, {g}, {k}) returned {got}, expected {want}.{hint}")


@register("10.mean_std")
def _mean_std(fn):
    from . import experiments

    for values in ([0.5, 0.7, 0.6], [0.25, 0.25, 0.25], [0.1, 0.9], [0.31, 0.42, 0.38, 0.55]):
        got, want = tuple(float(v) for v in fn(values)), experiments.mean_std(values)
        if abs(got[0] - want[0]) > 1e-9 or abs(got[1] - want[1]) > 1e-9:
            import statistics
            hint = (" That is the population std (divide by n); with 3 seeds use the sample std (n - 1)."
                    if len(values) > 1 and abs(got[1] - statistics.pstdev(values)) < 1e-9 else "")
            raise Mismatch(f"mean_std({values}) returned ({got[0]:.4f}, {got[1]:.4f}), expected "
                           f"({want[0]:.4f}, {want[1]:.4f}).{hint}")


# --- 06 correlations: is the hypothesis true? ------------------------------------------------------------

@register("06.channel_correlation")
def _channel_correlation(fn):
    import torch

    from .correlations import channel_correlation

    g = torch.Generator().manual_seed(0)
    base = torch.randn(3, 12, 10, generator=g)
    image = torch.stack([base[0] + 2, 0.5 * base[0] + base[1] + 1, -base[0] + 0.3 * base[2] - 4])
    for a, b in [(0, 1), (0, 2), (1, 2), (1, 1)]:
        got = fn(image, a, b)
        want = float(channel_correlation(image)[a, b])
        if not isinstance(got, (int, float, torch.Tensor)) or torch.as_tensor(got).numel() != 1:
            raise Mismatch(f"return ONE number, the correlation of channels {a} and {b}; got {got!r}")
        got = float(got)
        if abs(got - want) > 1e-4:
            x, y = image[a].flatten(), image[b].flatten()
            cosine = float((x @ y) / (x.norm() * y.norm()))
            hint = (" That is the cosine of the raw channels: subtract each channel's mean first."
                    if abs(got - cosine) < 1e-4 else
                    " That is not between -1 and 1: divide by the product of the two standard deviations."
                    if abs(got) > 1 else
                    " Pearson: centre both channels, then sum(x*y) / sqrt(sum(x*x) * sum(y*y)).")
            raise Mismatch(f"channels {a} and {b}: you returned {got:.4f}, expected {want:.4f}.{hint}")


@register("06.filter_separability")
def _filter_separability(fn):
    import torch

    from .correlations import filter_separability

    g = torch.Generator().manual_seed(1)
    rank1 = torch.randn(4, 1, 1, generator=g) * torch.randn(1, 3, 3, generator=g)
    for filt in (torch.randn(3, 3, 3, generator=g), torch.randn(16, 3, 3, generator=g), rank1,
                 torch.randn(5, 5, 5, generator=g)):
        got = float(fn(filt))
        want = float(filter_separability(filt[None])[0])
        if abs(got - want) > 1e-4:
            s = torch.linalg.svdvals(filt.reshape(filt.shape[0], -1).double())
            hint = (" You used sigma_1 / sum(sigma): the ENERGY is the sum of SQUARED singular values."
                    if abs(got - float(s[0] / s.sum())) < 1e-4 else
                    " Reshape the (C_in, k, k) filter to a (C_in, k*k) matrix, take torch.linalg.svdvals, and "
                    "return sigma_1^2 / sum(sigma^2).")
            raise Mismatch(f"for a filter of shape {tuple(filt.shape)} you returned {got:.4f}, expected {want:.4f}.{hint}")


@register("06.rank1_kernel")
def _rank1_kernel(fn):
    import torch

    from .correlations import kernel_separability

    g = torch.Generator().manual_seed(2)
    for cout, cin, k in [(4, 3, 3), (8, 16, 3), (2, 5, 5)]:
        channel, spatial = torch.randn(cout, cin, generator=g), torch.randn(cout, k, k, generator=g)
        got = fn(channel, spatial)
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != (cout, cin, k, k):
            shape = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
            raise Mismatch(f"for channel {tuple(channel.shape)} and spatial {tuple(spatial.shape)} return a conv "
                           f"weight of shape (C_out, C_in, k, k) = {(cout, cin, k, k)}, got {shape}. "
                           "Hint: channel[:, :, None, None] * spatial[:, None]")
        want = channel[:, :, None, None] * spatial[:, None]
        if not torch.allclose(got, want, atol=1e-5):
            raise Mismatch(f"weight[o, c, i, j] must be channel[o, c] * spatial[o, i, j]; yours differs "
                           f"(separability {kernel_separability(got):.3f}, should be 1.000)")
