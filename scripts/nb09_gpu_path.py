"""Notebook 09's GPU mode as a script (the GPU machine has no Jupyter): the same package calls as the
notebook's cells, in order, with a short run. Called by the GPU check (tools/gpu_check.py); extra
arguments are appended to the notebook's command line (the CPU smoke run shrinks the model with them).

    python scripts/nb09_gpu_path.py RUN_DIR [extra train options ...]
"""
import dataclasses
import sys

import torch

from xception_edu.model import presets
from xception_edu.train import checkpoint, cli, ema_decay_for, engine

EPOCHS, BATCH = 2, 64  # the notebook's defaults are 30 and 128; two epochs exercise evaluation and resume


def main(run_dir: str, extra: list[str]) -> None:
    # cell "Settings" + the GPU branch of the argv cell (no DATA: the synthetic set; small, to render fast)
    argv = ["--preset", "paper", "--epochs", str(EPOCHS), "--batch-size", str(BATCH),
            "--synthetic-train", "256", "--synthetic-val", "64", *extra]
    args = cli.parser().parse_args(argv + ["--checkpoint-dir", run_dir])
    model, train_set, val_set = cli.build(args)
    argv += ["--ema-decay", f"{ema_decay_for(EPOCHS * len(train_set) // BATCH):.6g}"]
    args = cli.parser().parse_args(argv + ["--checkpoint-dir", run_dir])
    cfg = cli.config(args)
    trainer = engine.Trainer(model, train_set, val_set, cfg)  # LiveCurves needs IPython: not here
    trainer.fit()
    raw, avg = trainer.evaluate(use_ema=False), trainer.evaluate(use_ema=True)
    print(f"raw weights: loss {raw[0]:.3f} acc {raw[1]:.3f}; "
          f"weight average: loss {avg[0]:.3f} acc {avg[1]:.3f}")
    state = checkpoint.load(f"{run_dir}/{checkpoint.LATEST}")  # the checkpoint cell, then the reload cell
    fresh = presets.model(args.preset, num_classes=len(train_set.classes), **cli.model_options(args))
    fresh.load_state_dict(state["model"])
    fresh.to(trainer.ctx.device, memory_format=trainer.memory_format).eval()
    x = torch.stack([val_set[i][0] for i in range(32)]).to(trainer.ctx.device)
    with torch.no_grad():
        before, after = trainer.model.eval()(x), fresh(x)
    assert torch.equal(before.argmax(1), after.argmax(1)) and torch.allclose(before, after, atol=1e-4)
    more = dataclasses.replace(cfg, epochs=cfg.epochs + 1, resume=True)  # the resume cell
    again = engine.Trainer(presets.model(args.preset, num_classes=len(train_set.classes),
                                         **cli.model_options(args)), train_set, val_set, more)
    again.fit()
    assert [row["epoch"] for row in again.history] == list(range(1, cfg.epochs + 2)), again.history
    print(f"notebook 09's GPU path: {again.global_step} steps, resumed once, "
          f"{again.history[-1]['images_per_s']:.0f} images/s in the last epoch")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python scripts/nb09_gpu_path.py RUN_DIR [extra train options ...]")
    main(sys.argv[1], sys.argv[2:])
