"""Runs summarised over seeds: flat tables, mean and sample standard deviation, the text of notebook 10's
tables (its error bars over seeds for Figs 9 and 10 at small scale; the paper's figures show one run per
curve)."""
from __future__ import annotations

import math
import statistics
from fractions import Fraction

TABLE_FIELDS = ("config", "seed", "key", "groups", "params", "epochs", "steps", "final_train_loss",
                "final_train_acc", "final_val_loss", "final_val_acc", "best_val_acc", "s_per_step", "seconds")


def table(rows: list[dict]) -> list[dict]:
    """The rows without their curves and settings: one flat dict per run."""
    return [{f: r.get(f) for f in TABLE_FIELDS} for r in rows]


def mean_std(values) -> tuple[float, float]:
    """Mean and sample standard deviation (n - 1 in the denominator; 0 for a single value)."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("mean_std of no values")
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def summarize(rows: list[dict], metric: str = "final_val_acc") -> list[dict]:
    """Per configuration (in the rows' order): n, mean, std, min, max of ``metric``, with params, groups
    and the mean time per step."""
    out: dict[str, dict] = {}
    for r in rows:
        out.setdefault(r["config"], dict(config=r["config"], groups=r.get("groups"), params=r.get("params"),
                                         values=[], times=[]))
        out[r["config"]]["values"].append(r[metric])
        out[r["config"]]["times"].append(r["s_per_step"])
    summary = []
    for s in out.values():
        m, sd = mean_std(s["values"])
        t, tsd = mean_std(s["times"])
        summary.append(dict(config=s["config"], groups=s["groups"], params=s["params"], n=len(s["values"]),
                            mean=m, std=sd, min=min(s["values"]), max=max(s["values"]),
                            s_per_step=t, s_per_step_std=tsd))
    return summary


def format_summary(summary: list[dict], metric: str = "val acc") -> str:
    lines = [f"{'configuration':>16} {'params':>9} {'n':>2}  {metric + ' mean ± std':>20}  "
             f"{'min':>6} {'max':>6}  ms/step"]
    for s in summary:
        lines.append(f"{s['config']:>16} {s['params']:>9,} {s['n']:>2}  {s['mean']:>12.3f} ± {s['std']:.3f}  "
                     f"{s['min']:>6.3f} {s['max']:>6.3f}  {1000 * s['s_per_step']:>7.1f}")
    return "\n".join(lines)


def band_verdict(better, worse) -> str:
    """The verdict on "``better`` beats ``worse``" from per-seed values (higher is better): "agrees" when
    every seed of ``better`` is above every seed of ``worse``, "disagrees" when every seed of ``worse`` is
    above, "cannot say" when the ranges overlap or touch (a re-run with other seeds could swap them)."""
    better, worse = [float(v) for v in better], [float(v) for v in worse]
    if not better or not worse:
        raise ValueError(f"band_verdict needs at least one value on each side, got {better} and {worse}")
    if min(better) > max(worse):
        return "agrees"
    if min(worse) > max(better):
        return "disagrees"
    return "cannot say"


def band_p_value(n: int, m: int) -> Fraction:
    """The exact one-sided p of ``band_verdict``'s "agrees" as a permutation (rank) test of n seeds against
    m: if both configurations were the same (all n + m values exchangeable, no ties), the chance that all n
    of one land above all m of the other is 1 / C(n + m, n); 3 against 3 seeds: 1/20 = 0.05."""
    for name, value in (("n", n), ("m", m)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"band_p_value needs {name} = a number of seeds >= 1, got {value!r}")
    return Fraction(1, math.comb(n + m, n))
