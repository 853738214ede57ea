#!/bin/sh
# bench-mem.sh — host speed of the cycle-accurate DRAM model (htx-mem / htxsim mem).
#
# Sequential and random 64-byte read streams on one LPDDR5X-8533 channel and
# one HBM3-6400 pseudo-channel, each run with burst batching on and off
# (--no-burst-batching); the two runs must report identical DRAM results (the
# script checks every line but the host timing) and the table gives both
# request rates and their ratio.  Figures, not pass/fail: quote ratios from one
# run (shared machines).
#
# usage: scripts/bench-mem.sh [BUILD_DIR]
#   BUILD_DIR        build tree holding models/memory/htx-mem (default: build); it is
#                    built there (target htx-mem, -j2) if missing
#   SEQ_REQUESTS     requests of the sequential streams (default 10000000)
#   RANDOM_REQUESTS  requests of the random streams (default 2000000)
set -eu
. "$(dirname "$0")/bench-common.sh"
bench_setup "${1:-}" htx-mem
bin=$bench_bin
seq_n=${SEQ_REQUESTS:-10000000}
rnd_n=${RANDOM_REQUESTS:-2000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-14s %-10s %10s %8s %7s %9s %14s %14s %7s\n' spec pattern requests "GB/s" "% peak" "batched" \
    "Mreq/s batch" "Mreq/s off" ratio
for spec in lpddr5x-8533 hbm3-6400; do
    for pattern in sequential random; do
        n=$seq_n
        [ "$pattern" = random ] && n=$rnd_n
        "$bin" --spec "$root/configs/memory/$spec.cfg" --pattern "$pattern" --requests "$n" >"$tmp/on"
        "$bin" --spec "$root/configs/memory/$spec.cfg" --pattern "$pattern" --requests "$n" --no-burst-batching >"$tmp/off"
        grep -v -e '^host' -e '^burst batching' "$tmp/on" >"$tmp/on.r"
        grep -v -e '^host' -e '^burst batching' "$tmp/off" >"$tmp/off.r"
        if ! cmp -s "$tmp/on.r" "$tmp/off.r"; then
            echo "bench-mem: $spec $pattern: batched and unbatched results differ" >&2
            exit 1
        fi
        awk -v s="$spec" -v p="$pattern" -v n="$n" '
            FNR == 1 { f++ }
            f == 1 && /^bandwidth/ { gbs = $2; pct = $4; sub(/\(/, "", pct) }
            f == 1 && /^burst batching/ { b = $4 }
            f == 1 && /^host/ { on = $4 }
            f == 2 && /^host/ { off = $4 }
            END { printf "%-14s %-10s %10d %8s %7s %8s%% %14s %14s %7.2f\n", s, p, n, gbs, pct, b, on, off,
                  (off > 0 ? on / off : 0) }' "$tmp/on" "$tmp/off"
    done
done
