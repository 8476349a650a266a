#!/usr/bin/env bash
# The GPU check in ONE command (about 8 minutes on a GPU machine): installs the wheels that
# scripts/gpu_wheels.sh fetched into .whl/ (without touching the machine's own torch), makes this
# checkout importable, and runs scripts/gpu_check.py, which writes OUTDIR/report.json and report.txt.
# Without a GPU it runs on the CPU with the CUDA steps reported as skipped (add --quick for CI).
# Usage: bash scripts/gpu_check.sh OUTDIR [--quick]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: gpu_check.sh OUTDIR [--quick]}
shift
PY=${PY:-python3}
NEEDED="import textual, msgspec, platformdirs, tomlkit, plotext, textual_plotext"
if ! "$PY" -c "$NEEDED" 2>/dev/null; then
    ls .whl/*.whl >/dev/null 2>&1 || { echo "gpu_check: missing packages and no .whl/ (run scripts/gpu_wheels.sh)" >&2; exit 2; }
    SITE=${TMPDIR:-/tmp}/torch-tutor-site
    # --no-deps: the machine's torch, numpy, rich and pygments stay as they are.
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl \
        || { echo "gpu_check: installing .whl/ failed" >&2; exit 2; }
    export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
fi
# The checkout itself, importable as it stands (built-in lessons are read from lessons/).
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
exec "$PY" scripts/gpu_check.py "$OUT" "$@"
