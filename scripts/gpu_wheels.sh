#!/usr/bin/env bash
# Fetches, on a normal machine with PyPI, the wheels scripts/gpu_check.sh installs on a GPU machine
# whose Python 3.12 image lacks them (textual, msgspec, platformdirs, tomlkit, plotext, ...).
# Versions: the ones this checkout's venv runs (tested), else the newest. Into .whl/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-.whl}
PY=${PY:-.venv/bin/python}
# What the GPU image lacks (its own list: /work/.library/device/KINDS.md): ours and their needs.
NAMES=(textual msgspec platformdirs tomlkit plotext textual-plotext mdit-py-plugins linkify-it-py uc-micro-py)
mkdir -p "$OUT"
rm -f "$OUT"/*.whl
for name in "${NAMES[@]}"; do
    version=$("$PY" -m pip show "$name" 2>/dev/null | sed -n 's/^Version: //p' || true)
    spec=$name${version:+==$version}
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        --platform any -d "$OUT" "$spec"
done
du -sh "$OUT"
ls "$OUT"
