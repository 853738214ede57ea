#!/bin/sh
# bench-mem.sh — host speed of the cycle-accurate DRAM model (htx-mem / htxsim mem).
#
# Prints simulated bandwidth and requests per host second for sequential and
# random 64-byte read streams on one LPDDR5X-8533 channel and one HBM3-6400
# pseudo-channel.
#
# usage: scripts/bench-mem.sh [BUILD_DIR]
#   BUILD_DIR        build tree holding models/memory/htx-mem (default: build); it is
#                    built there (target htx-mem, -j2) if missing
#   SEQ_REQUESTS     requests of the sequential streams (default 10000000)
#   RANDOM_REQUESTS  requests of the random streams (default 2000000)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
seq_n=${SEQ_REQUESTS:-10000000}
rnd_n=${RANDOM_REQUESTS:-2000000}
bin="$build/models/memory/htx-mem"
if [ ! -x "$bin" ]; then
    cmake -S "$root" -B "$build" >/dev/null
    cmake --build "$build" -j2 --target htx-mem >/dev/null
fi
printf '%-14s %-10s %12s %12s %10s %14s\n' spec pattern requests "GB/s" "% peak" "Mreq/host-s"
for spec in lpddr5x-8533 hbm3-6400; do
    for pattern in sequential random; do
        n=$seq_n
        [ "$pattern" = random ] && n=$rnd_n
        "$bin" --spec "$root/configs/memory/$spec.cfg" --pattern "$pattern" --requests "$n" |
            awk -v s="$spec" -v p="$pattern" -v n="$n" '
                /^bandwidth/ { gbs = $2; pct = $4; sub(/\(/, "", pct) }
                /^host/      { rate = $4 }
                END { printf "%-14s %-10s %12d %12s %10s %14s\n", s, p, n, gbs, pct, rate }'
    done
done
