#!/bin/sh
# bench.sh — simulator speed: host seconds and peak RSS per simulated decode
# token on the default card, and the simulated-time / host-time ratio.
# Figures, not pass/fail: quote ratios measured in one run (shared machines).
#
# usage: scripts/bench.sh [BUILD_DIR]   (default: build; htxsim is built there if missing)
#   STEPS   decode steps per run (default 2)
# Memory-only request rates: scripts/bench-mem.sh.
set -eu
. "$(dirname "$0")/bench-common.sh"
bench_setup "${1:-}" htxsim
bin=$bench_bin
steps=${STEPS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-34s %6s %10s %12s %12s %10s %12s\n' workload batch tokens/s "host s/step" "sim/host" "RSS MB" "weights GB"
run() { # name model format batch [int4 group]
    out="$tmp/$1.h5"
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$bin" run "$root/configs/runs/default.cfg" --quiet --out "$out" \
        --set model="$2" --set workload.weight_format="$3" --set workload.batch="$4" \
        --set workload.steps="$steps" --set workload.context=4096 --set workload.weight_group="${5:-32}"
    read -r secs rss_kb < "$tmp/time"
    /usr/bin/python3 - "$out" "$1" "$4" "$secs" "$rss_kb" "$steps" <<'PY'
import sys, h5py
path, name, batch, secs, rss_kb, steps = sys.argv[1:]
with h5py.File(path, "r") as f:
    s = f["summary"]
    tps = float(s["tokens_per_s"][()])
    sim_s = float(s["simulated_time_ps"][()]) * 1e-12
    wb = float(s["weight_bytes_per_step"][()]) / 1e9
host = float(secs)
print(f"{name:34s} {batch:>6s} {tps:10.2f} {host / int(steps):12.3f} {sim_s / host:12.4f} "
      f"{int(rss_kb) / 1024:10.1f} {wb:12.2f}")
PY
}
run "llama-3.1-70b int4" llama-3.1-70b int4 1
run "deepseek-v3 int4" deepseek-v3 int4 1
# batch 16 x 4098 tokens of replicated MLA cache needs the smaller int4-g128 scales to fit 64 GB per chip
run "deepseek-v3 int4 g128" deepseek-v3 int4 16 128
run "llama-3.1-405b int4" llama-3.1-405b int4 1
