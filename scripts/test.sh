#!/usr/bin/env bash
# test.sh [BUILD_DIR] [extra cmake args...] — build and run the test suite
# (everything but the `long` and `slurm` labels: ctest --test-dir build -L long, and -L slurm
# where Slurm is installed, run those).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
bash scripts/build.sh "$dir" "$@"
ctest --test-dir "$dir" --output-on-failure -LE "long|slurm" -j"$(nproc)"
