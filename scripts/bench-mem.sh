#!/bin/sh
# bench-mem.sh — host speed of the cycle-accurate DRAM model (htx-mem / htxsim mem).
#
# Sequential and random 64-byte read streams on one LPDDR5X-8533 channel and
# one HBM3-6400 pseudo-channel, each run three ways: with every exact
# acceleration (burst batching + steady-state jumps, the default), with burst
# batching only (--no-jumps) and command by command (--no-burst-batching).  The
# three runs must report identical DRAM results (the script checks every line
# but the host timing and the acceleration shares) and the table gives the
# request rates and the share of column commands the jumps covered.  Figures,
# not pass/fail: quote ratios from one run (shared machines).
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
printf '%-14s %-10s %10s %8s %7s %8s %13s %13s %13s\n' spec pattern requests "GB/s" "% peak" "jumped" \
    "Mreq/s all" "no jumps" "per command"
for spec in lpddr5x-8533 hbm3-6400; do
    for pattern in sequential random; do
        n=$seq_n
        [ "$pattern" = random ] && n=$rnd_n
        run() { "$bin" --spec "$root/configs/memory/$spec.cfg" --pattern "$pattern" --requests "$n" "$@"; }
        run >"$tmp/all"
        run --no-jumps >"$tmp/nojump"
        run --no-burst-batching >"$tmp/off"
        for f in all nojump off; do
            grep -v -e '^host' -e '^burst batching' -e '^steady jumps' "$tmp/$f" >"$tmp/$f.r"
        done
        if ! cmp -s "$tmp/all.r" "$tmp/off.r" || ! cmp -s "$tmp/nojump.r" "$tmp/off.r"; then
            echo "bench-mem: $spec $pattern: the accelerated and per-command results differ" >&2
            exit 1
        fi
        awk -v s="$spec" -v p="$pattern" -v n="$n" '
            FNR == 1 { f++ }
            f == 1 && /^bandwidth/ { gbs = $2; pct = $4; sub(/\(/, "", pct) }
            f == 1 && /^steady jumps/ { j = $4 }
            f == 1 && /^host/ { all = $4 }
            f == 2 && /^host/ { nj = $4 }
            f == 3 && /^host/ { off = $4 }
            END { printf "%-14s %-10s %10d %8s %7s %7s%% %13s %13s %13s\n", s, p, n, gbs, pct, j, all, nj, off }' \
            "$tmp/all" "$tmp/nojump" "$tmp/off"
    done
done
