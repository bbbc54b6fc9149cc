"""Notebook 07's timings read against arithmetic: a separable conv does 1/Cout + 1/k**2 of a regular conv's
multiply-adds (Sec. 1.2) but does not take that share of its time, as Xception has fewer parameters than
Inception V3 yet trains slower (Sec. 4.5.2, Table 3). The four operators and the two steps measured in
both memory layouts, each step's arithmetic intensity, and the readouts the notebook prints."""

from __future__ import annotations

from ..experiments.timing import PARTS, VARIANTS, VariantTiming, measure_variants


def measure_layouts(shapes, device="cpu", batch: int = 1, repeats: int = 5, warmup: int = 1,
                    threads: int | None = None, groups: int = 4) -> list[VariantTiming]:
    """``measure_variants`` rows of every operator and both steps of a 3x3 conv C -> C, for each
    ``(C, map side)`` in ``shapes``, first in NCHW, then in channels_last (NHWC)."""
    rows: list[VariantTiming] = []
    for channels, size in shapes:
        for channels_last in (False, True):
            rows += measure_variants(channels, channels, 3, groups=groups, size=size, batch=batch,
                                     repeats=repeats, warmup=warmup, threads=threads,
                                     variants=VARIANTS + PARTS, channels_last=channels_last, device=device)
    return rows


def step_intensity(cin: int, cout: int, k: int, hw=(1, 1)) -> tuple[float, float]:
    """Arithmetic intensity of the two steps of a k x k separable conv (Sec. 1.2), batch 1, stride 1,
    'same' padding: multiply-adds per element read or written (input map, weights, output map, each once),
    as (depthwise, pointwise). Few multiply-adds per element moved: the step waits on memory."""
    pixels = hw[0] * hw[1]
    depthwise = k * k * cin * pixels / (cin * pixels + k * k * cin + cin * pixels)
    pointwise = cin * cout * pixels / (cin * pixels + cin * cout + cout * pixels)
    return depthwise, pointwise


def _by_setting(rows, needs) -> dict:
    """(Cin, map side, layout) -> {variant: row}, each setting holding every variant in ``needs``."""
    if not rows:
        raise ValueError("no rows to read: give measure_layouts' rows (NCHW ones for the intensities)")
    by: dict = {}
    for r in rows:
        by.setdefault((r.cin, r.size, r.memory_format), {})[r.variant] = r
    for (c, size, fmt), found in by.items():
        missing = [v for v in needs if v not in found]
        if missing:
            raise ValueError(f"the rows at Cin = {c}, map {size}, {fmt} lack {missing}: measure them with "
                             f"variants including {needs} (measure_layouts does)")
    return by


def ratio_readout(rows) -> str:
    """One line per width and layout: the separable conv's share of the regular conv's multiply-adds and of
    its time, and its depthwise step's share of its multiply-adds and of the time of its two steps
    (Sec. 1.2's 1/Cout + 1/k**2 against the clock; Sec. 4.5.2, Table 3)."""
    lines = []
    for (c, _, fmt), v in sorted(_by_setting(rows, ("standard", "separable") + PARTS).items()):
        reg, sep, dw, pw = v["standard"], v["separable"], v["depthwise"], v["pointwise"]
        lines.append(f"C = {c:3d} {fmt}:  separable / regular: "
                     f"multiply-adds {sep.macs / reg.macs:.2f}, time {sep.ms / reg.ms:.2f}"
                     f"   |  depthwise step: {dw.macs / sep.macs:5.1%} of the multiply-adds, "
                     f"{dw.ms / (dw.ms + pw.ms):4.0%} of the time")
    return "\n".join(lines)


def intensity_readout(rows) -> str:
    """One line per width and map size: the two steps' arithmetic intensity (``step_intensity``, exact) and
    their measured rate in NCHW: the step with few multiply-adds per element moved runs far below the
    other's rate, memory-bound (Sec. 4.5.2: the depthwise conv is what engineering has to speed up)."""
    lines = []
    for (c, size, _), v in sorted(_by_setting([r for r in rows if r.memory_format == "NCHW"], PARTS).items()):
        dw, pw = v["depthwise"], v["pointwise"]
        i_dw, i_pw = step_intensity(dw.cin, dw.cout, dw.k, (size, size))
        lines.append(f"C = {c:3d} on {size} x {size}: "
                     f"intensity depthwise {i_dw:5.1f}, pointwise {i_pw:6.1f} multiply-adds per element;"
                     f"  GMAC/s depthwise {dw.gmacs_per_s:5.2f}, pointwise {pw.gmacs_per_s:5.2f}")
    return "\n".join(lines)


def layout_readout(rows) -> str:
    """One line per width: the depthwise step's time in NCHW and in channels_last (NHWC), the layout in
    which it reads the C values of one pixel side by side."""
    by = _by_setting(rows, ("depthwise",))
    lines = []
    for c, size in sorted({(c, size) for c, size, _ in by}):
        nchw, nhwc = (by.get((c, size, fmt), {}).get("depthwise") for fmt in ("NCHW", "NHWC"))
        if nchw is None or nhwc is None:
            raise ValueError(f"Cin = {c}, map {size}: the depthwise step is measured in one layout only; "
                             "measure both (measure_layouts does)")
        lines.append(f"C = {c:3d}: depthwise step {nchw.ms:6.3f} ms in NCHW, "
                     f"{nhwc.ms:6.3f} ms in channels_last")
    return "\n".join(lines)
