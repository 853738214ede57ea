#!/bin/sh
# plot_test.sh SYNTH_TOOL PYTHON PLOT_PY WORKDIR
# Writes the synthetic result file with the C writer, runs plot.py on it and
# checks that all four panels are written as PNG files and printed; then that a
# missing file and a non-HDF5 file exit with status 2 and a message.
set -u
synth=$1 py=$2 plot=$3 work=$4
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work" && mkdir -p "$work/png" || fail "cannot create $work"
"$synth" "$work/run.h5" >/dev/null || fail "results_synth could not write $work/run.h5"

out=$("$py" "$plot" "$work/run.h5" -o "$work/png") || fail "plot.py exited with $?"
for panel in latency memory power mem_bw; do
    f="$work/png/run_$panel.png"
    echo "$out" | grep -qx "$f" || fail "plot.py did not print $f (printed: $out)"
    [ -s "$f" ] || fail "$f missing or empty"
    magic=$(head -c 4 "$f" | od -An -c | tr -d ' ')
    [ "$magic" = "211PNG" ] || fail "$f is not a PNG (magic '$magic')"
done

# Default output directory: next to the file.
"$py" "$plot" "$work/run.h5" >/dev/null || fail "plot.py without -o exited with $?"
[ -s "$work/run_latency.png" ] || fail "plot.py without -o did not write next to the file"

"$py" "$plot" "$work/missing.h5" 2>"$work/err1"; rc=$?
[ $rc -eq 2 ] || fail "missing file: expected exit 2, got $rc"
grep -q "no such file" "$work/err1" || fail "missing file: no clear message: $(cat "$work/err1")"

echo "not hdf5" >"$work/bad.h5"
"$py" "$plot" "$work/bad.h5" 2>"$work/err2"; rc=$?
[ $rc -eq 2 ] || fail "non-HDF5 file: expected exit 2, got $rc"
grep -q "not a readable HDF5 result file" "$work/err2" || fail "non-HDF5 file: no clear message: $(cat "$work/err2")"
echo "plot.py: all panels written, bad input rejected"
