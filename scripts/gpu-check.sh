#!/usr/bin/env bash
# The one prepared GPU check (tools/gpu_check.py): bash scripts/gpu-check.sh OUTDIR [--budget SECONDS]
# Runs with whatever python3 holds torch (the GPU machine: torch, torchvision, timm, tqdm; no pip, no
# network), with this checkout on PYTHONPATH, and writes OUTDIR/gpu-check.md and OUTDIR/gpu-check.json.
# Without CUDA it runs smoke sizes on the CPU (about two minutes): the tests run it that way.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: bash scripts/gpu-check.sh OUTDIR [--budget SECONDS]" >&2
  exit 2
fi
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
exec "${PYTHON:-python3}" -m tools.gpu_check "$@"
