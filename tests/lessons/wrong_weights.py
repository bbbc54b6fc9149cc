"""The wrong functions behind ``wrong_answers.py`` for the exercises that build a convolution or move
weights (01.unfold_conv, 03.dense_weight, 05.separable_as_regular): each computes what a learner's
plausible slip computes, written as the learner would, independently of the package."""
import torch
import torch.nn.functional as F


def unfold_conv(order="channels", result="channels_first", out_channels="cout", width="w", stride=True,
                padding=True):
    """A conv from F.unfold and one matmul, with one slip: the weight flattened kernel positions first,
    the (N, L, Cout) result shaped as (N, Cout, ...), Cin output channels, a square output, or the stride or
    the padding left out."""
    def conv(x, weight, s=1, p=0):
        n, cin, h, w = x.shape
        cout, _, k, _ = weight.shape
        s, p = (s if stride else 1), (p if padding else 0)
        hout, wout = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        cols = F.unfold(x, k, padding=p, stride=s)
        by_channel = weight if order == "channels" else weight.permute(0, 2, 3, 1)  # positions outer
        flat = by_channel.reshape(cout, -1)
        out = flat @ cols if result == "channels_first" else cols.transpose(1, 2) @ flat.T
        return out.reshape(n, cout if out_channels == "cout" else cin, hout, wout if width == "w" else hout)
    return conv


def dense_weight(place):
    """The grouped weight put in a zero (cout, cin, k, k) weight by ``place(dense, weight, i, step, cin_g)``
    for each group i."""
    def dense_of(weight, groups):
        cout, cin_g, k, _ = weight.shape
        dense = torch.zeros(cout, cin_g * groups, k, k)
        for i in range(groups):
            place(dense, weight, i, cout // groups, cin_g, groups)
        return dense
    return dense_of


def other_diagonal(dense, weight, i, step, cin_g, groups):
    j = groups - 1 - i
    dense[i * step:(i + 1) * step, j * cin_g:(j + 1) * cin_g] = weight[i * step:(i + 1) * step]


def every_groups_th(dense, weight, i, step, cin_g, groups):
    dense[i * step:(i + 1) * step, i::groups] = weight[i * step:(i + 1) * step]


def output_step_for_inputs(dense, weight, i, step, cin_g, groups):
    dense[i * step:(i + 1) * step, i * step:(i + 1) * step] = weight[i * step:(i + 1) * step]


def masked(weight, groups):
    """Right, written otherwise: the grouped weight repeated over every input run, times a block mask."""
    cout, cin_g = weight.shape[:2]
    mask = torch.arange(cout)[:, None] // (cout // groups) == torch.arange(cin_g * groups)[None, :] // cin_g
    return weight.repeat(1, groups, 1, 1) * mask[:, :, None, None]
