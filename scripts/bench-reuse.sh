#!/bin/sh
# bench-reuse.sh — exact card memory (card.memory.model = "exact") with and
# without steady-state reuse (card.memory.reuse) on validation subsets of the
# issue-9 models: host seconds of each, and the deviation of reuse from the
# full command-level run in simulated time and card energy.  Then one whole
# decode token of each model with reuse (host seconds, peak RSS).
# Figures, not pass/fail (shared machines: quote ratios from one run).
#
# usage: scripts/bench-reuse.sh [BUILD_DIR]   (default: build)
#   STEPS            decode steps per validation run (default 2)
#   PERIOD           card.memory.reuse_period_tiles (default: the config's)
#   SAMPLE           card.memory.reuse_sample_tiles (default: the config's)
#   SKIP_FULL=1      leave out the whole-token runs
set -eu
. "$(dirname "$0")/bench-common.sh"
bench_setup "${1:-}" htxsim
bin=$bench_bin
steps=${STEPS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
period=""
[ -n "${PERIOD:-}" ] && period="--set card.memory.reuse_period_tiles=$PERIOD"
[ -n "${SAMPLE:-}" ] && period="$period --set card.memory.reuse_sample_tiles=$SAMPLE"

# run NAME CONFIG REUSE [--set ...]: writes $tmp/NAME.h5 and $tmp/NAME.time (secs rss_kb)
run() {
    name=$1 cfg=$2 reuse=$3
    shift 3
    # shellcheck disable=SC2086
    /usr/bin/time -f '%e %M' -o "$tmp/$name.time" "$bin" run "$root/configs/runs/$cfg.cfg" --quiet \
        --out "$tmp/$name.h5" --set card.memory.model=exact --set card.memory.reuse="$reuse" $period "$@"
}

printf '%-30s %10s %10s %8s %12s %12s %10s\n' "validation subset" "exact s" "reuse s" speedup "d time %" \
    "d energy %" "tiles %"
validate() { # label config layers
    label=$1 cfg=$2 layers=$3
    run ex "$cfg" false --set model.n_layers="$layers" --set workload.steps="$steps"
    run re "$cfg" true --set model.n_layers="$layers" --set workload.steps="$steps"
    /usr/bin/python3 - "$tmp" "$label" <<'PY'
import sys, h5py
tmp, label = sys.argv[1:]
def load(n):
    with h5py.File(f"{tmp}/{n}.h5", "r") as f:
        s = f["summary"]
        t, e = float(s["simulated_time_ps"][()]), float(s["energy_j"][()])
        tiles = reused = 0.0
        for chip in f["stats"]:
            if chip.startswith("chip") and "reuse" in f["stats"][chip]["mem"]:
                m = f["stats"][chip]["mem"]
                reused += float(m["reuse"]["bytes"][()])
                tiles += float(m["bytes_read"][()])
    secs = float(open(f"{tmp}/{n}.time").read().split()[0])
    return t, e, secs, (reused / tiles if tiles else 0.0)
te, ee, se, _ = load("ex")
tr, er, sr, share = load("re")
print(f"{label:30s} {se:10.2f} {sr:10.2f} {se / sr:8.1f} {100 * (tr / te - 1):+12.3f} "
      f"{100 * (er / ee - 1):+12.3f} {100 * share:10.1f}")
PY
}
validate "llama-3.1-70b int4, 4 layers" default 4
validate "deepseek-v3 int4, 5 layers" deepseek-v3-int4 5
validate "llama-3.1-405b int4, 2 layers" llama-3.1-405b-int4 2

[ "${SKIP_FULL:-0}" = 1 ] && exit 0
echo
printf '%-30s %12s %10s %10s\n' "whole token (reuse on)" "host s/step" "RSS MB" "ms/token"
full() { # label config
    run full "$2" true --set workload.steps=1
    read -r secs rss < "$tmp/full.time"
    ms=$(/usr/bin/python3 -c "import h5py; print('%.3f' % (h5py.File('$tmp/full.h5','r')['summary/ms_per_token_mean'][()]))")
    printf '%-30s %12.2f %10.1f %10s\n' "$1" "$secs" "$(awk "BEGIN { print $rss / 1024 }")" "$ms"
}
full "llama-3.1-70b int4" default
full "deepseek-v3 int4" deepseek-v3-int4
full "llama-3.1-405b int4" llama-3.1-405b-int4
