#!/usr/bin/env bash
# run-default.sh — the main job: build, simulate the default six-chip card
# (configs/runs/default.cfg), write results/default.h5 and plot it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh build
./build/sim/htxsim run configs/runs/default.cfg --out results/default.h5
/usr/bin/python3 scripts/plot.py results/default.h5
