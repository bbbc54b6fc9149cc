"""The benchmark runs end to end in a smoke size and prints sane figures (no timing is asserted)."""
import re

import pytest
import torch

from xception_edu.train import bench


def test_bench_smoke_prints_a_row_per_model_with_positive_figures(capsys):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert bench.main(["--device", "cpu", "--size", "80", "--batch", "2", "--rounds", "2",
                           "--warmup", "1", "--steps", "1"]) == 0
    finally:
        torch.set_num_threads(threads)
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if re.match(r"^(ours|timm|torchvision)", line)]
    names = [r[:44].strip() for r in rows]
    assert names == ["ours (channels_last)", "timm legacy_xception (NCHW)",
                     "timm legacy_xception (channels_last)", "torchvision inception_v3 (channels_last)"]
    for r in rows:
        rate, ms = (float(v) for v in r[44:].split()[:2])
        assert rate > 0 and ms > 0 and rate == pytest.approx(2 / (ms / 1e3), rel=0.01)
    assert rows[0].split()[-1] == "1.00x"
    assert "batch 2, 80x80, fp32" in out


def test_contenders_on_gpu_include_compiled_variants():
    names = [c.name for c in bench.contenders(torch.device("cuda"), compile_too=True)]
    assert "ours" in names and "ours +compile" in names and len(names) == 6
    assert all(c.channels_last for c in bench.contenders(torch.device("cuda"), compile_too=False))


def test_bench_bad_options(capsys):
    with pytest.raises(SystemExit) as e:
        bench.main(["--size", "64", "--device", "cpu"])
    assert e.value.code == 2 and "--size 64 is too small" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        bench.main(["--only", "resnet", "--device", "cpu"])
    assert e.value.code == 2 and "matches no model" in capsys.readouterr().err


@pytest.mark.parametrize("args,msg", [
    (["--batch", "0"], "--batch must be at least 1, got 0"),  # was silently replaced by the default 4
    (["--batch", "-2"], "--batch must be at least 1, got -2"),
    (["--rounds", "0"], "--rounds must be at least 1, got 0"),
    (["--steps", "0"], "--steps must be at least 1, got 0"),
    (["--warmup", "-1"], "--warmup must be at least 0, got -1"),
    (["--device", "gpu"], "--device 'gpu' is not cpu, cuda, cuda:N or mps; this machine has cpu"),
])
def test_bench_refuses_nonsense_sizes(args, msg, capsys):
    with pytest.raises(SystemExit) as e:
        bench.main(["--device", "cpu", *args])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err
