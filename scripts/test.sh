#!/usr/bin/env bash
# test.sh [BUILD_DIR] [extra cmake args...] — build and run the test suite
# (everything but the `long` label; run those with: ctest --test-dir build -L long).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
bash scripts/build.sh "$dir" "$@"
ctest --test-dir "$dir" --output-on-failure -LE long -j"$(nproc)"
