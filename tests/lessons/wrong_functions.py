"""The wrong functions behind ``wrong_answers.py``: each computes what a learner's plausible slip computes
(a sample std where a population one is asked, a slice empty at d = 0, a rule of thumb for a verdict), written
as the learner would, independently of the package."""
import statistics

import torch
import torch.nn as nn


def window(x, weight, i, j):
    k = weight.shape[-1]
    return x[:, i:i + k, j:j + k]


def segment_connectivity(size_of):
    def connectivity(channels, groups):
        s = torch.arange(channels) // size_of(channels, groups)
        return s[:, None] == s[None, :]
    return connectivity


def transplant(pointwise, spatial):
    return lambda m: (pointwise(m), spatial(m))


def cat(i, order=lambda ts: ts, dim=0):
    return lambda m: torch.cat([t[i].weight for t in order(list(m.branches))], dim=dim).detach()


def mean_std_pop(values):
    n = len(values)
    mean = sum(values) / n
    return mean, (sum((v - mean) ** 2 for v in values) / n) ** 0.5


def mean_std_sample(values):
    n = len(values)
    mean = sum(values) / n
    return mean, (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5 if n > 1 else 0.0


def mean_std_var(values):
    n = len(values)
    mean = sum(values) / n
    return mean, sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0


# --- the other notebooks' exercises (06, 06a, 08, 09, 11), written against their checks' hints ------------


def pearson(x, y):
    x, y = x.flatten() - x.mean(), y.flatten() - y.mean()
    return float((x * y).sum() / (x.square().sum() * y.square().sum()).sqrt())


def cosine(x, y):
    x, y = x.flatten(), y.flatten()
    return float(x @ y / (x.norm() * y.norm()))


def shift_truncated(im, c, d):
    """Pairs each pixel with the one d px to its right, the right-hand set cut to the left-hand one's
    length: right for d > 0, but ``[:, :-d]`` is empty at d = 0 and the correlation is NaN."""
    left = im[c, :, :-d].flatten()
    return pearson(left[None], im[c, :, d:].flatten()[:left.numel()][None])


def pearson_guarded(im, a, b):
    """Pearson's r with the spreads taken over the pixels the two channels differ in: 0 / 0 for a channel
    paired with itself."""
    x, y = im[a].flatten(), im[b].flatten()
    keep = x != y
    x, y = x[keep] - x.mean(), y[keep] - y.mean()
    return float((x * y).sum() / (x.square().sum() * y.square().sum()).sqrt())


def separability_by_eigenvalues(filt):
    """The singular values as square roots of the eigenvalues of M M^T: a zero eigenvalue comes out a
    hair below 0 in float32 and its root is NaN (16 channels, 9 positions: 7 of them are zero)."""
    m = filt.reshape(filt.shape[0], -1)
    s = torch.linalg.eigvalsh(m @ m.T).sqrt()
    return float(s.max() ** 2 / (s ** 2).sum())


def std_bands(spread):
    """11.verdict by mean ± std intervals: apart or not (a rule of thumb, not the notebook's)."""
    def verdict(better, worse):
        (mb, sb), (mw, sw) = ((statistics.fmean(v), spread(v)) for v in (better, worse))
        return "agrees" if mb - sb > mw + sw else "disagrees" if mw - sw > mb + sb else "cannot say"
    return verdict


def width(budget, g, multiple=True, one_short=False, strict=False, groups=True):
    step = g if multiple else 1
    c = 0
    fits = (lambda p: p < budget) if strict else (lambda p: p <= budget)
    while fits(9 * (c + step) * (c + step) / (g if groups else 1) + (c + step) ** 2):
        c += step
    return c - g if one_short and c > g else c


def exit_side(n, round_up=True, pools=4, stem=None, rounding=None):
    side = (n - 3) // 2 + 1 - 2 if stem is None else stem(n)
    for _ in range(pools):
        side = rounding(side / 2) if rounding else -(-side // 2) if round_up else side // 2
    return side


def square_3x3(conv):
    return conv.kernel_size == (3, 3) and conv.in_channels == conv.out_channels


def depthwise_weights(model, test):
    return sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Conv2d) and test(m))
