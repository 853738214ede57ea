#!/bin/sh
# bench.sh — simulator speed, the figures issue 9 asks for, in one table each:
#   1. memory only: requests per host second (scripts/bench-mem.sh);
#   2. the card with calibrated memory (the default): host seconds and peak RSS
#      per simulated decode token, simulated/host time;
#   3. the card with exact memory (every DRAM command): the same per token;
#   4. exact memory with steady-state reuse: the same, and the deviation of
#      reuse from the exact run on validation subsets (scripts/bench-reuse.sh).
# Figures, not pass/fail: quote ratios measured in one run (shared machines).
#
# usage: scripts/bench.sh [BUILD_DIR]   (default: build; htxsim is built there if missing)
#   STEPS        decode steps per calibrated run (default 2; host s are per step)
#   SKIP_MEM=1   leave out the memory-only table
#   EXACT=subset exact memory on layer subsets only (host s per step of N
#                layers), not whole tokens (EXACT=full, the default: a whole
#                exact token of a 70B-class model takes minutes)
#   SKIP_REUSE=1 leave out the reuse tables
set -eu
case "${EXACT:-full}" in
full | subset) ;;
*) echo "bench.sh: EXACT must be full or subset, got '$EXACT'" >&2; exit 2 ;;
esac
. "$(dirname "$0")/bench-common.sh"
bench_setup "${1:-}" htxsim
bin=$bench_bin
steps=${STEPS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${SKIP_MEM:-0}" != 1 ]; then
    echo "== memory only (one channel, 64 B reads)"
    sh "$root/scripts/bench-mem.sh" "$build"
    echo
fi

# run NAME MEMORY STEPS MODEL FORMAT BATCH GROUP [--set ...]: one htxsim run, one table row
run() {
    name=$1 memory=$2 nsteps=$3 model=$4 format=$5 batch=$6 group=$7
    shift 7
    out="$tmp/run.h5"
    # shellcheck disable=SC2086
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$bin" run "$root/configs/runs/default.cfg" --quiet --out "$out" \
        --set model="$model" --set workload.weight_format="$format" --set workload.batch="$batch" \
        --set workload.steps="$nsteps" --set workload.context=4096 --set workload.weight_group="$group" \
        --set card.memory.model="$memory" "$@"
    read -r secs rss_kb < "$tmp/time"
    /usr/bin/python3 - "$out" "$name" "$batch" "$secs" "$rss_kb" "$nsteps" <<'PY'
import sys, h5py
path, name, batch, secs, rss_kb, steps = sys.argv[1:]
with h5py.File(path, "r") as f:
    s = f["summary"]
    tps = float(s["tokens_per_s"][()])
    sim_s = float(s["simulated_time_ps"][()]) * 1e-12
    wb = float(s["weight_bytes_per_step"][()]) / 1e9
host = float(secs)
print(f"{name:36s} {batch:>6s} {tps:10.2f} {host / int(steps):12.3f} {sim_s / host:12.5f} "
      f"{int(rss_kb) / 1024:10.1f} {wb:12.2f}")
PY
}
header() {
    echo "== $1"
    printf '%-36s %6s %10s %12s %12s %10s %12s\n' workload batch tokens/s "host s/step" "sim/host" "RSS MB" \
        "weights GB"
}
models() { # MEMORY STEPS [--set ...]
    memory=$1 nsteps=$2
    shift 2
    run "llama-3.1-70b int4" "$memory" "$nsteps" llama-3.1-70b int4 1 32 "$@"
    run "deepseek-v3 int4" "$memory" "$nsteps" deepseek-v3 int4 1 32 "$@"
    # batch 16 x 4098 tokens of replicated MLA cache needs the smaller int4-g128 scales to fit 64 GB per chip
    run "deepseek-v3 int4 g128" "$memory" "$nsteps" deepseek-v3 int4 16 128 "$@"
    run "llama-3.1-405b int4" "$memory" "$nsteps" llama-3.1-405b int4 1 32 "$@"
}

header "card, calibrated memory (default)"
models calibrated "$steps"
echo

if [ "${EXACT:-full}" = subset ]; then
    header "card, exact memory, layer subsets (host s per step of N layers)"
    run "llama-3.1-70b int4, 4 of 80 layers" exact 1 llama-3.1-70b int4 1 32 --set model.n_layers=4
    run "deepseek-v3 int4, 5 of 61 layers" exact 1 deepseek-v3 int4 1 32 --set model.n_layers=5
    run "llama-3.1-405b int4, 2 of 126 layers" exact 1 llama-3.1-405b int4 1 32 --set model.n_layers=2
else
    header "card, exact memory (every DRAM command), one whole token"
    run "llama-3.1-70b int4" exact 1 llama-3.1-70b int4 1 32
    run "deepseek-v3 int4" exact 1 deepseek-v3 int4 1 32
fi
echo

if [ "${SKIP_REUSE:-0}" != 1 ]; then
    header "card, exact memory with steady-state reuse, one whole token"
    models exact 1 --set card.memory.reuse=true
    echo
    echo "== reuse against exact memory on validation subsets (scripts/bench-reuse.sh)"
    SKIP_FULL=1 sh "$root/scripts/bench-reuse.sh" "$build"
fi
