"""The key of every exercise's answer (graduated hints): exercise id -> the formula, code or exact
recipe that IS the answer (or the exact fix of a typical mistake), in the notations a hint could use. The
second miss shows it ("The fix: ..."); a first miss must not. ``test_every_check_can_fail.py`` compares
them after ``plain()``: lower case, no spaces, ``·``/``×``/`` x `` as ``*``, ``²`` as ``**2``, so that
``9·C + C·C`` and ``9 * c + c * c`` are the same key."""
import re

KEYS = {
    "00.savings_ratio": ["(k * k * c + c * c) / (k * k * c * c)", "1 / c + 1 / k**2"],
    "01.one_output": ["x[:, i:i + k, j:j + k]", "(window * weight).sum()"],
    "01.conv_params": ["k * k * cin * cout"],
    "01.unfold_conv": ["weight.reshape(cout, -1) @ cols"],
    "02.what_counts_tell": ["never C or D"],
    "02.simplified_params": ["cin * w + k * k * w * w", "towers * (cin * w"],
    "02.build_simplified": ["nn.ReLU(), nn.Conv2d(", "bias=False"],
    "03.dense_weight": ["dense[i * step:(i + 1) * step, i * cin_g:(i + 1) * cin_g]"],
    "03.connectivity": ["// (channels // groups)", "segment[:, None] == segment[None, :]"],
    "03.transplant": ["torch.cat([tower[0].weight", "return pointwise, spatial"],
    "04.macs_speedup": ["(cin * c + k * k * c * c) / (cin * c + k * k * c * c / g)"],
    "04.valid_groups": ["c % g == 0", "range(1, c + 1)"],
    "04.build_extreme": ["nn.ReLU(), nn.Conv2d(", "groups=12", "bias=False"],
    "05.separable_as_regular": ["pointwise * depthwise.transpose(0, 1)"],
    "05.depthwise_conv": ["groups=6", "groups=16", "not wrapped"],
    "05.depthwise_by_hand": ["weight[i:i + 1]", "x[:, i:i + 1]"],
    "06.channel_correlation": ["(x * y).sum() /", "sum(x*y) /", "sqrt(sum(x*x) * sum(y*y))", "float(r)"],
    "06.shift_correlation": [":W - d]", ", d:]", "(x * y).sum() /", "sum(x*y) /"],
    "06a.filter_separability": ["reshape(filt.shape[0], -1)", "(C_in, k*k)", "s[0] ** 2 /", "sigma_1^2 /"],
    "06a.rank1_kernel": ["[:, :, None, None]", "spatial[:, None]"],
    "07.intensity": ["2·cin·h·w + k·k·cin", "cin·h·w + cin·cout + cout·h·w"],
    "07.channels_last_strides": ["(h * w * c, 1, w * c, c)"],
    "07.separable_ratio": ["1 / cout + 1 / k**2", "1 / k**2 + 1 / cout"],
    "08.silence_body": ["last nn.BatchNorm2d of block.body", "zero both its weight and its bias"],
    "08.exit_map_size": ["(n - 3) // 2 + 1", "-(-side // 2)"],
    "08.depthwise_params": ["groups == m.in_channels", "groups equal its in_channels"],
    "08.separable_conv2d": ["bias=False", "then the 1x1 pointwise conv on its output", "not an instance",
                           "nothing but the two convs"],
    "08.middle_block": ["to the output of the branch", "in front of its separable conv",
                       "keep the block's input under a name of its own"],
    "08.entry_block": ["MaxPool2dTFSame(3, 2), after", "nn.BatchNorm2d(out_channels)",
                      "keep the block's input under a name of its own"],
    "09.scaled_lr": ["batch_per_gpu x gpus", "/ 256"],
    "09.lr_at_epoch": ["epoch // 2"],
    "10.supported": ["min(first) > max(second)",
                     "{'first ahead'} when every seed of the first is above every seed of the second"],
    "10.mean_std": ["/ (n - 1)", "/ (len(values) - 1)"],
    "11.width_at_budget": ["9·C·C/g", "9 * c * (c // g)"],
    "11.verdict": ["min(better) > max(worse)", "worst seed of the first above the best seed"],
}


def plain(text: str) -> str:
    """``text`` as the keys are compared: a formula written in a hint's notation or in code reads the same."""
    text = text.lower().replace("·", "*").replace("×", "*").replace("²", "**2").replace("^", "**")
    text = re.sub(r"(?<=[\w)\]]) x (?=[\w(])", "*", text)  # "batch_per_gpu x gpus", "k x k"
    return re.sub(r"\s+", "", text)
