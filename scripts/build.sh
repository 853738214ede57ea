#!/usr/bin/env bash
# build.sh [BUILD_DIR] [extra cmake args...] — configure and build htxsim (Release with debug info).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
